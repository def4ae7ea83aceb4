"""Free text from a form: trimmed and checked against its limit (the limits are in domain/limits.py)."""

from .errors import ValidationFailed


def bounded_text(value: str | None, *, limit: int, what: str, minimum: int = 0) -> str:
    """The trimmed text, or a ValidationFailed naming the field, the limit and the length given."""
    if value is not None and not isinstance(value, str):
        raise ValidationFailed(f"{what}: ожидается текст")
    text = (value or "").strip()
    if len(text) > limit:
        raise ValidationFailed(f"{what}: не больше {count(limit)} символов (введено {count(len(text))})")
    if len(text) < minimum:
        raise ValidationFailed(f"{what}: не меньше {count(minimum)} символов")
    return text


def count(n: int) -> str:
    """12345 → «12 345» (Russian digit grouping with a no-break space)."""
    return f"{n:,}".replace(",", "\u00a0")
