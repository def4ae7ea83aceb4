"""The appeal queue: one filtered, sorted page of rows plus the counts that go with it.

Everything is computed in the database (never whole tables in Python): one query for the page,
one grouped count per status, one count for overdue and at-risk appeals.
"""

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session

from ..domain.deadlines import AT_RISK_HORIZON
from ..domain.enums import Status
from ..domain.models import Appeal, Category, QueueTally, QueueVersion, SourceSnapshot, Territory
from .queue_counts import COUNT_CAP, PlannedSearch, few_settled_among
# The filter and its conditions (analytics/queue_filter); the export reads them, and row_select, here.
from .queue_filter import ANY, DEADLINE_FILTERS, OPEN, SORTS, QueueFilter, filter_conditions  # noqa: F401
from .queue_filter import conditions_of, forget_roots, is_root, open_only, organizations_named, statuses_of, total_of
from .queue_rows import PLACE_INDEX, WALK, order_plan, ordered_ids, page_rows, row_select  # noqa: F401
from .queue_search import learn_status_bound, mark_found_words, open_condition, scoped_counts, search_condition
from .queue_search import walk_index
from .search_sql import id_in
from . import deadline_range, queue_filter, side_read, snapshot, sparse_search

PAGE_SIZE_MAX = 100
CLOSED = Status.CLOSED.value


@dataclass
class QueuePage:
    rows: list[dict]
    total: int  # rows matching the whole filter
    status_counts: dict[str, int]  # per status, under every filter but the status one
    overdue: int  # under every filter but the deadline one
    at_risk: int
    as_of: str = ""  # «данные на 26.04.2021» when the region is a historical import read as of its date
    # False under a common-word search matching more than COUNT_CAP appeals: status_counts is then
    # empty (not counted), and total, overdue and at_risk may be COUNT_CAP + 1, «more than COUNT_CAP»
    # (analytics/queue_counts).
    counts_complete: bool = True
    # True under a common-word search: total, overdue and at_risk stop at COUNT_CAP + 1 («more than
    # COUNT_CAP»). Every other count is exact, however large.
    counts_capped: bool = False
    # True when, under a common word, total and status_counts are exact all the same (read from the
    # word counts of one top category or territory); overdue and at_risk stay capped.
    totals_exact: bool = False


def fetch_queue_page(session: Session, flt: QueueFilter, *, page: int = 0, page_size: int = 50,
                     now: datetime, data_as_of=snapshot.UNREAD) -> QueuePage:
    """`data_as_of`: the region's data-as-of moment when the caller has read it (queue_reading)."""
    page_size = max(1, min(page_size, PAGE_SIZE_MAX))
    forget_roots(session)
    clock = snapshot.clock(session, now, data_as_of)  # a historical import reads as of its own date
    as_of, now = snapshot.clock_label(clock, now), clock
    search, common = search_condition(session, flt.search)  # read once: a common word's counts are capped
    if isinstance(common, PlannedSearch) and common.open_test is not None and queue_filter.narrowed(flt):
        # PostgreSQL: a walk may read every row of a filter where the word is rare (analytics/sparse_search)
        page_read = sparse_search.within_budget(
            session, lambda: _read_page(session, flt, page, page_size, now, as_of, search, common))
        if page_read is not None:
            return page_read
        everywhere = replace(flt, status=ANY, deadline="any")  # every count of the page reads these matches
        if (matches := sparse_search.matches_under(session, conditions_of(session, everywhere, now),
                                                   common.open_test)) is not None:
            search, common = matches, None
    return _read_page(session, flt, page, page_size, now, as_of, search, common)


def _read_page(session: Session, flt: QueueFilter, page: int, page_size: int, now: datetime, as_of: str,
               search, common) -> QueuePage:
    matched: dict[str, list[int]] = {}  # a common word's matches per status under the other filters
    exact = _scoped_counts(session, flt, common)  # under one top node: read from the word counts
    if exact == {}:  # the word does not occur under the node: nothing to read (five statements of `false`)
        return QueuePage(rows=[], total=0, status_counts={}, overdue=0, at_risk=0, as_of=as_of)
    if exact is not None and sum(exact.values()) > COUNT_CAP:
        pass  # the counts are known; the page walks its order
    elif common is not None and queue_filter.narrowed(flt):
        matched = common.status_matches(session, conditions_of(session, replace(flt, status=ANY), now))
        if flt.deadline == "any" and sum(map(len, matched.values())) <= COUNT_CAP:
            # All of them are known: the page and its counts read them by id, every count exact.
            ids = sorted(appeal_id for found in matched.values() for appeal_id in found)
            search, common = id_in(ids), None
    # Under a status alone (not an open one), words the term counts cannot bound: their matches read first.
    status_read = common.status_reads(session, conditions_of(session, flt, now), statuses_of(flt.status)) \
        if common is not None and flt.status != ANY and not open_only(flt.status) \
        and not queue_filter.narrowed(flt) else None
    page_ids = None  # the page's appeals in order, when read before its rows
    walked = False
    if status_read is not None and len(status_read) <= COUNT_CAP:  # all the matches: the page is sorted from them
        page_ids = ordered_ids(status_read, flt.sort)[page * page_size:(page + 1) * page_size]
    elif common is not None:
        if status_read is not None and len(statuses_of(flt.status)) == 1:  # more: the next search knows it
            learn_status_bound(session, common, flt.status)
        search, walked = common.page_condition(narrowed=queue_filter.narrowed(flt), open_only=open_only(flt.status))
    conditions = conditions_of(session, flt, now, search)
    # A common word: SQLite cannot tell how often a row test passes and would sort every appeal of
    # the status or category; it is told to walk the deadline order, testing each row (a top category
    # or territory keeps a tenth or more of them; an organisation's queue is read from its index).
    # The closed appeals are most appeals (88 % at 1M): their walk reads the covering index of every
    # appeal, not the status's own, whose rows it would read to test them («мусор вывозят», closed, at
    # 1M: the walk 18 → 13 ms).
    index = None
    if walked and not queue_filter.narrowed(replace(flt, category_id=None, territory_id=None)) \
            and flt.sort not in ("newest", "oldest"):
        index = walk_index(session, flt.status == OPEN) if flt.status in (OPEN, ANY, CLOSED) else None
    open_walk = walk_index(session, True) if common is not None else None  # counts of open appeals (SQLite)
    tally = _tally_conditions(session, flt)
    complete, plan = True, None
    only_open = open_only(flt.status) or flt.deadline != "any"  # a deadline filter keeps open appeals
    if tally is not None:  # served by the tally: a few hundred rows instead of up to a million
        counts = dict(session.execute(
            select(QueueTally.status, func.sum(QueueTally.n)).where(*tally).group_by(QueueTally.status)).all())
        total = total_of(flt.status, counts)
        # Without a narrowing filter the tally's counts are all the appeals, per status.
        plan = order_plan(session, total, flt.sort, only_open, None if tally else sum(counts.values()))
        index = walk_index(session, False) if plan == WALK and flt.sort == "deadline" else _place_index(session, flt)
    elif common is not None:  # a common word: counts up to the cap (analytics/queue_counts)
        # Unless other filters narrow it, the search alone is known to match more than the cap.
        narrowed = queue_filter.narrowed(flt)
        counts = exact if exact is not None else {status: len(found) for status, found in matched.items()}
        complete = exact is not None or (narrowed and sum(counts.values()) <= COUNT_CAP)
        counts = counts if complete else {}
        total = total_of(flt.status, counts) if complete else COUNT_CAP + 1 if flt.status == ANY else \
            len(status_read) if status_read is not None else \
            common.capped_count(session, conditions_of(session, flt, now),
                                None if narrowed else statuses_of(flt.status), open_only=open_only(flt.status),
                                walk=open_walk if flt.status == OPEN else None)
    else:
        total = session.execute(select(func.count()).select_from(Appeal).where(*conditions)).scalar_one()
        without_status = conditions_of(session, replace(flt, status=ANY), now, search)
        counts = dict(session.execute(
            select(Appeal.status, func.count()).where(*without_status).group_by(Appeal.status)).all())
        plan = order_plan(session, total, flt.sort, only_open, deadline_filter=flt.deadline != "any")
    due_later = None  # a common search's overdue and at-risk counts, read after the rows
    if common is not None and (flt.status == ANY or open_only(flt.status)):
        due_conditions = [*conditions_of(session, replace(flt, deadline="any"), now), open_condition()]
        due_narrowed = queue_filter.narrowed(replace(flt, deadline="any"))

        def due_counts(reader: Session) -> tuple[int, int]:
            return common.deadline_counts(reader, due_conditions, now, now + AT_RISK_HORIZON, open_walk,
                                          narrowed=due_narrowed)
        # A walked page of every status: read beside its walk and rows (analytics/side_read; «Садовая»,
        # all statuses, at 5M: 19.5 → 14.7 ms).
        due_later = side_read.started(session, due_counts) if walked and flt.status == ANY \
            else lambda: due_counts(session)
    # Read once the filter's size is known: it decides how the page is read (analytics/queue_rows).
    if walked:
        page_ids = _ranged_page_ids(session, flt, now, common, page * page_size, page_size)
    rows = page_rows(session, conditions, flt.sort, page * page_size, page_size, now, index, plan, page_ids)
    mark_found_words(rows, flt.search)

    # Overdue and at-risk appeals are open and due before the horizon: an index range, not a scan.
    if flt.status != ANY and not open_only(flt.status):  # a closed, answered … status: none, not asked
        overdue = at_risk = 0
    elif due_later is not None:
        overdue, at_risk = due_later()
    else:
        without_deadline = conditions_of(session, replace(flt, deadline="any"), now, search)
        # The open statuses written once: twice, PostgreSQL's planner counted their share twice and
        # read the index of 24 organisations past all their closed appeals (12.1 ms, 0.6 once).
        if flt.status != OPEN:
            without_deadline.append(open_condition())
        overdue, at_risk = session.execute(select(
            func.count().filter(Appeal.deadline_at < now),
            func.count().filter(Appeal.deadline_at >= now),
        ).select_from(Appeal).where(*without_deadline, Appeal.deadline_at <= now + AT_RISK_HORIZON)).one()
    return QueuePage(rows=rows, total=total, status_counts={str(k): int(v) for k, v in counts.items() if v},
                     overdue=overdue, at_risk=at_risk, as_of=as_of, counts_complete=complete,
                     counts_capped=common is not None, totals_exact=common is not None and exact is not None)


def _ranged_page_ids(session: Session, flt: QueueFilter, now: datetime, common, offset: int,
                     limit: int) -> list[int] | None:
    """A common word's page by deadline of the whole region, all statuses or a closed one: read from
    the word index within a range of deadlines (analytics/deadline_range; SQLite: words alone). Not for
    the open appeals (their deadline order begins with the recent ones, where a common word is as
    common as anywhere: 50 matches in about 700 rows), nor under a narrowing filter (the node's own
    deadline order), nor for a search the indexes cannot read so (PlannedSearch.ranged_everywhere)."""
    if not _reads_ranges(flt, common):
        return None
    planned = isinstance(common, PlannedSearch)  # PostgreSQL's (ranged only where its indexes are)
    among = few_settled_among(statuses_of(flt.status)) if planned and flt.status != ANY else []
    return deadline_range.page_ids(session, conditions_of(session, flt, now),
                                   common.open_test if planned else common.words_row, offset, limit,
                                   key=(str(session.get_bind().url), repr(flt)), week_forms=common.week_forms,
                                   among=among)


def _reads_ranges(flt: QueueFilter, common) -> bool:
    """Whether a page walked for a common search is read within ranges of deadlines (_ranged_page_ids)."""
    return common is not None and common.ranged_everywhere and flt.sort == "deadline" \
        and not queue_filter.narrowed(flt) and not open_only(flt.status)


def _scoped_counts(session: Session, flt: QueueFilter, common) -> dict[str, int] | None:
    """A common word under one top category or one top territory and no other filter: its matches
    per status, exact, from the word counts of that node (queue_search.scoped_counts); None when
    those do not settle every status (several forms that occur there, an address part)."""
    if common is None or common.bounds is None or (flt.category_id is None) == (flt.territory_id is None) \
            or queue_filter.narrowed(replace(flt, category_id=None, territory_id=None)):
        return None
    table, node_id = (Category, flt.category_id) if flt.category_id is not None else (Territory, flt.territory_id)
    if not is_root(session, table, node_id):
        return None
    return scoped_counts(session, flt.search, common.bounds, "category" if table is Category else "territory",
                         node_id)


def queue_version(session: Session) -> tuple:
    """A number that changes whenever an appeal is added or changed (services/queue_counters)."""
    return (session.execute(select(QueueVersion.version).where(QueueVersion.id == 1)).scalar() or 0,)


def queue_reading(session: Session) -> tuple:
    """(change version, data-as-of moment or None) in one round trip: what a queue tab keeps to tell
    whether its page is current (a new import changes it too), and what the region's clock needs."""
    version = select(QueueVersion.version).where(QueueVersion.id == 1).scalar_subquery()
    as_of = select(func.max(SourceSnapshot.data_as_of)).scalar_subquery()
    found, moment = session.execute(select(version, as_of)).one()
    return found or 0, moment


def _tally_conditions(session: Session, flt: QueueFilter) -> list | None:
    """The filter as conditions on the tally, or None when the tally cannot answer it (text search,
    deadline filter, a category or territory below the top level, a drill-down from the dashboard)."""
    drill_down = flt.selection is not None or flt.created_since or flt.created_until or flt.kpi
    if flt.search.strip() or flt.deadline != "any" or drill_down:
        return None
    conditions = []
    for node_id, table, column in ((flt.category_id, Category, QueueTally.top_category_id),
                                   (flt.territory_id, Territory, QueueTally.top_territory_id)):
        if node_id is not None:
            if not is_root(session, table, node_id):
                return None
            conditions.append(column == node_id)
    if flt.organization_id is not None:
        conditions.append(QueueTally.organization_id == flt.organization_id)
    if flt.organization_query.strip():
        conditions.append(QueueTally.organization_id.in_(organizations_named(session, flt.organization_query)))
    return conditions


def _place_index(session: Session, flt: QueueFilter) -> str | None:
    """A top category and a top territory together, on SQLite: their joint index. SQLite's sampled
    statistics would read one side's index and fetch each of its rows to test the other (15k rows
    for 334 matches at 1M). Called where the tally serves the filter (both are top-level nodes)."""
    if session.get_bind().dialect.name != "sqlite" or flt.category_id is None or flt.territory_id is None \
            or flt.organization_id is not None or flt.organization_query.strip():
        return None
    return PLACE_INDEX


