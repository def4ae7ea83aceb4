"""The appeals behind a queue view as a file: every row of the filter (not one page), in the page's
order, streamed from the database in batches, so that an official who drills down from a number on
/kpi to the queue can take the list to a spreadsheet. The filter comes from the download link's
values and is checked here like the page checks it; organisation staff get their own organisation's
appeals whatever the link says."""

from collections.abc import Iterator, Mapping
from datetime import datetime
from urllib.parse import parse_qsl

from sqlmodel import Session

from ..domain import limits
from ..domain.deadlines import is_overdue
from ..domain.enums import OPEN_STATUSES, STAFF_ROLES, STATUS_LABELS, Role, Status
from ..domain.models import Appeal
from ..domain.numbers import display_number
from ..services.actors import Actor
from ..services.errors import PermissionDenied
from . import snapshot
from .dashboard_filter import queue_drill
from .formatting import category_path, full_place, local_time
from .queue import ANY, DEADLINE_FILTERS, OPEN, SORTS, QueueFilter, filter_conditions, row_select

FIELDS = ("status", "category", "territory", "organization_query", "deadline", "search", "sort", "drill")
BATCH_ROWS = 2_000
HEADER = ["Номер", "Номер в платформе", "Поступило", "Категория", "Территория", "Исполнитель", "Статус",
          "Срок", "Просрочено", "Адрес", "Текст обращения"]
SHEET = "Обращения"


def _node(value: str) -> int | None:
    return int(value) if value.isdecimal() and limits.is_valid_id(int(value)) else None


def export_filter(values: Mapping[str, str], actor: Actor) -> QueueFilter:
    """The queue's filter from a link's values (anything a client could have put there), narrowed
    to the actor's organisation for organisation staff; refused for anyone but staff."""
    if actor.role not in STAFF_ROLES or (actor.role == Role.ORG_STAFF and actor.organization_id is None):
        raise PermissionDenied("Выгрузка очереди доступна сотрудникам")
    get = {name: str(values.get(name, "")) for name in FIELDS}
    status = get["status"] if get["status"] in (OPEN, ANY, *(s.value for s in Status)) else OPEN
    return QueueFilter(
        status=status, category_id=_node(get["category"]), territory_id=_node(get["territory"]),
        organization_id=actor.organization_id if actor.role == Role.ORG_STAFF else None,
        organization_query=get["organization_query"][:limits.ORGANIZATION_QUERY_MAX],
        deadline=get["deadline"] if get["deadline"] in DEADLINE_FILTERS else "any",
        search=get["search"][:limits.SEARCH_MAX], sort=get["sort"] if get["sort"] in SORTS else "deadline",
        **queue_drill(dict(parse_qsl(get["drill"][:2_000])))[1],
    )


def export_rows(session: Session, flt: QueueFilter, *, now: datetime) -> Iterator[list]:
    """Every appeal of the filter as a row of HEADER, read from the database in batches."""
    clock = snapshot.clock(session, now)
    if flt.sort == "newest":
        order = (Appeal.created_at.desc(), Appeal.id.desc())
    elif flt.sort == "oldest":
        order = (Appeal.created_at, Appeal.id)
    else:  # due soonest first, appeals without a deadline last (as the page)
        order = (Appeal.deadline_at.is_(None), Appeal.deadline_at, Appeal.id)
    statement = (row_select().where(*filter_conditions(session, flt, now)).order_by(*order)
                 .execution_options(yield_per=BATCH_ROWS))
    for (appeal_id, created_at, status, deadline_at, text, address, category, parent_category,
         territory, organization, external_ref, parent_territory) in session.execute(statement):
        is_open = Status(status) in OPEN_STATUSES
        yield [display_number(appeal_id, external_ref), appeal_id, local_time(created_at),
               category_path(category, parent_category),
               full_place(territory, parent_territory), organization or "не назначен",
               STATUS_LABELS[Status(status)], local_time(deadline_at) if deadline_at else "",
               "да" if is_open and is_overdue(deadline_at, clock) else "нет", address or "", text]
