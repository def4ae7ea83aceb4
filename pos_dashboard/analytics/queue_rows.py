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

from sqlalchemy import and_, func, or_, select
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
              plan: str | None = None) -> list[dict]:
    """One page of rows. `index` names the SQLite index to read (a common word's page walks the
    deadline order; a top category and a top territory, their joint index); `plan` is order_plan's
    choice for the filter, when its size is known (a walk of a creation index overrides `index`).
    The page's appeals and what their rows show are read in one statement (the ids in the page's
    order as a subquery: its plan is the one it had alone)."""
    if sort in ("newest", "oldest"):
        found = _rows_of(session, _by_creation(conditions, sort, index, plan).offset(offset).limit(limit), sort)
    else:
        # Due soonest first, appeals without a deadline last. Two index-ordered reads instead of one
        # sort of every matching row (ORDER BY deadline_at IS NULL … cannot follow an index).
        dated = [*conditions, Appeal.deadline_at.is_not(None)]
        by_deadline = _indexed(select(Appeal.id).where(*dated).order_by(_sorted_by(Appeal.deadline_at, plan),
                                                                         Appeal.id), index)
        found = _rows_of(session, by_deadline.offset(offset).limit(limit), sort)
        if len(found) < limit:
            n_dated = offset + len(found) if found or offset == 0 else \
                session.execute(select(func.count()).select_from(Appeal).where(*dated)).scalar_one()
            undated = _indexed(select(Appeal.id).where(*conditions, Appeal.deadline_at.is_(None))
                               .order_by(_sorted_by(Appeal.id, plan)), index if index in SIDE_INDEXES else None)
            found += _rows_of(session, undated.offset(max(0, offset - n_dated)).limit(limit - len(found)), "id")
    zone = region_tz()
    rows = [_row(r, now, zone) for r, _shown in found]
    events = [(r[0], *event) for r, shown in found for event in shown]
    closed = {r["id"] for r in rows if r["status"] == Status.CLOSED.value}
    # Why an answer is owed again (appeals in execution) and how a closed appeal was closed.
    returned = pending_in((a, action, reason, payload) for a, action, reason, payload, _ in events if a not in closed)
    closings = captions_in((a, action) for a, action, _, _, to_status in events
                           if a in closed and to_status == Status.CLOSED.value)
    for r in rows:
        r["rework"], r["closing"] = returned.get(r["id"], ""), closings.get(r["id"], "")
    return rows


# The order of each read, on the values a row holds (row_select: id, created_at, status, deadline_at …).
_ORDER_KEYS = {"deadline": lambda r: (r[3], r[0]), "newest": lambda r: (r[1], r[0]), "oldest": lambda r: (r[1], r[0]),
               "id": lambda r: r[0]}
_ROW_WIDTH = len(row_select().selected_columns)
_E = AppealEvent
# The events a row shows something of: the reviews of an answer still owed, the closing of a closed appeal.
_SHOWN_EVENTS = and_(_E.appeal_id == Appeal.id, or_(
    and_(Appeal.status.in_(sorted(_REWORKABLE)), _E.action.in_(REVIEW_ACTIONS)),
    and_(Appeal.status == Status.CLOSED.value, _E.to_status == Status.CLOSED.value)))


def _rows_of(session, page_ids, sort: str) -> list[tuple[tuple, list[tuple]]]:
    """(row, its shown events: (action, reason, payload, to_status) in time order) of the appeals a
    select of ids reads (its order and limit kept), in that order; the rows, their names and their
    events in one statement (each round trip costs ~1.5 ms on PostgreSQL)."""
    page = page_ids.subquery("page")
    statement = row_select().add_columns(_E.action, _E.reason, _E.payload, _E.to_status, _E.at, _E.id) \
        .outerjoin(_E, _SHOWN_EVENTS).where(Appeal.id.in_(select(page.c.id)))
    rows: dict[int, tuple] = {}
    events: dict[int, list[tuple]] = {}
    for found in session.execute(statement).all():
        row, event = tuple(found[:_ROW_WIDTH]), found[_ROW_WIDTH:]
        rows.setdefault(row[0], row)
        if event[-1] is not None:
            events.setdefault(row[0], []).append(event)
    ordered = sorted(rows.values(), key=_ORDER_KEYS[sort], reverse=sort == "newest")
    return [(row, [tuple(e[:4]) for e in sorted(events.get(row[0], []), key=lambda e: (e[4], e[5]))])
            for row in ordered]


def _sorted_by(column, plan: str | None):
    """The column to order by: as it is (an index may follow it), or, to be sorted, an expression
    of it that no index follows (the same values)."""
    return func.coalesce(column, column) if plan == SORT else column


def _by_creation(conditions, sort, index: str | None, plan: str | None):
    created = _sorted_by(Appeal.created_at, plan)
    order = (created.desc(), Appeal.id.desc()) if sort == "newest" else (created, Appeal.id)
    if plan == OPEN_WALK:  # the partial index's condition, as SQLite needs it written to use the index
        conditions, index = [*conditions, open_condition()], OPEN_CREATED_INDEX
    return _indexed(select(Appeal.id).where(*conditions).order_by(*order), CREATED_WALK_INDEX if plan == WALK else index)


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
