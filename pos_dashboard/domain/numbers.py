"""The number people quote for an appeal: the source portal's own number where the appeal came
from one (an imported «Наш Санкт-Петербург» appeal is known by its portal number, e.g. 3088850),
otherwise the platform's id. The platform's id always stays available beside it."""

# external_ref prefixes whose remainder is the number the source's users see.
EXTERNAL_APPEAL_PREFIXES = ("spb:appeal:",)


def external_number(external_ref: str | None) -> str | None:
    for prefix in EXTERNAL_APPEAL_PREFIXES:
        if external_ref and external_ref.startswith(prefix):
            return external_ref[len(prefix):]
    return None


def display_number(appeal_id: int, external_ref: str | None) -> str:
    return external_number(external_ref) or str(appeal_id)


def external_refs_for(number: int) -> list[str]:
    """The external_ref values an exact search for this number matches (an indexed IN, not a LIKE)."""
    return [prefix + str(number) for prefix in EXTERNAL_APPEAL_PREFIXES]
