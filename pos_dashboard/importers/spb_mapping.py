"""How one «Наш Санкт-Петербург» appeal (a row of appeals.csv.gz with its rows of events.csv.gz)
maps onto our domain. Pure functions, no database: `prepare_appeal` either returns everything
that will be written for the appeal, or raises `RowRejected` before anything is written.

Mapping (the source's words → ours):
- district → top-level Territory (kind "district"); municipal okrug → its child (kind "okrug");
- category (one per category_id, named «Благоустройство (Двор)» because the portal repeats category
  names across object types) → top-level Category; reason → its child (the appeal's category);
- answer authors, executors and the organisations named in route comments → Organization; an appeal
  belongs to the source's executor, or to nobody while the source names none (`executor_of`);
- every source event → one AppealEvent (actor_role system, action "import:…", the source's status
  name and detail kept in the payload); only «status» events change the status;
- every «answer» event → one Answer (interim/final, organisation = its author).
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from ..domain.enums import AnswerKind, EventKind, OrgType, Status

SOURCE_TZ = ZoneInfo("Europe/Moscow")  # the portal's times are Moscow local time, without a zone
END_OF_DAY = time(23, 59, 59)
# Times outside this window are errors of the source (9999-12-31 placeholders, 1900 defaults).
SANE_FROM = datetime(2000, 1, 1, tzinfo=timezone.utc)
SANE_UNTIL = datetime(2100, 1, 1, tzinfo=timezone.utc)

# status name of the portal → (our status, action of the imported event)
STATUS_BY_NAME = {
    "Модерация": (Status.MODERATION, "import:moderation"),
    "Рассмотрение": (Status.IN_WORK, "import:review"),
    "Промежуточный ответ": (Status.INTERIM_ANSWER, "import:interim_answer"),
    "Получен ответ": (Status.ANSWERED, "import:answer_received"),
    "Завершено: Пользователь удовлетворен решением проблемы": (Status.CLOSED, "import:close_satisfied"),
    "Завершено: Автоматически": (Status.CLOSED, "import:auto_close"),
    "Завершено: Народный контролер подтвердил решение проблемы": (Status.CLOSED, "import:close_confirmed"),
}
# source event → (our event kind, action); «status» and «petition» are handled apart
EVENT_BY_NAME = {
    "answer": (EventKind.COMMENT, "import:answer"),
    "route": (EventKind.REDIRECT, "import:route"),
    "problem_change": (EventKind.CATEGORY_CHANGE, "import:problem_change"),
    "conclusion": (EventKind.COMMENT, "import:conclusion"),
    "execution_date_change": (EventKind.EXTENSION, "import:execution_date_change"),
    "execution_date_change.reopen": (EventKind.EXTENSION, "import:execution_date_change"),
}
PETITION_EVENTS = ("petition", "petition.on_moderation")  # a citizen's message; the 2nd+ is a repeat
ANSWER_KINDS = {"Окончательный ответ": AnswerKind.FINAL, "Промежуточный ответ": AnswerKind.INTERIM}
# the source's parties of an appeal still in work → payload keys of its last event
SOURCE_PARTIES = {"source_coordinator": "coordinator_organization", "source_controller": "controller_organization"}
ROUTE_FROM, ROUTE_TO = ("from_coordinator", "from_controller"), ("to_coordinator", "to_controller")

_DEADLINE_MOVE = re.compile(r"изменен с (\d\d\.\d\d\.\d{4}) на (\d\d\.\d\d\.\d{4})")
_QUOTED_END = r'"(?=, | контролеру: | координатору: |\. |\.?$)'
_ROUTE_PARTIES = {key: re.compile(words + r': "(.+?)' + _QUOTED_END) for key, words in [
    ("from_controller", "от контролера"), ("from_coordinator", "от координатора"),
    ("to_controller", "(?<!от )контролеру"), ("to_coordinator", "(?<!от )координатору")]}

# first matching fragment of an organisation's name → its type
_ORG_TYPE_HINTS = [
    ("ОБЩЕСТВО С ОГРАНИЧЕННОЙ", OrgType.MANAGEMENT_COMPANY), ("Администрация", OrgType.MUNICIPAL_ADMIN),
    ("Комитет", OrgType.AGENCY), ("комитет", OrgType.AGENCY), ("инспекция", OrgType.AGENCY),
    ("Служба", OrgType.AGENCY), ("Управление", OrgType.AGENCY),
    ("Водоканал", OrgType.UTILITY), ("ТЭК", OrgType.UTILITY), ("Ленсвет", OrgType.UTILITY),
    ("дорожного движения", OrgType.ROAD_SERVICE), ("ДОДД", OrgType.ROAD_SERVICE), ("Мостотрест", OrgType.ROAD_SERVICE),
    ("метрополитен", OrgType.TRANSPORT), ("электротранс", OrgType.TRANSPORT), ("автотранс", OrgType.TRANSPORT),
    ("Организатор перевозок", OrgType.TRANSPORT), ("СПб ГКУ", OrgType.AGENCY), ("СПб ГБУ", OrgType.AGENCY),
]


class RowRejected(Exception):
    """The appeal is malformed; `reason` is a short, stable phrase used to count skipped rows."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass
class PreparedAppeal:
    source_id: int
    appeal: dict  # Appeal columns, except the foreign keys below (resolved by the writer)
    district: str
    okrug: str
    category: tuple[str, str]  # (source category id, our name)
    reason: tuple[str, str]  # (source reason id, name)
    organization: str | None  # the responsible organisation's name
    events: list[dict] = field(default_factory=list)  # AppealEvent columns except appeal_id; payload a dict
    answers: list[dict] = field(default_factory=list)  # Answer columns, with "organization" as a name
    route_parties: set[str] = field(default_factory=set)  # organisations named in route comments

    @property
    def organizations(self) -> set[str]:
        names = {a["organization"] for a in self.answers} | {self.organization} | self.route_parties
        return {name for name in names if name}


def appeal_ref(source_id) -> str:
    return f"spb:appeal:{source_id}"


def district_ref(district: str) -> str:
    return f"spb:district:{district}"


def okrug_ref(district: str, okrug: str) -> str:
    return f"spb:okrug:{district}/{okrug}"


def category_ref(source_id: str) -> str:
    return f"spb:category:{source_id}"


def reason_ref(source_id: str) -> str:
    return f"spb:reason:{source_id}"


def organization_ref(name: str) -> str:
    return f"spb:org:{name}"


def executor_of(row: dict) -> str | None:
    """The organisation an imported appeal belongs to (its queue, KPIs per organisation): the source's
    executor, and nobody where the source names none (an appeal still in work names only the
    coordinating and controlling organisations, kept in the last event's payload, not counted as
    executors: issue 10, item 8)."""
    return (row.get("executor_organization") or "").strip() or None


def org_type_for(name: str) -> OrgType:
    return next((org_type for hint, org_type in _ORG_TYPE_HINTS if hint in name), OrgType.OTHER)


def parse_local(value: str, what: str) -> datetime:
    """A source time as an aware datetime: naive times are Moscow local, an explicit offset is kept.
    A time outside SANE_FROM…SANE_UNTIL (9999-12-31, 1900-01-01) is refused like a malformed one."""
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise RowRejected(f"bad {what}", repr(value)) from None
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=SOURCE_TZ)
    try:
        sane = SANE_FROM <= parsed < SANE_UNTIL
    except OverflowError:  # 0001-01-01 with a positive offset is before the first representable instant
        sane = False
    if not sane:
        raise RowRejected(f"{what} out of range", repr(value))
    return parsed


def map_status(name: str) -> tuple[Status, str]:
    if name in STATUS_BY_NAME:
        return STATUS_BY_NAME[name]
    if name.startswith("Завершено"):
        return Status.CLOSED, "import:close"
    if name.startswith("Отклонено"):
        return Status.REJECTED, "import:reject"
    raise RowRejected("unknown status", repr(name))


def route_details(comment: str) -> dict:
    """Parties and the deadline move named in a route comment («передано по принадлежности …»)."""
    details = {key: m.group(1) for key, pattern in _ROUTE_PARTIES.items() if (m := pattern.search(comment))}
    if moved := _DEADLINE_MOVE.search(comment):
        details["old_deadline"], details["new_deadline"] = (_comment_date(d).isoformat() for d in moved.groups())
    return details


def _comment_date(text: str) -> date:
    """A «дд.мм.гггг» date of a route comment; an impossible one («31.02.2021») rejects the appeal."""
    try:
        day = datetime.strptime(text, "%d.%m.%Y").date()
    except ValueError:
        raise RowRejected("bad date in route comment", repr(text)) from None
    if not SANE_FROM.date() <= day < SANE_UNTIL.date():
        raise RowRejected("date in route comment out of range", repr(text))
    return day


def prepare_appeal(row: dict, events: list[dict]) -> PreparedAppeal:
    """Check one appeal and build its rows. Raises RowRejected on the first problem found."""
    source_id = _int(row.get("id"), "bad id")
    for column in ("district", "municipality", "category_id", "category_name", "reason_id", "reason_name"):
        if not (row.get(column) or "").strip():
            raise RowRejected(f"no {column}")
    text = (row.get("text") or "").strip()
    if not text:
        raise RowRejected("empty text")
    latitude, longitude = _float(row.get("latitude")), _float(row.get("longitude"))
    if latitude is None or longitude is None or not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise RowRejected("bad point", f"{row.get('latitude')!r}, {row.get('longitude')!r}")
    created_at = parse_local(row.get("created_at"), "created_at")
    if not events:
        raise RowRejected("no events")
    dated = sorted(((parse_local(e.get("dt"), "event time"), e) for e in events), key=lambda pair: pair[0])
    timeline = _map_events(dated)  # in time order (stable: the file's order among equal times)
    answers = _answers(dated)
    status, closed_at = timeline.status, timeline.closed_at
    if status is None:
        raise RowRejected("no status events")
    if row.get("final_status") and map_status(row["final_status"])[0] != status:
        raise RowRejected("final_status disagrees with events", f"{row['final_status']} vs {status}")
    first_answer_at = answers[0]["created_at"] if answers else None
    stated_first = parse_local(row["first_answer_at"], "first_answer_at") if row.get("first_answer_at") else None
    if stated_first != first_answer_at:
        raise RowRejected("first_answer_at disagrees with events")
    finals = [a for a in answers if a["kind"] == AnswerKind.FINAL.value]
    if finals and row.get("final_answer_text"):
        finals[-1]["text"] = row["final_answer_text"]
    deadline_at = _deadline(row, timeline.route_deadline)
    interims = [a for a in answers if a["kind"] == AnswerKind.INTERIM.value]
    if interims and status == Status.INTERIM_ANSWER and deadline_at is not None:
        interims[-1]["planned_date"] = deadline_at.date()  # the portal's deadline is the promised date
    organization = executor_of(row)
    parties = {key: row[column].strip() for key, column in SOURCE_PARTIES.items() if (row.get(column) or "").strip()}
    if parties and timeline.events:  # who the source names for the appeal now, shown on the card
        timeline.events[-1]["payload"].update(parties)
    appeal = dict(
        external_ref=appeal_ref(source_id), citizen_id=None, text=text,
        address=(row.get("full_address") or "").strip() or None, latitude=latitude, longitude=longitude,
        channel="import", status=status.value, created_at=created_at,
        updated_at=max([created_at] + [e["at"] for e in timeline.events]),
        deadline_at=deadline_at, stage_due_at=None, paused_at=None, extended=timeline.extended,
        first_answer_at=first_answer_at, final_answer_at=finals[-1]["created_at"] if finals else None,
        closed_at=closed_at, rating=None)
    category_name = f"{row['category_name'].strip()} ({(row.get('city_object') or '').strip() or '—'})"
    return PreparedAppeal(
        source_id=source_id, appeal=appeal, district=row["district"].strip(), okrug=row["municipality"].strip(),
        category=(row["category_id"].strip(), category_name),
        reason=(row["reason_id"].strip(), row["reason_name"].strip()),
        organization=organization, events=timeline.events, answers=answers, route_parties=timeline.route_parties)


@dataclass
class _Timeline:
    events: list[dict] = field(default_factory=list)
    status: Status | None = None
    closed_at: datetime | None = None
    route_deadline: date | None = None  # the deadline named by the last route comment
    route_parties: set[str] = field(default_factory=set)
    extended: bool = False


def _map_events(dated_rows: list[tuple[datetime, dict]]) -> _Timeline:
    timeline, petitions = _Timeline(), 0
    for at, row in dated_rows:
        name = row.get("event", "")
        status_name, detail = row.get("status_name", ""), row.get("detail", "")
        payload, reason, from_status, to_status = {"source_event": name}, None, None, None
        if status_name:
            payload["status_name"] = status_name
        if detail:
            payload["detail"] = detail  # verbatim; parsed parts are added below
        if name == "status":
            to_status, action = map_status(status_name)
            kind, from_status = EventKind.TRANSITION, timeline.status
            timeline.status = to_status
            timeline.closed_at = at if to_status in (Status.CLOSED, Status.REJECTED) else None
        elif name in PETITION_EVENTS:
            petitions += 1
            kind, action = EventKind.COMMENT, "import:petition" if petitions == 1 else "import:repeat_petition"
        elif name in EVENT_BY_NAME:
            kind, action = EVENT_BY_NAME[name]
        else:
            raise RowRejected("unknown event", repr(name))
        if name == "route":
            reason = detail or None
            payload.update(route_details(detail))
            timeline.route_parties.update(payload.get(key) for key in ROUTE_FROM + ROUTE_TO if payload.get(key))
            if "new_deadline" in payload:
                timeline.route_deadline = date.fromisoformat(payload["new_deadline"])
        elif name == "problem_change":
            old, sep, new = detail.partition(" -> ")
            if not sep:
                raise RowRejected("bad problem_change detail", repr(detail))
            payload.update(old_path=old, new_path=new)
        timeline.extended |= kind == EventKind.EXTENSION
        timeline.events.append(dict(
            at=at, actor_id=None, actor_role="system", kind=kind.value, action=action,
            from_status=from_status.value if from_status else None, to_status=to_status.value if to_status else None,
            reason=reason, payload=payload))
    return timeline


def _answers(dated_rows: list[tuple[datetime, dict]]) -> list[dict]:
    answers = []
    for at, row in dated_rows:
        if row.get("event") != "answer":
            continue
        answer_type, sep, organization = (row.get("detail") or "").partition(" | ")
        if not sep or answer_type not in ANSWER_KINDS or not organization.strip():
            raise RowRejected("bad answer detail", repr(row.get("detail")))
        answers.append(dict(
            organization=organization.strip(), author_id=None, kind=ANSWER_KINDS[answer_type].value, text="",
            planned_date=None, attachments=None, review_state="approved", review_comment=None, created_at=at))
    return answers


def _deadline(row: dict, route_deadline: date | None) -> datetime | None:
    """The portal's own deadline field (open appeals), else the last deadline a route comment named."""
    if row.get("expected_answer_dt"):
        return parse_local(row["expected_answer_dt"], "expected_answer_dt")
    if route_deadline is not None:
        return datetime.combine(route_deadline, END_OF_DAY, SOURCE_TZ)
    return None


def _int(value, reason: str) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        raise RowRejected(reason, repr(value)) from None


def _float(value) -> float | None:
    try:
        number = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number == number else None  # NaN is no point
