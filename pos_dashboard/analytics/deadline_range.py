"""A common search's appeals within a range of deadlines, read from the search indexes, which hold
the deadline (PostgreSQL: revision a4d8f2b6c9e1; SQLite, for words alone read by weeks: revision
d7b2e5a9f3c1).

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

The matches due up to a moment, read from the index of (search_vector, deadline_at), are found
from a bitmap of every appeal due up to that moment, whatever its words: 58k appeals for that page,
6.8 ms of a 7 ms read. Where the search is words alone, they are read instead by the weeks of the
deadlines (revision f3c8e1a7d5b4, `_by_weeks`): each lemma is indexed with its deadline's week too
(«мусор@2873»), and the matches due up to the moment are the postings of each word's lemmas in the
weeks from the earliest deadline's to the moment's, 145 entries there, read in 0.3 ms; the deadline
itself is tested on those rows. SQLite reads them so from its FTS5 table of «lemma@week» (revision
d7b2e5a9f3c1), and walks otherwise (its other indexes hold no deadline beside the words).

The counts: overdue and at risk are the open matches due before a moment (due_counts).
"""

import threading
from collections import OrderedDict
from contextlib import nullcontext
from datetime import datetime, timedelta, timezone
from functools import lru_cache, partial

from sqlalchemy import and_, cast, func, literal_column, select, union_all
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlmodel import Session

from ..domain.models import Appeal
from .pg_settings import local_settings
from .search_sql import fts_ids, has_sqlite_table

SPAN_PER_ROW = 400  # appeals in the range per row the page needs: a word in one appeal of 400 there
WIDEN = 4
SPAN_MAX = 100_000  # a wider range costs about what the walk does (0.17 µs an entry against 1.2 µs a row)
LEARNT_MAX = 4_096  # searches whose page ends are kept, the least recently read forgotten first

WEEKS_MAX = 26  # a range over more weeks is read from the deadline's word index
WEEK_SECONDS = 604_800
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
WORD_WEEKS, WORD_WEEKS_INDEX = "appeal_word_weeks", "ix_appeal_word_weeks_fts"  # revision f3c8e1a7d5b4
WORD_WEEKS_TABLE = "appeal_fts_word_weeks"  # SQLite, revision d7b2e5a9f3c1

_first_weeks: dict[str, int] = {}  # database URL -> the week of its earliest deadline, as first read
_learnt: OrderedDict[object, dict[int, datetime]] = OrderedDict()  # key -> {rows needed: deadline of the last}
_learnt_lock = threading.Lock()


def page_ids(session: Session, conditions: list, word_test, offset: int, limit: int,
             key: object = None, week_forms: tuple[tuple[str, ...], ...] = (), among: list = ()) -> list[int] | None:
    """The ids of the page (`offset`, `limit`) of the appeals under `conditions` that `word_test`
    (the words as the word index reads them) matches, by deadline, or None: walk them instead.
    `key`: what makes `conditions` and `word_test` (the database, the filter); a page read under it
    teaches the next one where its range ends. `week_forms`: when `word_test` is words alone, each
    word's lemmas (any of them matches the word): the range is read by the weeks of its deadlines.
    `among`: the conditions' statuses as a partial index of the lemmas by week reads them
    (PostgreSQL: revision e5c8a1d4b7f2)."""
    need = offset + limit
    within = partial(_within, session, conditions, word_test, offset=offset, limit=limit, week_forms=week_forms,
                     among=among)
    if key is not None and (end := _learnt_end(key, need)) is not None:
        found = within(end)
        if found is None:
            return None
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
        found = within(last)
        if found is None:  # SQLite, over more weeks than the query names
            return None
        if len(found) == limit:
            if key is not None:
                _learn(key, need, found[-1][1])
            return [appeal_id for appeal_id, _ in found]
    return None


def _within(session: Session, conditions: list, word_test, last: datetime, *, offset: int, limit: int,
            week_forms: tuple[tuple[str, ...], ...], among: list) -> list[tuple[int, datetime]] | None:
    """(id, deadline) of the page's rows among the matches due up to `last`, in deadline order; None
    where SQLite cannot read them by weeks."""
    by_weeks = _by_weeks(session, week_forms, last) if week_forms else None
    postgres = session.get_bind().dialect.name == "postgresql"
    if by_weeks is None and not postgres:
        return None
    if by_weeks is None:
        read = (select(Appeal.id, Appeal.deadline_at).where(*conditions, word_test, Appeal.deadline_at <= last)
                .order_by(func.coalesce(Appeal.deadline_at, Appeal.deadline_at), Appeal.id))
    else:
        weeks_test, weeks_start = by_weeks
        # The other filters tested on the weeks' matches (`is true`): as index conditions the planner
        # ANDed the bitmap of every rejected appeal (381k, 33 ms) with the weeks' 8.5k postings (SQLite
        # would walk the status's deadline order). The deadline is tested on them too (no index reads
        # it). Those due before the first week are read from the deadline's word index (SQLite: its
        # order): none, unless a deadline moved earlier since it was read.
        tested = [and_(*conditions).is_(True)] if conditions else []
        found = union_all(
            select(Appeal.id, Appeal.deadline_at).where(
                *among, *tested, weeks_test, func.coalesce(Appeal.deadline_at, Appeal.deadline_at) <= last),
            select(Appeal.id, Appeal.deadline_at).where(*conditions, word_test, Appeal.deadline_at < weeks_start),
        ).subquery("by_week")
        read = select(found.c.id, found.c.deadline_at).order_by(found.c.deadline_at, found.c.id)
    # Ordered by an expression no index follows, and no plain index scan: the planner reads the
    # word index and sorts the matches. Else it walked the deadline order, or, at 1M where the
    # deadline follows the table's order, read the range by the deadline's b-tree and tested
    # each of its 20k rows for the word (29 ms, against 3.8 ms from the word index). No parallel
    # workers: it overestimates a week's matches and started two for 155 rows (6 ms to start them).
    settings = local_settings(session, enable_indexscan="off", max_parallel_workers_per_gather="0") if postgres \
        else nullcontext()
    with settings:
        return [tuple(row) for row in session.execute(read.offset(offset).limit(limit))]


def _by_weeks(session: Session, week_forms: tuple[tuple[str, ...], ...], last: datetime):
    """(the test of the index of each lemma with its deadline's week, for the weeks from the earliest
    deadline's to `last`'s (revision f3c8e1a7d5b4: «lemma@week»); the first of those weeks' start),
    the earliest deadline as this process first read it; None where that index is missing or the
    weeks are more than WEEKS_MAX (the query names each lemma once a week)."""
    engine = getattr(session.get_bind(), "engine", session.get_bind())
    if not has_word_weeks(engine) or (first := _first_week(session, engine)) is None:
        return None
    weeks = range(first, week_of(last) + 1)
    if not weeks or len(weeks) > WEEKS_MAX:
        return None
    start = EPOCH + timedelta(seconds=first * WEEK_SECONDS)
    if engine.dialect.name == "sqlite":  # the FTS5 table's ids (its «@» is a token character)
        query = " AND ".join("(" + " OR ".join(f'"{form}@{week}"' for form in forms for week in weeks) + ")"
                             for forms in week_forms)
        return Appeal.id.in_(fts_ids(WORD_WEEKS_TABLE, query)), start
    # The lemmas are runs of [0-9a-zа-яё] (domain/search_words): written in the query as they are.
    query = " & ".join("(" + " | ".join(f"'{form}@{week}'" for form in forms for week in weeks) + ")"
                       for forms in week_forms)
    test = literal_column(f"{WORD_WEEKS}(appeal.search_words, appeal.deadline_at)").op("@@")(cast(query, TSQUERY))
    return test, start


def week_of(moment: datetime) -> int:
    """The week of a deadline as the index names it: whole weeks since 1970-01-01 00:00 UTC."""
    return int((moment - EPOCH).total_seconds() // WEEK_SECONDS)


def _first_week(session: Session, engine) -> int | None:
    """The earliest deadline's week, read once per database in this process."""
    url = str(engine.url)
    if url not in _first_weeks:
        earliest = session.execute(select(func.min(Appeal.deadline_at))).scalar()
        if earliest is None:
            return None
        _first_weeks[url] = week_of(earliest)
    return _first_weeks[url]


@lru_cache(maxsize=32)
def has_word_weeks(engine) -> bool:
    """Whether the migrations made the index of the lemmas by week (PostgreSQL), or its FTS5 table (SQLite)."""
    if engine.dialect.name == "sqlite":
        return has_sqlite_table(engine, WORD_WEEKS_TABLE)
    if engine.dialect.name != "postgresql":
        return False
    with engine.connect() as conn:
        return conn.execute(sql_text("SELECT 1 FROM pg_indexes WHERE indexname = :name AND schemaname = current_schema()"),
                            {"name": WORD_WEEKS_INDEX}).first() is not None


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
    """Forget every learnt end and earliest week (tests: each builds its own region in the same
    database)."""
    with _learnt_lock:
        _learnt.clear()
    _first_weeks.clear()


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
