"""The queue's counts under a common-word search: bounded, never estimated.

A word found in tens of thousands of appeals («подъезд»: 81k at 1M) made the page count every match
per status and per deadline (3.3 s on SQLite). Under such a search (more than
queue_search.EXACT_IDS_MAX matches) each count stops at COUNT_CAP + 1: a number the page shows is
either exact or «более 1 000». When the matches of every status together stay under the cap, the
count per status is exact; above it, the page knows «Все» (more than the cap) and the selected
status (its own capped count), and says that the others were not counted rather than show a
number it does not know.

How a capped count is read: PostgreSQL's planner chooses between the GIN index and a walk of the
filter's index (`PlannedSearch`). SQLite cannot estimate an FTS5 match, so `IndexedSearch` chooses
itself, from the smaller side: when the other filters leave at most FILTER_WALK_MAX appeals, those
are walked by their index and each row's lemmas tested; otherwise the FTS5 matches are read newest
first (open appeals are the recent ones) joined to their appeal, and the read stops at the cap.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import false, func, literal, literal_column, not_, select, table, text as sql_text
from sqlmodel import Session

from ..domain.models import Appeal

if TYPE_CHECKING:
    from .search_bounds import Bounds

COUNT_CAP = 1_000
FILTER_WALK_MAX = 10_000  # filters leaving at most this many appeals are walked, not the matches


@dataclass(frozen=True)
class PlannedSearch:
    """A common search the database plans itself (PostgreSQL, or a database without FTS tables):
    `condition` is the one its indexes answer, `row` the same test made cheaply on a row (the
    lemmas with LIKE rather than a tsvector built per row), used where the filters leave few rows."""
    condition: object
    row: object
    bounds: "Bounds | None" = None

    def page_condition(self, narrowed: bool):
        """Without other filters the page walks its order testing rows (cheaply); with them the
        planner combines the indexes (a row test cannot be, and it would sort a whole category)."""
        return self.condition if narrowed else self.row

    def capped_count(self, session: Session, conditions: list, statuses: set[str] | None = None) -> int:
        """The matches under `conditions`, up to the cap; `statuses`: the conditions are only these
        statuses, so the term counts may answer without a query."""
        if (known := known_count(self.bounds, statuses)) is not None:
            return known
        test = self.row if _at_most(session, conditions, FILTER_WALK_MAX) else self.condition
        return _capped(session, select(literal(1)).select_from(Appeal).where(*conditions, test))

    def status_counts(self, session: Session, conditions: list) -> dict[str, int]:
        test = self.row if _at_most(session, conditions, FILTER_WALK_MAX) else self.condition
        return _grouped(session, select(Appeal.status).where(*conditions, test).limit(COUNT_CAP + 1))


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

    def capped_count(self, session: Session, conditions: list, statuses: set[str] | None = None) -> int:
        if (known := known_count(self.bounds, statuses)) is not None:
            return known
        if _at_most(session, conditions, FILTER_WALK_MAX):
            return _capped(session, select(literal(1)).select_from(Appeal).where(*conditions, self.row_condition()))
        return min(COUNT_CAP + 1, sum(self._stream_counts(session, conditions).values()))

    def status_counts(self, session: Session, conditions: list) -> dict[str, int]:
        if _at_most(session, conditions, FILTER_WALK_MAX):
            return _grouped(session, select(Appeal.status).where(*conditions, self.row_condition())
                            .limit(COUNT_CAP + 1))
        return self._stream_counts(session, conditions)

    def page_condition(self, narrowed: bool):  # noqa: ARG002  (SQLite is told which index to walk)
        return self.row_condition()

    def row_condition(self):
        if self.address_ids == []:  # no address matches
            return self.words_row if self.words_row is not None else false()
        address = Appeal.id.in_(self.address_ids) if self.address_ids is not None else self.address_row
        return address if self.words_row is None else self.words_row | address

    def _stream_counts(self, session: Session, conditions: list) -> dict[str, int]:
        """Matches per status under `conditions`: the words' matches, then (unless those already
        pass the cap) the address's matches that the words did not match, so that none is counted
        twice; each read newest first from its FTS5 table and stopped at the cap."""
        counts: dict[str, int] = {}
        if self.words_match is not None:
            counts = _grouped(session, _fts_stream("appeal_fts_words", self.words_match, conditions))
            if sum(counts.values()) > COUNT_CAP:
                return counts
        not_words = [] if self.words_row is None else [not_(self.words_row)]
        if self.address_ids is not None:
            if not self.address_ids:
                return counts
            rest = select(Appeal.status).where(Appeal.id.in_(self.address_ids), *conditions, *not_words)
            found = _grouped(session, rest.limit(COUNT_CAP + 1))
        else:
            found = _grouped(session, _fts_stream("appeal_fts", self.address_phrase, [*conditions, *not_words]))
        return {status: counts.get(status, 0) + found.get(status, 0) for status in {*counts, *found}}


def known_count(bounds: "Bounds | None", statuses: set[str] | None) -> int | None:
    """The matches among these statuses as far as the term counts tell without reading an appeal:
    COUNT_CAP + 1 («more than the cap») when surely more, the number when the bounds meet, else None."""
    if bounds is None or statuses is None:
        return None
    least = bounds.at_least(statuses)
    if least > COUNT_CAP:
        return COUNT_CAP + 1
    return least if bounds.at_most(statuses) == least else None


def _fts_stream(fts_table: str, match: str, conditions: list):
    fts = table(fts_table, literal_column("rowid"))
    return (select(Appeal.status).select_from(fts).join(Appeal, Appeal.id == fts.c.rowid)
            .where(sql_text(f"{fts_table} MATCH :match").bindparams(match=match), *conditions)
            .order_by(fts.c.rowid.desc()).limit(COUNT_CAP + 1))


def _at_most(session: Session, conditions: list, limit: int) -> bool:
    inner = select(literal(1)).select_from(Appeal).where(*conditions).limit(limit + 1).subquery()
    return session.execute(select(func.count()).select_from(inner)).scalar_one() <= limit


def _capped(session: Session, statement) -> int:
    inner = statement.limit(COUNT_CAP + 1).subquery()
    return session.execute(select(func.count()).select_from(inner)).scalar_one()


def _grouped(session: Session, statement) -> dict[str, int]:
    inner = statement.subquery()
    status = list(inner.c)[0]
    return {str(s): n for s, n in session.execute(select(status, func.count()).group_by(status)).all()}
