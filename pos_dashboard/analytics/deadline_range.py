"""PostgreSQL: a common search's appeals within a range of deadlines, read from the search indexes,
which hold the deadline (revision a4d8f2b6c9e1).

The page: a common word's page walks the filter's deadline order testing each row for the word
(analytics/queue_counts). Where the word is rare among the earliest deadlines that reads thousands
of rows: «подъезд», all statuses, at 5M, 13.5k rows for a page of 50 (14 ms), as the oldest appeals
were about other things. So the page is read in two steps instead: the deadline of the filter's
SPAN_PER_ROW × (rows the page needs)-th appeal in deadline order (an index-only read, 1 ms for
20k), then the word's matches due up to it, from the word index, sorted (4 ms). When fewer than
the page needs lie there, the range is widened WIDEN times once; then, or when the filter holds
fewer appeals than the range, the page walks as before (None).

A search asked again reads its page in one step: the deadline of the last row its page needed is
learnt (in this process, for that filter and that many rows), and the matches due up to it hold the
page again unless deadlines moved, which the read sees (fewer rows than the page needs) and then
takes the two steps. Any end is a true one: the matches due up to a deadline are the first ones in
deadline order, so a page read within it is the walk's page whenever the range holds it whole.
«мусор вывозят», all statuses, at 5M: its 50th match lies at about the 58,000th appeal by deadline,
read in one range of 58k instead of the ranges of 20k and 80k and their two probes.

The counts: overdue and at risk are the open matches due before a moment (due_counts).
"""

import threading
from collections import OrderedDict
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlmodel import Session

from ..domain.models import Appeal
from .pg_settings import local_settings

SPAN_PER_ROW = 400  # appeals in the range per row the page needs: a word in one appeal of 400 there
WIDEN = 4
SPAN_MAX = 100_000  # a wider range costs about what the walk does (0.17 µs an entry against 1.2 µs a row)
LEARNT_MAX = 4_096  # searches whose page ends are kept, the least recently read forgotten first

_learnt: OrderedDict[object, dict[int, datetime]] = OrderedDict()  # key -> {rows needed: deadline of the last}
_learnt_lock = threading.Lock()


def page_ids(session: Session, conditions: list, word_test, offset: int, limit: int,
             key: object = None) -> list[int] | None:
    """The ids of the page (`offset`, `limit`) of the appeals under `conditions` that `word_test`
    (the words as the word index reads them) matches, by deadline, or None: walk them instead.
    `key`: what makes `conditions` and `word_test` (the database, the filter); a page read under it
    teaches the next one where its range ends."""
    need = offset + limit
    if key is not None and (end := _learnt_end(key, need)) is not None:
        found = _within(session, conditions, word_test, end, offset, limit)
        if len(found) == limit:
            _learn(key, need, found[-1][1])
            return [appeal_id for appeal_id, _ in found]
    last, read = None, 0  # the range read so far ends at `last`, the `read`-th appeal in deadline order
    for span in (need * SPAN_PER_ROW, need * SPAN_PER_ROW * WIDEN):
        if span > SPAN_MAX:
            return None
        # The widened range's end is found from the first one's on (60k index entries instead of
        # 80k at 5M: 2.9 → 2.4 ms); ties at the first end make it end a little later, as good a range.
        last = session.execute(select(Appeal.deadline_at).where(
            *conditions, Appeal.deadline_at.is_not(None) if last is None else Appeal.deadline_at > last)
            .order_by(Appeal.deadline_at).offset(span - read).limit(1)).scalar()
        if last is None:  # the filter holds fewer: its walk reads at most those
            return None
        read = span + 1
        found = _within(session, conditions, word_test, last, offset, limit)
        if len(found) == limit:
            if key is not None:
                _learn(key, need, found[-1][1])
            return [appeal_id for appeal_id, _ in found]
    return None


def _within(session: Session, conditions: list, word_test, last: datetime, offset: int,
            limit: int) -> list[tuple[int, datetime]]:
    """(id, deadline) of the page's rows among the matches due up to `last`, in deadline order."""
    # Ordered by an expression no index follows, and no plain index scan: the planner reads the
    # word index and sorts the matches. Else it walked the deadline order, or, at 1M where the
    # deadline follows the table's order, read the range by the deadline's b-tree and tested
    # each of its 20k rows for the word (29 ms, against 3.8 ms from the word index).
    with local_settings(session, enable_indexscan="off"):
        return [tuple(row) for row in session.execute(
            select(Appeal.id, Appeal.deadline_at).where(*conditions, word_test, Appeal.deadline_at <= last)
            .order_by(func.coalesce(Appeal.deadline_at, Appeal.deadline_at), Appeal.id)
            .offset(offset).limit(limit))]


def _learnt_end(key: object, need: int) -> datetime | None:
    """The earliest learnt end of a range that held at least `need` rows under `key`."""
    with _learnt_lock:
        ends = _learnt.get(key)
        if ends is None:
            return None
        _learnt.move_to_end(key)
        return min((end for rows, end in ends.items() if rows >= need), default=None)


def _learn(key: object, need: int, end: datetime) -> None:
    with _learnt_lock:
        _learnt.setdefault(key, {})[need] = end
        _learnt.move_to_end(key)
        while len(_learnt) > LEARNT_MAX:
            _learnt.popitem(last=False)


def forget_learnt() -> None:
    """Forget every learnt end (tests: each builds its own region in the same database)."""
    with _learnt_lock:
        _learnt.clear()


def due_counts(session: Session, tests: list, conditions: list, now, horizon) -> tuple[int, int]:
    """(overdue, at risk), exact: the appeals `tests` match (the open statuses and the search, which
    the open appeals' indexes of the lemmas and the address read with their deadline) under
    `conditions`, due before `now`, and from `now` to `horizon`. One read of the indexes: the
    matches due up to `horizon`, those before `now` counted among them («мусор вывозят» at 5M:
    3.9 → 2.1 ms, where each range was read by a statement of its own). Only those rows are tested
    for `conditions` («подъезд» at 5M: 430 overdue matches in 1.2 ms, where testing the 7.5k open
    appeals due before the horizon one by one took 12 ms). The index reads a range from its first
    deadline on (btree_gin reads `>= now` and `<= horizon` as two ranges, the first holding every
    later deadline: 17 ms). Counted whole, and `conditions` kept out of the index conditions: under
    a LIMIT, or with them as index conditions, the planner walked the deadline order, taking the
    open appeals due before `now` for a few (the deadline's statistics are the closed appeals')."""
    tested = [and_(*conditions).is_(True)] if conditions else []
    before, by_horizon = session.execute(select(func.count().filter(Appeal.deadline_at < now), func.count())
                                         .select_from(Appeal).where(*tests, Appeal.deadline_at <= horizon,
                                                                    *tested)).one()
    return before, by_horizon - before
