"""The vote builder's form (strings, as typed) turned into the arguments of `create_vote` /
`update_vote`. Bad input gets a Russian message naming the field; the state keeps what was typed."""

from dataclasses import asdict, dataclass
from datetime import datetime

from ..domain import limits
from ..domain.participation import Eligibility, ResultsVisibility
from ..settings import region_tz
from .errors import ValidationFailed
from .votes import OPTIONS_MAX, OptionInput

# What the form keeps of each field (a client may send any size); the service checks the meaning.
FORM_LIMITS = {"title": 200, "description": 4000, "territory_id": 12, "starts": 16, "ends": 16, "max_choices": 3,
               "eligibility": 20, "min_age": 3, "results_visibility": 20}
OPTION_LIMITS = {"title": 200, "description": 4000, "address": 500, "latitude": 20, "longitude": 20,
                 "territory_id": 12}
EMPTY_OPTION = {name: "" for name in OPTION_LIMITS}


@dataclass(frozen=True)
class VoteFields:
    title: str
    description: str
    territory_id: int | None
    starts_at: datetime
    ends_at: datetime
    max_choices: int
    options: list[OptionInput]
    eligibility: str
    min_age: int
    results_visibility: str

    def as_kwargs(self) -> dict:
        fields = asdict(self)
        fields["options"] = self.options
        return fields


def parse_vote_form(form: dict, options: list) -> VoteFields:
    if not isinstance(form, dict) or not isinstance(options, list) or len(options) > OPTIONS_MAX:
        raise ValidationFailed("Форма заполнена неверно: обновите страницу")
    text = {name: _text(form.get(name), limit) for name, limit in FORM_LIMITS.items()}
    eligibility = text["eligibility"] or Eligibility.RESIDENTS.value
    visibility = text["results_visibility"] or ResultsVisibility.AFTER_CLOSE.value
    if eligibility not in set(Eligibility) or visibility not in set(ResultsVisibility):
        raise ValidationFailed("Выберите правило участия и показа результатов из списка")
    return VoteFields(
        title=text["title"], description=text["description"], territory_id=_id(text["territory_id"], "Территория"),
        starts_at=_moment(text["starts"], "Начало"), ends_at=_moment(text["ends"], "Окончание"),
        max_choices=_int(text["max_choices"], "Сколько вариантов можно выбрать"),
        options=[_option(raw, number) for number, raw in enumerate(options, start=1)],
        eligibility=eligibility, min_age=_int(text["min_age"] or "14", "Минимальный возраст"),
        results_visibility=visibility)


def local_input(moment: datetime) -> str:
    """The value of a datetime-local input: the region's wall time."""
    return moment.astimezone(region_tz()).strftime("%Y-%m-%dT%H:%M")


def _option(raw, number: int) -> OptionInput:
    if not isinstance(raw, dict):
        raise ValidationFailed(f"Вариант {number}: заполнен неверно")
    text = {name: _text(raw.get(name), limit) for name, limit in OPTION_LIMITS.items()}
    return OptionInput(title=text["title"], description=text["description"], address=text["address"],
                       latitude=_coordinate(text["latitude"], number), longitude=_coordinate(text["longitude"], number),
                       territory_id=_id(text["territory_id"], f"Вариант {number}: муниципалитет"))


def _text(value, limit: int) -> str:
    if value is not None and not isinstance(value, str):
        raise ValidationFailed("Форма заполнена неверно: ожидается текст")
    return (value or "").strip()[:limit]


def _id(value: str, what: str) -> int | None:
    if not value:
        return None
    if not value.isdigit() or len(value) > 10 or not limits.is_valid_id(int(value)):
        raise ValidationFailed(f"{what}: выберите из списка")
    return int(value)


def _int(value: str, what: str) -> int:
    if not value.isdigit():
        raise ValidationFailed(f"{what}: укажите целое число")
    return int(value)


def _moment(value: str, what: str) -> datetime:
    try:
        moment = datetime.strptime(value, "%Y-%m-%dT%H:%M")
    except ValueError:
        raise ValidationFailed(f"{what}: укажите дату и время") from None
    return moment.replace(tzinfo=region_tz())


def _coordinate(value: str, number: int) -> float | None:
    if not value:
        return None
    try:
        return float(value.replace(",", "."))
    except ValueError:
        raise ValidationFailed(f"Вариант {number}: координата — число, например 55,751244") from None


def ballot_choice(form) -> list | None:
    """The option ids a ballot's form submitted: every value of its `option` field (one radio
    group, or checkboxes sharing the name), digit strings read as ints. Anything else is passed on
    unchanged for `cast_ballot` to refuse; at most one value more than a vote can have options is
    kept, so a flood of values is cut before it reaches the service (which refuses it anyway)."""
    if hasattr(form, "getlist"):
        values = list(form.getlist("option"))
    elif isinstance(form, dict):
        value = form.get("option")
        values = [] if value is None else list(value) if isinstance(value, list) else [value]
    else:
        return None
    return [int(v) if isinstance(v, str) and v.isdigit() and len(v) < 10 else v for v in values[:OPTIONS_MAX + 1]]
