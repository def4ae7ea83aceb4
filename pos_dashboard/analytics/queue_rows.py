"""The rows of one queue page: which appeals, in the page's order, and what a row shows.

How the page's appeals are read depends on how many the filter leaves, which the queue knows before
reading them (the tally, or its count). A database planning «ORDER BY … LIMIT 50» alone guesses
wrong at both ends: SQLite read all 884k closed appeals through the status index and sorted them to
show the 50 newest (0.7–1 s); PostgreSQL walked the deadline or creation index looking for 50 of a
few hundred appeals of one category and territory, or for the oldest open appeals (open appeals are
the recent ones) (0.15–0.55 s at 1M). So:

- `WALK` (SQLite): when the filter leaves at least 1/WALK_SHARE of all appeals, the sort's index is
  walked (creation, or the covering deadline index for «all statuses» by deadline) and 50 matches come
  within a few thousand entries (PostgreSQL walks by itself there);
- `OPEN_WALK` (SQLite): «oldest first» of at least OPEN_WALK_MIN open appeals walks the open appeals'
  creation index (open appeals are the recent ones: from the oldest, the creation index of every
  appeal passes ~970k closed ones first); PostgreSQL finds that index by itself. Not under a deadline
  filter: the index does not hold the deadline;
- `SORT` (PostgreSQL): the filter leaves at most SORT_MAX appeals; they are read through the filter's
  indexes and sorted: the order is by an expression, which no index follows. SQLite reads such
  filters by their indexes by itself;
- otherwise (None) the database chooses. A top territory and a top category together are read
  through their joint index on SQLite (`PLACE_INDEX`): its sampled statistics would read one side's
  rows to test the other.
"""

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from ..domain.deadlines import is_at_risk, is_overdue
from ..domain.enums import OPEN_STATUSES, STATUS_LABELS, Status
from ..domain.models import Appeal, AppealEvent, Category, Organization, QueueTally, Territory
from ..domain.numbers import display_number
from ..settings import region_tz
from .closing_kind import captions_in
from .formatting import category_path, full_place, local_time, place_path, time_left
from .queue_search import open_condition
from .rework import REVIEW_ACTIONS, pending_in

WALK, OPEN_WALK, SORT = "walk", "open_walk", "sort"
WALK_SHARE = 40  # SQLite: a filter leaving at least 1/40 of the appeals walks the sort's index
OPEN_WALK_MIN = 1_000  # SQLite: open appeals from which «oldest first» walks their creation index
SORT_MAX = 1_000  # PostgreSQL: a filter leaving at most this many appeals is read by its indexes and sorted
# The SQLite indexes of a top category's, a top territory's and both's appeals (revision b5e2d8c4f1a7).
PLACE_INDEX = "ix_appeal_top_place_category"
SIDE_INDEXES = ("ix_appeal_top_category_status_deadline", "ix_appeal_top_territory_status_deadline", PLACE_INDEX)
OPEN_CREATED_INDEX = "ix_appeal_open_created"  # the open appeals by (created_at, id), with what the page tests
# The SQLite index that follows «newest / oldest first» (created_at, id) and holds the status, so
# that a status filter is tested in the index.
CREATED_WALK_INDEX = "ix_appeal_kpi"

# Built once: an alias made per call costs more CPU than the page's query (SQLAlchemy adapts every
# column of the aliased table again).
_PARENT_CATEGORY, _PARENT_TERRITORY = aliased(Category, name="parent_category"), aliased(Territory, name="parent_territory")
_REWORKABLE = {Status.IN_WORK.value, Status.INTERIM_ANSWER.value, Status.CLARIFICATION.value}


def order_plan(session: Session, matching: int, sort: str, only_open: bool, every: int | None = None, *,
               deadline_filter: bool = False) -> str | None:
    """WALK, OPEN_WALK, SORT or None for a filter known to leave `matching` appeals in the order
    `sort`; `only_open`: the filter leaves open appeals only; `every`: all appeals, when the caller
    knows; `deadline_filter`: an overdue / at-risk filter, which the open creation index cannot test
    (see the module's note)."""
    if session.get_bind().dialect.name == "sqlite":
        if sort == "oldest" and only_open:
            return OPEN_WALK if matching >= OPEN_WALK_MIN and not deadline_filter else None
        if sort == "deadline" and only_open:
            return None  # the open appeals' deadline index follows it
        return WALK if matching * WALK_SHARE >= (_every(session) if every is None else every) else None
    return SORT if matching <= SORT_MAX else None


def _every(session: Session) -> int:
    return session.execute(select(func.sum(QueueTally.n))).scalar() or 0


def row_select():
    """What a queue row shows (the page's rows, the export's), with the joins that name it: id,
    created_at, status, deadline_at, text, address, category, parent category, territory,
    organisation, external_ref, parent territory."""
    parent_category, parent_territory = _PARENT_CATEGORY, _PARENT_TERRITORY
    return (
        select(Appeal.id, Appeal.created_at, Appeal.status, Appeal.deadline_at, Appeal.text, Appeal.address,
               Category.name, parent_category.name, Territory.name, Organization.name, Appeal.external_ref,
               parent_territory.name)
        .join(Category, Category.id == Appeal.category_id)
        .outerjoin(parent_category, parent_category.id == Category.parent_id)
        .outerjoin(Territory, Territory.id == Appeal.territory_id)
        .outerjoin(parent_territory, parent_territory.id == Territory.parent_id)
        .outerjoin(Organization, Organization.id == Appeal.organization_id)
    )


def page_rows(session, conditions, sort, offset, limit, now, index: str | None = None,
              plan: str | None = None, ids: list[int] | None = None) -> list[dict]:
    """One page of rows. `index` names the SQLite index to read (a common word's page walks the
    deadline order; a top category and a top territory, their joint index); `plan` is order_plan's
    choice for the filter, when its size is known (a walk of a creation index overrides `index`);
    `ids`: the page's appeals in order, when the caller has read them (analytics/deadline_range)."""
    if ids is None:
        ids = _page_ids(session, conditions, sort, offset, limit, index, plan)
    if not ids:
        return []
    position = {appeal_id: i for i, appeal_id in enumerate(ids)}
    zone = region_tz()
    rows = [_row(r, now, zone) for r in sorted(session.execute(_ROWS_BY_ID, {"ids": ids}).all(),
                                               key=lambda r: position[r[0]])]
    returned, closed = _rework_and_closing(session, rows)
    for r in rows:
        r["rework"], r["closing"] = returned.get(r["id"], ""), closed.get(r["id"], "")
    return rows


def ordered_ids(rows, sort: str) -> list[int]:
    """The ids of (id, deadline_at, created_at) rows in the order _page_ids reads for `sort`: due
    soonest first and those without a deadline last, by id; or by creation, newest or oldest first."""
    if sort in ("newest", "oldest"):
        return [r[0] for r in sorted(rows, key=lambda r: (r[2], r[0]), reverse=sort == "newest")]
    dated = sorted((r for r in rows if r[1] is not None), key=lambda r: (r[1], r[0]))
    return [r[0] for r in dated] + sorted(r[0] for r in rows if r[1] is None)


def _rework_and_closing(session, rows: list[dict]) -> tuple[dict[int, str], dict[int, str]]:
    """Why an answer is owed again (appeals in execution) and how a closed appeal was closed: both
    from the rows' events, in one query (each its own round trip cost ~1.5 ms on PostgreSQL)."""
    reworkable = [r["id"] for r in rows if r["status"] in _REWORKABLE]
    closed = [r["id"] for r in rows if r["status"] == Status.CLOSED.value]
    if not reworkable and not closed:
        return {}, {}
    events = session.execute(_EVENTS_OF, {"reworkable": reworkable, "closed": closed}).all()
    closed_set = set(closed)
    return (pending_in((a, action, reason, payload) for a, action, reason, payload, _ in events if a not in closed_set),
            captions_in((a, action) for a, action, _, _, to_status in events
                        if a in closed_set and to_status == Status.CLOSED.value))


# The two statements every page runs, built once: SQLAlchemy keys its compiled-statement cache by a
# walk of the statement, about 0.35 ms a page for a statement built again (the ids are parameters).
_ROWS_BY_ID = row_select().where(Appeal.id.in_(bindparam("ids", expanding=True)))
_EVENTS_OF = (select(AppealEvent.appeal_id, AppealEvent.action, AppealEvent.reason, AppealEvent.payload,
                     AppealEvent.to_status)
              .where(or_(and_(AppealEvent.appeal_id.in_(bindparam("reworkable", expanding=True)),
                              AppealEvent.action.in_(REVIEW_ACTIONS)),
                         and_(AppealEvent.appeal_id.in_(bindparam("closed", expanding=True)),
                              AppealEvent.to_status == Status.CLOSED.value)))
              .order_by(AppealEvent.appeal_id, AppealEvent.at, AppealEvent.id))


def _sorted_by(column, plan: str | None):
    """The column to order by: as it is (an index may follow it), or, to be sorted, an expression
    of it that no index follows (the same values)."""
    return func.coalesce(column, column) if plan == SORT else column


def _page_ids(session, conditions, sort, offset, limit, index: str | None, plan: str | None) -> list[int]:
    if sort in ("newest", "oldest"):
        created = _sorted_by(Appeal.created_at, plan)
        order = (created.desc(), Appeal.id.desc()) if sort == "newest" else (created, Appeal.id)
        if plan == OPEN_WALK:  # the partial index's condition, as SQLite needs it written to use the index
            conditions, index = [*conditions, open_condition()], OPEN_CREATED_INDEX
        stmt = _indexed(select(Appeal.id).where(*conditions).order_by(*order),
                        CREATED_WALK_INDEX if plan == WALK else index)
        return list(session.execute(stmt.offset(offset).limit(limit)).scalars())
    # Due soonest first, appeals without a deadline last. Two index-ordered reads instead of one
    # sort of every matching row (ORDER BY deadline_at IS NULL … cannot follow an index).
    dated = [*conditions, Appeal.deadline_at.is_not(None)]
    by_deadline = _indexed(select(Appeal.id).where(*dated).order_by(_sorted_by(Appeal.deadline_at, plan), Appeal.id),
                           index)
    ids = list(session.execute(by_deadline.offset(offset).limit(limit)).scalars())
    if len(ids) == limit:
        return ids
    n_dated = offset + len(ids) if ids or offset == 0 else \
        session.execute(select(func.count()).select_from(Appeal).where(*dated)).scalar_one()
    undated = _indexed(select(Appeal.id).where(*conditions, Appeal.deadline_at.is_(None))
                       .order_by(_sorted_by(Appeal.id, plan)), index if index in SIDE_INDEXES else None)
    return ids + list(session.execute(undated.offset(max(0, offset - n_dated)).limit(limit - len(ids))).scalars())


def _indexed(stmt, index: str | None):
    return stmt.with_hint(Appeal, f"INDEXED BY {index}", "sqlite") if index else stmt


def _row(r, now, zone) -> dict:
    (appeal_id, created_at, status, deadline_at, text, address, category, parent_category,
     territory, organization, external_ref, parent_territory) = r
    is_open = Status(status) in OPEN_STATUSES
    overdue = is_open and is_overdue(deadline_at, now)
    at_risk = is_open and is_at_risk(deadline_at, now)
    return {
        "id": appeal_id,
        "number": display_number(appeal_id, external_ref),
        "created": local_time(created_at, zone),
        "status": status,
        "status_label": STATUS_LABELS[Status(status)],
        "deadline": local_time(deadline_at, zone) if deadline_at else "—",
        "deadline_state": "overdue" if overdue else "at_risk" if at_risk else "ok",
        "left": time_left(deadline_at, now) if is_open and deadline_at else "",
        "category": category_path(category, parent_category),
        "territory": place_path(territory, parent_territory),
        "territory_full": full_place(territory, parent_territory),
        "organization": organization or "не назначен",
        "text": text if len(text) <= 160 else text[:157] + "…",
        "address": address or "",
    }
