"""The queue's counts under a common search on SQLite, read from the FTS5 tables the migrations make
(analytics/queue_counts has the rules: each count exact or stopped at COUNT_CAP + 1)."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import false, literal, literal_column, not_, select, table, union
from sqlalchemy import text as sql_text
from sqlmodel import Session

from ..domain.models import Appeal
from .queue_counts import COUNT_CAP, FEW_SETTLED_SET, FILTER_WALK_MAX, OPEN_PAGE_IDS_MAX, at_most, by_status, capped
from .queue_counts import few_open, known_count
from .search_sql import fts_ids

if TYPE_CHECKING:
    from .search_bounds import Bounds


@dataclass(frozen=True)
class IndexedSearch:
    """A common search on SQLite: the words (FTS5 query `words_match`, or per row `words_row`) or the
    address (`address_ids` when few, else FTS5 phrase `address_phrase` / per row `address_row`)."""
    words_match: str | None
    words_row: object
    address_ids: list[int] | None
    address_phrase: str | None
    address_row: object
    bounds: "Bounds | None" = None

    open_words: str | None = None  # FTS5 query of the open appeals' lemmas (appeal_fts_open_words)
    open_address: str | None = None  # FTS5 phrase of their folded addresses (appeal_fts_open_address)
    # FTS5 query of the answered, rejected and withdrawn appeals' lemmas (appeal_fts_few_settled_words)
    few_settled_words: str | None = None
    # Words alone, none read as a beginning, and the lemmas by week indexed: a page by deadline of the
    # whole region is read within a range of deadlines (analytics/deadline_range), each query word's
    # lemmas (`week_forms`) by the weeks of their deadlines.
    ranged_everywhere: bool = False
    week_forms: tuple[tuple[str, ...], ...] = ()

    def capped_count(self, session: Session, conditions: list, statuses: set[str] | None = None,
                     open_only: bool = False, walk: str | None = None) -> int:
        """The matches under `conditions`, up to the cap. `statuses`: the conditions are only these
        statuses (the term counts may answer); `open_only`: they hold open appeals only (the FTS5
        tables of the open appeals may serve); `walk`: the index to walk them by (they repeat its
        condition)."""
        if (known := known_count(self.bounds, statuses)) is not None:
            return known
        if open_only and (route := self._open_route(session, conditions)) is not None:
            return capped(session, select(literal(1)).select_from(Appeal).where(*conditions, route))
        if at_most(session, conditions, FILTER_WALK_MAX):
            statement = select(literal(1)).select_from(Appeal).where(*conditions, self.row_condition())
            if walk:  # the open appeals' covering index: the rows are not read
                statement = statement.with_hint(Appeal, f"INDEXED BY {walk}", "sqlite")
            return capped(session, statement)
        return min(COUNT_CAP + 1, sum(map(len, self._stream_matches(session, conditions).values())))

    def deadline_counts(self, session: Session, conditions: list, now, horizon, walk: str | None = None,
                        narrowed: bool = True) -> tuple[int, int]:  # noqa: ARG002  (PostgreSQL's route)
        """(overdue, at risk): the matches under `conditions` (open appeals only) due before `now`, and
        from `now` to `horizon`, each up to the cap."""
        return (self.capped_count(session, [*conditions, Appeal.deadline_at < now], open_only=True, walk=walk),
                self.capped_count(session, [*conditions, Appeal.deadline_at >= now, Appeal.deadline_at <= horizon],
                                  open_only=True, walk=walk))

    def status_matches(self, session: Session, conditions: list) -> dict[str, list[int]]:
        """The matches under `conditions` per status, their ids, up to the cap (COUNT_CAP + 1 in all)."""
        if at_most(session, conditions, FILTER_WALK_MAX):
            return by_status(session, select(Appeal.status, Appeal.id).where(*conditions, self.row_condition())
                              .limit(COUNT_CAP + 1))
        return self._stream_matches(session, conditions)

    def status_reads(self, session: Session, conditions: list, statuses: set[str]) -> list | None:
        """Under a status alone, not an open one (`conditions`: those statuses), for words alone the
        term counts cannot bound there (two words: how often they meet): (id, deadline, created) of
        the matches, up to the cap and one more (at most the cap: all of them), read from the words'
        FTS5 table with the statuses tested on them; under the answered, rejected or withdrawn status
        from the table of those appeals alone (revision a9d3f6b1c8e4). None where the term counts
        know the count, or the search has an address part: the page walks the status's order.
        Walking it, «крыша течет», rejected, read all 76k rejected appeals at 1M for 675 (10 ms), after
        a count that read all 9k matches of every status (14 ms)."""
        if self.words_match is None or self.address_ids != [] or known_count(self.bounds, statuses) is not None:
            return None
        read = _fts_joined(*self._status_table(statuses), conditions, Appeal.id, Appeal.deadline_at, Appeal.created_at)
        return session.execute(read.limit(COUNT_CAP + 1)).all()

    def status_test(self, statuses: set[str]):
        """The words as `status_reads` reads them under these statuses, as a condition."""
        return Appeal.id.in_(fts_ids(*self._status_table(statuses)))

    def _status_table(self, statuses: set[str]) -> tuple[str, str]:
        if statuses <= FEW_SETTLED_SET and self.few_settled_words is not None:
            return "appeal_fts_few_settled_words", self.few_settled_words
        return "appeal_fts_words", self.words_match

    def page_condition(self, narrowed: bool, open_only: bool = False):
        """(condition, walked): the rows of the page's order tested one by one (SQLite is told which
        index to walk), or, for open appeals under other filters, the open matches read first."""
        if narrowed and open_only and (route := self._open_route(None, [], OPEN_PAGE_IDS_MAX)) is not None:
            return route, False
        return self.row_condition(), True

    def _open_route(self, session: Session | None, conditions: list, most: int | None = None):
        """The search's open matches read from the FTS5 tables of the open appeals, when they are
        fewer than the rows the filter leaves (`session` None: without that check); else None."""
        if (self.address_ids is None and self.open_address is None) or (self.words_row is not None
                                                                        and self.open_words is None):
            return None  # a part the open appeals' tables cannot read (a one- or two-letter address)
        if not few_open(self.bounds, session, conditions, most):
            return None
        parts = [fts_ids(table, match) for table, match in (("appeal_fts_open_words", self.open_words),
                                                               ("appeal_fts_open_address", self.open_address))
                 if match is not None]
        if self.address_ids:
            parts.append(select(Appeal.id).where(Appeal.id.in_(self.address_ids)))
        return Appeal.id.in_(union(*parts)) if len(parts) > 1 else Appeal.id.in_(parts[0])

    def row_condition(self):
        if self.address_ids == []:  # no address matches
            return self.words_row if self.words_row is not None else false()
        address = Appeal.id.in_(self.address_ids) if self.address_ids is not None else self.address_row
        return address if self.words_row is None else self.words_row | address

    def _stream_matches(self, session: Session, conditions: list) -> dict[str, list[int]]:
        """Matches per status under `conditions`: the words' matches, then (unless those already
        pass the cap) the address's matches that the words did not match, so that none is counted
        twice; each read newest first from its FTS5 table and stopped at the cap."""
        counts: dict[str, list[int]] = {}
        if self.words_match is not None:
            counts = by_status(session, _fts_stream("appeal_fts_words", self.words_match, conditions))
            if sum(map(len, counts.values())) > COUNT_CAP:
                return counts
        not_words = [] if self.words_row is None else [not_(self.words_row)]
        if self.address_ids is not None:
            if not self.address_ids:
                return counts
            rest = select(Appeal.status, Appeal.id).where(Appeal.id.in_(self.address_ids), *conditions, *not_words)
            found = by_status(session, rest.limit(COUNT_CAP + 1))
        else:
            found = by_status(session, _fts_stream("appeal_fts", self.address_phrase, [*conditions, *not_words]))
        return {status: counts.get(status, []) + found.get(status, []) for status in {*counts, *found}}


def _fts_joined(fts_table: str, match: str, conditions: list, *columns):
    """A select of `columns` of the appeals an FTS5 table's MATCH finds, under `conditions`."""
    fts = table(fts_table, literal_column("rowid"))
    return (select(*columns).select_from(fts).join(Appeal, Appeal.id == fts.c.rowid)
            .where(sql_text(f"{fts_table} MATCH :match").bindparams(match=match), *conditions))


def _fts_stream(fts_table: str, match: str, conditions: list):
    newest_first = table(fts_table, literal_column("rowid")).c.rowid.desc()  # the FTS5 table's own order
    return _fts_joined(fts_table, match, conditions, Appeal.status, Appeal.id).order_by(newest_first).limit(COUNT_CAP + 1)
