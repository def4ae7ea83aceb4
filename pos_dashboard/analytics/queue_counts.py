"""The queue's counts under a common-word search: bounded, never estimated.

A word found in tens of thousands of appeals («подъезд»: 81k at 1M) made the page count every match
per status and per deadline (3.3 s on SQLite). Under such a search (more than
queue_search.EXACT_IDS_MAX matches) each count stops at COUNT_CAP + 1: a number the page shows is
either exact or «более 1 000». When the matches of every status together stay under the cap, the
count per status is exact; above it, the page knows «Все» (more than the cap) and the selected
status (its own capped count), and says that the others were not counted rather than show a
number it does not know.

How a capped count is read: from the term counts when they settle it (services/search_terms: more
than the cap surely, or an exact number); from the open appeals' own search indexes when the count
is of open appeals only and the term counts show few open matches (fewer than the rows the filter
leaves, at most OPEN_IDS_MAX); otherwise by walking the filter's rows and testing each one. SQLite
(`IndexedSearch`, analytics/fts_counts), when the other filters leave more than FILTER_WALK_MAX
appeals, reads the FTS5 matches newest first instead (open appeals are the recent ones) joined to
their appeal, and the read stops at the cap; PostgreSQL (`PlannedSearch`) walks (its planner
estimates the words' share from the statistics of the stored tsvector), or, under other filters,
reads the filter's rows first and tests them by id (`PlannedSearch.deadline_counts`: overdue and at
risk in one statement).
"""

from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import and_, bindparam, case, func, literal, select
from sqlmodel import Session

from ..domain.enums import FEW_SETTLED_VALUES, OPEN_STATUS_VALUES
from ..domain.models import Appeal
from . import deadline_range
from .pg_settings import local_settings

if TYPE_CHECKING:
    from .search_bounds import Bounds

COUNT_CAP = 1_000
FILTER_WALK_MAX = 10_000  # filters leaving at most this many appeals are walked, not the matches
OPEN_IDS_MAX = 20_000  # a count reads at most this many open matches from the open appeals' indexes
# A page reads them only when fewer: walking its order finds 50 rows sooner than reading thousands.
OPEN_PAGE_IDS_MAX = 2_000
# PostgreSQL's open counts read the open matches from their partial GIN index only when they are at
# most this many per row the filter leaves: else the planner reads the matches' rows to test the
# filter rather than combining the filter's index (16k rows read for an overdue count at 5M, 92 ms,
# where walking the 4k overdue appeals took 12 ms).
GIN_POSTINGS_PER_ROW = 1
OPEN_STATUS_VALUES_SET = frozenset(OPEN_STATUS_VALUES)
FEW_SETTLED_SET = frozenset(FEW_SETTLED_VALUES)
_GIN, _FILTER_FIRST = "gin", "filter_first"  # routes of PostgreSQL's open counts (PlannedSearch)


@dataclass(frozen=True)
class PlannedSearch:
    """A common search on PostgreSQL (or a database without search tables): `row` is its test made
    on the rows a query reads (PostgreSQL cannot read it from an index: `… IS true`, which keeps the
    planner's estimate of the words' share), `open_condition` the same test its partial indexes of
    the open appeals answer. The GIN index of every appeal is not read for a common word: its 81k
    postings at 1M (400k at 5M) cost more than walking the rows a page or a capped count needs."""
    row: object
    bounds: "Bounds | None" = None
    open_condition: object = None
    open_test: object = None
    open_status: object = None  # the open statuses as the partial indexes' predicate reads
    # Whether the open appeals' indexes read `open_test` within a range of deadlines, and whether those
    # of every appeal do too (queue_search._ranged).
    ranged: bool = False
    ranged_everywhere: bool = False
    # Where ranged everywhere: each query word's lemmas, as the index of lemmas by week reads them
    # (analytics/deadline_range).
    week_forms: tuple[tuple[str, ...], ...] = ()

    def page_condition(self, narrowed: bool, open_only: bool = False):
        """(condition, walked): the page walks its order testing rows; under other filters the open
        matches are read from the open appeals' indexes when few."""
        if narrowed and open_only and (route := self._open_route(OPEN_PAGE_IDS_MAX)) is not None:
            return route, False
        return self.row, True

    def capped_count(self, session: Session, conditions: list, statuses: set[str] | None = None,
                     open_only: bool = False, walk: str | None = None) -> int:  # noqa: ARG002  (SQLite's hint)
        """The matches under `conditions`, up to the cap. `statuses`: the conditions are only these
        statuses (the term counts may answer); `open_only`: they hold open appeals only (the open
        appeals' indexes may serve)."""
        if (known := known_count(self.bounds, statuses)) is not None:
            return known
        route = self._open_count_route(session, conditions) if open_only else None
        return capped(session, self._matching(session, conditions, route))

    def deadline_counts(self, session: Session, conditions: list, now, horizon, walk: str | None = None,  # noqa: ARG002
                        narrowed: bool = True) -> tuple[int, int]:
        """(overdue, at risk): the matches under `conditions` (open appeals only) due before `now`, and
        from `now` to `horizon`, each up to the cap, in one statement. When the word's open matches
        are few (_open_count_route), the statement reads the rows due before `horizon` first, at
        most that many and more by one, and counts by the route their number chooses: those rows
        tested by id, or the open matches when the rows are more. `narrowed`: `conditions` hold
        other filters than the open statuses; without them the rows are walked as they come (the
        open appeals' deadline index, which the planner finds; tested by id they cost 2 ms more at 1M).
        A search the open appeals' indexes read within a range of deadlines (`ranged`) is counted
        from them instead (analytics/deadline_range)."""
        if self.ranged and self.open_status is not None:
            overdue, at_risk = deadline_range.due_counts(session, [self.open_status, self.open_test], conditions, now,
                                                         horizon)
            return min(overdue, COUNT_CAP + 1), min(at_risk, COUNT_CAP + 1)

        def ranges(deadline):
            return deadline < now, and_(deadline >= now, deadline <= horizon)
        most = _open_most(self.bounds)
        if self.open_test is None or self.open_status is None or most is None or most > OPEN_IDS_MAX:
            counts = [_capped_count(self._matching(session, [*conditions, due], None))
                      for due in ranges(Appeal.deadline_at)]
        else:
            most //= GIN_POSTINGS_PER_ROW
            rows = select(Appeal.id, Appeal.deadline_at).where(*conditions, Appeal.deadline_at <= horizon) \
                .limit(most + 1).cte().prefix_with("MATERIALIZED")
            few = select(func.count()).select_from(rows).scalar_subquery() <= most
            counts = []
            for due, due_row in zip(ranges(Appeal.deadline_at), ranges(rows.c.deadline_at), strict=True):
                # The rows of this range only, tested by id (each row of the CTE once in all).
                first = select(literal(1)).select_from(Appeal).where(
                    Appeal.id.in_(select(rows.c.id).where(due_row)), self.row) if narrowed else \
                    self._matching(session, [*conditions, due], None)
                counts.append(case((few, _capped_count(first)),
                                   else_=_capped_count(self._matching(session, [*conditions, due], _GIN))))
        overdue, at_risk = session.execute(select(*counts)).one()
        return overdue, at_risk

    def _open_count_route(self, session: Session, conditions: list) -> str | None:
        """How open matches under `conditions` are read: from the open appeals' partial GIN index
        (`_GIN`) when they are fewer than the rows the filter leaves; else, when the filter's rows
        are at most that many, those rows first (`_FILTER_FIRST`); None: walked as they come (the open
        matches are not known to be few)."""
        open_most = _open_most(self.bounds)
        if self.open_test is None or self.open_status is None or open_most is None or open_most > OPEN_IDS_MAX:
            return None
        return _FILTER_FIRST if at_most(session, conditions, open_most // GIN_POSTINGS_PER_ROW) else _GIN

    def _matching(self, session: Session, conditions: list, route: str | None):
        """A select of the matches under `conditions`, read by `route` (_open_count_route)."""
        if route == _GIN:
            # Only the open appeals' partial GIN index answers: beside a filter's own index the
            # planner combined the GIN index of every appeal (81k postings: 14 ms at 1M, against 8 ms).
            return select(literal(1)).select_from(Appeal).where(self.open_status, self.open_test,
                                                                and_(*conditions).is_(True))
        if route == _FILTER_FIRST:
            # Tested as they were read, the planner took the overdue appeals of a category for most of
            # its open ones (the deadline's statistics are the closed appeals') and read all 8k of them
            # to test 203 (13 ms at 1M); read first, then tested by id: 1.6 ms.
            rows = select(Appeal.id).where(*conditions).cte().prefix_with("MATERIALIZED")
            return select(literal(1)).select_from(Appeal).where(Appeal.id.in_(select(rows.c.id)), self.row)
        return select(literal(1)).select_from(Appeal).where(*conditions, self.row)

    def status_reads(self, session: Session, conditions: list, statuses: set[str]) -> list | None:
        """Under a status alone, not an open one (`conditions`: those statuses), for words the term
        counts cannot bound there (two words: how often they meet): (id, deadline, created) of the
        matches, up to the cap and one more (at most the cap: all of them), the statuses tested on
        those the words' GIN index reads. None where the term counts know the count, or the search
        is not words alone: the page walks the status's order (a word they show common there soon
        meets 50 matches). Walking the rows of the status found «крыша течет»
        in one rejected appeal of 113 (all 76k read, 367 ms at 1M)."""
        if not self.ranged_everywhere or known_count(self.bounds, statuses) is not None:
            return None
        return session.execute(select(Appeal.id, Appeal.deadline_at, Appeal.created_at).where(
            self.status_test(statuses), and_(*conditions).is_(True)).limit(COUNT_CAP + 1)).all()

    def status_test(self, statuses: set[str]):
        """The words as `status_reads` tests them under these statuses. Under the answered, rejected or
        withdrawn status, with their own index (revision c4e7a2f9d1b6), its predicate written out for
        the planner to find it implied: «снег двор», rejected, at 1M 95–150 → 5–14 ms. The closed
        appeals are most appeals: the index of every appeal is nearly theirs."""
        return and_(*few_settled_among(statuses), self.open_test)

    def status_matches(self, session: Session, conditions: list) -> dict[str, list[int]]:
        """The matches under `conditions` per status, their ids, up to the cap (COUNT_CAP + 1 in all)."""
        statement = select(Appeal.status, Appeal.id).where(*conditions, self.row).limit(COUNT_CAP + 1)
        with _index_walk(session):
            return by_status(session, statement)

    def _open_route(self, most: int):
        """A page: the open matches read first (`open_condition`), when at most `most`."""
        if self.open_condition is not None and few_open(self.bounds, None, [], most):
            return self.open_condition
        return None


def few_settled_among(statuses: set[str]) -> list:
    """Under statuses that are all answered, rejected or withdrawn, those three as the predicate of
    PostgreSQL's partial indexes of their appeals reads (revisions c4e7a2f9d1b6, e5c8a1d4b7f2: written
    out, the planner finds it implied); else nothing."""
    if not statuses <= FEW_SETTLED_SET:
        return []
    return [Appeal.status.in_(bindparam("few_settled", list(FEW_SETTLED_VALUES), expanding=True, literal_execute=True))]


def _open_most(bounds: "Bounds | None") -> int | None:
    return None if bounds is None else bounds.at_most(OPEN_STATUS_VALUES_SET)


@contextmanager
def _index_walk(session: Session):
    """PostgreSQL, for a capped count under other filters: walk the filters' index testing rows, which
    stops at the cap after a few thousand rows. Without this, the planner read the whole table in
    order (its cost model takes a page read as 4 times cheaper in order than out of it) or the
    filter's whole index into a bitmap."""
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    with local_settings(session, enable_seqscan="off", enable_bitmapscan="off"):
        yield


def few_open(bounds: "Bounds | None", session: Session | None, conditions: list, most: int | None = None,
             per_row: int = 1) -> bool:
    """Whether the search's open matches are few enough to be read from the open appeals' indexes
    (at most `most`), and fewer than `per_row` times the rows `conditions` leave (`session` None:
    without that check)."""
    open_most = _open_most(bounds)
    if open_most is None or open_most > (OPEN_IDS_MAX if most is None else most):
        return False
    return session is None or not at_most(session, conditions, open_most // per_row)


def known_count(bounds: "Bounds | None", statuses: set[str] | None) -> int | None:
    """The matches among these statuses as far as the term counts tell without reading an appeal:
    COUNT_CAP + 1 («more than the cap») when surely more, the number when the bounds meet, else None."""
    if bounds is None or statuses is None:
        return None
    least = bounds.at_least(statuses)
    if least > COUNT_CAP:
        return COUNT_CAP + 1
    return least if bounds.at_most(statuses) == least else None


def at_most(session: Session, conditions: list, limit: int) -> bool:
    """Whether `conditions` leave at most `limit` appeals (read up to one more)."""
    inner = select(literal(1)).select_from(Appeal).where(*conditions).limit(limit + 1).subquery()
    return session.execute(select(func.count()).select_from(inner)).scalar_one() <= limit


def capped(session: Session, statement) -> int:
    """The rows `statement` reads, up to the cap."""
    return session.execute(select(_capped_count(statement))).scalar_one()


def _capped_count(statement):
    """The rows `statement` reads, up to the cap, as a value of another select."""
    return select(func.count()).select_from(statement.limit(COUNT_CAP + 1).subquery()).scalar_subquery()


def by_status(session: Session, statement) -> dict[str, list[int]]:
    """The ids a statement of (status, id) reads (at most COUNT_CAP + 1), per status."""
    found: dict[str, list[int]] = {}
    for status, appeal_id in session.execute(statement).all():
        found.setdefault(str(status), []).append(appeal_id)
    return found
