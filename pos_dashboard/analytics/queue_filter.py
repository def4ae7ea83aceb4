"""The queue's filter (what the coordinator's, the organisation's and the official's queue show) and
its conditions on the appeals, as the page, its counts and the export read them."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select
from sqlmodel import Session

from ..domain.deadlines import AT_RISK_HORIZON
from ..domain.enums import OPEN_STATUSES, Status
from ..domain.limits import ORGANIZATION_QUERY_MAX
from ..domain.models import Appeal, Category, Organization, Territory
from .kpi import KpiSelection, drill_condition, selection_conditions
from .queue_search import open_condition as _open, search_condition
from .search_sql import contains_pattern, fold_yo, folded
from . import snapshot

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


def total_of(status: str, counts: dict) -> int:
    """The rows of a status filter (OPEN, ANY or a status), from the counts per status."""
    if status == ANY:
        return sum(counts.values())
    if status == OPEN:
        return sum(counts.get(s.value, 0) for s in OPEN_STATUSES)
    return counts.get(Status(status).value, 0)


def open_only(status: str) -> bool:
    """Whether the status filter leaves open appeals only."""
    return status == OPEN or (status != ANY and Status(status) in OPEN_STATUSES)


def statuses_of(status: str) -> set[str]:
    """The statuses a status filter other than ANY leaves."""
    return {s.value for s in OPEN_STATUSES} if status == OPEN else {Status(status).value}


def organizations_named(session: Session, query: str) -> list[int]:
    """The ids of the organisations whose name contains the words (capped, ё read as е, wildcards taken
    literally), read once per page: a page's statements each read them again as a sub-query (2.4 ms
    a time for 842 organisations at 1M on PostgreSQL), and the planner, expecting one organisation
    where 24 matched, read the overdue count's index past every closed appeal of each (13.7 ms, 0.5
    with the ids)."""
    words = fold_yo(query[:ORGANIZATION_QUERY_MAX].strip())
    known = session.info.setdefault(_ORGANIZATIONS, {})
    if words not in known:
        known[words] = list(session.execute(select(Organization.id).where(
            folded(Organization.name).ilike(contains_pattern(words), escape="\\")).order_by(Organization.id)).scalars())
    return known[words]


_ROOTS = "queue.roots"  # the session's known top nodes (is_root)
_ORGANIZATIONS = "queue.organizations"  # the session's organisations per name query (organizations_named)


def is_root(session: Session, table, node_id: int) -> bool:
    """Whether the node is a top-level one; read once per page (a page asks up to eight times)."""
    known = session.info.setdefault(_ROOTS, {})
    key = (table.__tablename__, node_id)
    if key not in known:
        parent = session.execute(select(table.id, table.parent_id).where(table.id == node_id)).first()
        known[key] = parent is not None and parent.parent_id is None
    return known[key]


def _overdue(now: datetime):
    return and_(_open(), Appeal.deadline_at < now)


def _at_risk(now: datetime):
    return and_(_open(), Appeal.deadline_at >= now, Appeal.deadline_at <= now + AT_RISK_HORIZON)


def narrowed(flt: QueueFilter) -> bool:
    """Whether a filter other than the status and the search narrows the appeals."""
    return any((flt.category_id is not None, flt.territory_id is not None, flt.organization_id is not None,
                flt.organization_query[:ORGANIZATION_QUERY_MAX].strip(), flt.deadline != "any",
                flt.selection is not None, flt.created_since, flt.created_until, flt.kpi))


def conditions_of(session: Session, flt: QueueFilter, now: datetime, search=None) -> list:
    """The filter as conditions; `search` is the search box's condition, read once by _search."""
    conditions = []
    if flt.status == OPEN:
        conditions.append(_open())
    elif flt.status != ANY:
        conditions.append(Appeal.status == Status(flt.status).value)
    if flt.category_id is not None:
        conditions.append(Appeal.top_category_id == flt.category_id if is_root(session, Category, flt.category_id)
                          else Appeal.category_id.in_(subtree_ids(session, Category, flt.category_id)))
    if flt.territory_id is not None:
        conditions.append(Appeal.top_territory_id == flt.territory_id
                          if is_root(session, Territory, flt.territory_id)
                          else Appeal.territory_id.in_(subtree_ids(session, Territory, flt.territory_id)))
    if flt.organization_id is not None:
        conditions.append(Appeal.organization_id == flt.organization_id)
    if flt.organization_query[:ORGANIZATION_QUERY_MAX].strip():
        conditions.append(Appeal.organization_id.in_(organizations_named(session, flt.organization_query)))
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
    if search is not None:
        conditions.append(search)
    return conditions


def subtree_ids(session: Session, table, root_id: int) -> list[int]:
    """The node and its descendants (trees here are two or three levels deep)."""
    ids, frontier = [root_id], [root_id]
    while frontier:
        frontier = list(session.execute(select(table.id).where(table.parent_id.in_(frontier))).scalars())
        ids.extend(frontier)
    return ids


def filter_conditions(session: Session, flt: QueueFilter, now: datetime) -> list:
    """The WHERE conditions of a filter as the page applies them (the export reads the same appeals)."""
    forget_roots(session)
    search, _ = search_condition(session, flt.search)
    return conditions_of(session, flt, snapshot.clock(session, now), search)


def forget_roots(session: Session) -> None:
    """The tree and the organisations' names may have changed since the session's last page."""
    session.info.pop(_ROOTS, None)
    session.info.pop(_ORGANIZATIONS, None)
