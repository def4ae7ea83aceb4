"""The appeal queue: one filtered, sorted page of rows plus the counts that go with it.

Everything is computed in the database (never whole tables in Python): one query for the page,
one grouped count per status, one count for overdue and at-risk appeals.
"""

from dataclasses import dataclass, replace
from functools import lru_cache
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy import text as sql_text
from sqlalchemy.orm import aliased
from sqlmodel import Session

from ..domain.deadlines import AT_RISK_HORIZON, is_at_risk, is_overdue
from ..domain.enums import OPEN_STATUSES, STATUS_LABELS, Status
from ..domain.models import Appeal, Category, Organization, Territory
from .formatting import duration, local_time
from .kpi import KpiSelection, drill_condition, selection_conditions

PAGE_SIZE_MAX = 100
OPEN = "open"  # pseudo-status: every status in which the appeal still waits for somebody
ANY = "all"
DEADLINE_FILTERS = ("any", "overdue", "at_risk")
SORTS = ("deadline", "newest", "oldest")


@dataclass(frozen=True)
class QueueFilter:
    status: str = OPEN  # OPEN, ANY or a Status value
    category_id: int | None = None  # a top category or a leaf; a top category includes its leaves
    territory_id: int | None = None  # a territory includes its sub-territories
    organization_id: int | None = None  # set for organisation staff: their own queue only
    organization_query: str = ""  # words of the executing organisation's name
    deadline: str = "any"  # any | overdue | at_risk
    search: str = ""  # appeal number or words of the text / address
    sort: str = "deadline"
    # Drill-down from the KPI dashboard: the same selection, creation period and KPI as the number.
    selection: KpiSelection | None = None
    created_since: datetime | None = None
    created_until: datetime | None = None
    kpi: str = ""  # a KPI with a drill condition (kpi.drill_condition)


@dataclass
class QueuePage:
    rows: list[dict]
    total: int  # rows matching the whole filter
    status_counts: dict[str, int]  # per status, under every filter but the status one
    overdue: int  # under every filter but the deadline one
    at_risk: int


def fetch_queue_page(session: Session, flt: QueueFilter, *, page: int = 0, page_size: int = 50,
                     now: datetime) -> QueuePage:
    page_size = max(1, min(page_size, PAGE_SIZE_MAX))
    conditions = _conditions(session, flt, now)
    total = session.execute(select(func.count()).select_from(Appeal).where(*conditions)).scalar_one()
    rows = _page_rows(session, conditions, flt.sort, page * page_size, page_size, now)

    without_status = _conditions(session, replace(flt, status=ANY), now)
    counts = dict(session.execute(
        select(Appeal.status, func.count()).where(*without_status).group_by(Appeal.status)).all())

    without_deadline = _conditions(session, replace(flt, deadline="any"), now)
    overdue, at_risk = session.execute(select(
        func.count().filter(_overdue(now)),
        func.count().filter(_at_risk(now)),
    ).select_from(Appeal).where(*without_deadline)).one()
    return QueuePage(rows=rows, total=total, status_counts={str(k): v for k, v in counts.items()},
                     overdue=overdue, at_risk=at_risk)


def queue_version(session: Session) -> tuple:
    """A cheap fingerprint that changes whenever an appeal is added or changes status."""
    return tuple(session.execute(select(func.max(Appeal.id), func.max(Appeal.updated_at))).one())


def _open():
    return Appeal.status.in_([s.value for s in OPEN_STATUSES])


def _overdue(now: datetime):
    return and_(_open(), Appeal.deadline_at < now)


def _at_risk(now: datetime):
    return and_(_open(), Appeal.deadline_at >= now, Appeal.deadline_at <= now + AT_RISK_HORIZON)


def _conditions(session: Session, flt: QueueFilter, now: datetime) -> list:
    conditions = []
    if flt.status == OPEN:
        conditions.append(_open())
    elif flt.status != ANY:
        conditions.append(Appeal.status == Status(flt.status).value)
    if flt.category_id is not None:
        conditions.append(Appeal.category_id.in_(_subtree_ids(session, Category, flt.category_id)))
    if flt.territory_id is not None:
        conditions.append(Appeal.territory_id.in_(_subtree_ids(session, Territory, flt.territory_id)))
    if flt.organization_id is not None:
        conditions.append(Appeal.organization_id == flt.organization_id)
    if flt.organization_query.strip():
        matching = select(Organization.id).where(Organization.name.ilike(f"%{flt.organization_query.strip()}%"))
        conditions.append(Appeal.organization_id.in_(matching))
    if flt.deadline == "overdue":
        conditions.append(_overdue(now))
    elif flt.deadline == "at_risk":
        conditions.append(_at_risk(now))
    conditions += selection_conditions(session.connection(), flt.selection)
    if flt.created_since is not None:
        conditions.append(Appeal.created_at >= flt.created_since)
    if flt.created_until is not None:
        conditions.append(Appeal.created_at < flt.created_until)
    if flt.kpi and (condition := drill_condition(flt.kpi)) is not None:
        conditions.append(condition)
    search = flt.search.strip()
    if search.lstrip("№#").isdigit():
        conditions.append(Appeal.id == int(search.lstrip("№#")))
    elif search:
        conditions.append(_text_search(session, search))
    return conditions


def _text_search(session: Session, search: str):
    """Substring search in the text and the address, case-insensitive. PostgreSQL serves ILIKE from
    its trigram indexes; SQLite uses the FTS5 trigram table when the migrations made it (three
    characters at least), and a scan otherwise."""
    if len(search) >= 3 and _has_sqlite_fts(session.get_bind()):
        phrase = '"' + search.replace('"', '""') + '"'
        return Appeal.id.in_(sql_text("SELECT rowid FROM appeal_fts WHERE appeal_fts MATCH :phrase")
                             .bindparams(phrase=phrase))
    pattern = f"%{search}%"
    return or_(Appeal.text.ilike(pattern), Appeal.address.ilike(pattern))


@lru_cache(maxsize=16)
def _has_sqlite_fts(engine) -> bool:
    if engine.dialect.name != "sqlite":
        return False
    with engine.connect() as conn:
        return conn.execute(sql_text("SELECT 1 FROM sqlite_master WHERE name = 'appeal_fts'")).first() is not None


def _subtree_ids(session: Session, table, root_id: int) -> list[int]:
    """The node and its descendants (trees here are two or three levels deep)."""
    ids, frontier = [root_id], [root_id]
    while frontier:
        frontier = list(session.execute(select(table.id).where(table.parent_id.in_(frontier))).scalars())
        ids.extend(frontier)
    return ids


def _page_rows(session, conditions, sort, offset, limit, now) -> list[dict]:
    order = {
        "deadline": (Appeal.deadline_at.is_(None), Appeal.deadline_at, Appeal.id),
        "newest": (Appeal.created_at.desc(), Appeal.id.desc()),
        "oldest": (Appeal.created_at, Appeal.id),
    }[sort if sort in SORTS else "deadline"]
    ids = select(Appeal.id).where(*conditions).order_by(*order).offset(offset).limit(limit).subquery()
    parent_category = aliased(Category)
    stmt = (
        select(Appeal.id, Appeal.created_at, Appeal.status, Appeal.deadline_at, Appeal.text, Appeal.address,
               Category.name, parent_category.name, Territory.name, Organization.name)
        .join(ids, ids.c.id == Appeal.id)
        .join(Category, Category.id == Appeal.category_id)
        .outerjoin(parent_category, parent_category.id == Category.parent_id)
        .outerjoin(Territory, Territory.id == Appeal.territory_id)
        .outerjoin(Organization, Organization.id == Appeal.organization_id)
        .order_by(*order)
    )
    return [_row(r, now) for r in session.execute(stmt).all()]


def _row(r, now: datetime) -> dict:
    (appeal_id, created_at, status, deadline_at, text, address, category, parent_category,
     territory, organization) = r
    is_open = Status(status) in OPEN_STATUSES
    overdue = is_open and is_overdue(deadline_at, now)
    at_risk = is_open and is_at_risk(deadline_at, now)
    return {
        "id": appeal_id,
        "created": local_time(created_at),
        "status": status,
        "status_label": STATUS_LABELS[Status(status)],
        "deadline": local_time(deadline_at) if deadline_at else "—",
        "deadline_state": "overdue" if overdue else "at_risk" if at_risk else "ok",
        "left": _time_left(deadline_at, now) if is_open and deadline_at else "",
        "category": f"{parent_category} / {category}" if parent_category else category,
        "territory": territory or "—",
        "organization": organization or "не назначен",
        "text": text if len(text) <= 160 else text[:157] + "…",
        "address": address or "",
    }



def _time_left(deadline: datetime, now: datetime) -> str:
    delta = deadline - now
    return duration(delta) if delta >= timedelta(0) else "просрочено на " + duration(-delta)
