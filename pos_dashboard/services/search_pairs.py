"""How many appeals have two lemmas together, for the pairs people searched (`searchpair`).

Two common words that never meet («мусор подъезда») cost PostgreSQL the intersection of both
posting lists on every search, and two that often meet («мусор вывозят») a read of the index only
to learn that they match more than the queue reads by id. A pair is learnt the first time it is
searched (`learn`): its matches per status when at most PAIR_EXACT_MAX (the row "*" holds the total),
else only that they are more (the row "+", a lower bound of the total) with, per status, how many of
the PAIR_EXACT_MAX + 1 matches read had it (lower bounds: «мусор вывозят» under «Завершено» is then
known to pass the queue's cap without reading its matches; a status where the queue read more than
its cap of them is counted again to its cap, `learn_status`). From then on every writer keeps it: the
flush hook of services/search_terms passes each appeal's change (`pair_deltas`), which moves an exact
count and a lower bound alike (a bound moved by the same change as the count stays below it); its
bulk writers (`add_rows`, `rebuild`) forget every pair, learnt again when searched.

A side of a pair is a lemma, or the lemmas of a query word whose forms occur as several («детская»:
детская, детский), written "|детская|детский" (`side_key`): an appeal has the side when it has one
of them. A set side is put first (`pair_of`), so the writers find the pairs of sets by one range of
the key. When another form of the word comes to occur, the search names another set: a pair learnt
afresh, never a count missing that form.

No appeal is missed between the count and its row: each learner counts in its own transaction after
taking the queue version row (PostgreSQL: FOR SHARE), which every appeal writer updates first
(services/queue_counters), so a writer either committed before the count or reads the new row in
its own hook. On SQLite one statement counts and writes (one writer at a time).
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import case, delete, func, inspect, literal, select, text, true, union_all
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from ..domain.models import Appeal, SearchPair

EXACT, COMMON = "*", "+"  # the marker rows: the total of an exact pair; a lower bound of a common one
PAIR_EXACT_MAX = 2_000
# Only pairs of lemmas each in more appeals than this are learnt: a rarer word's index is read whole
# at little cost, and the pairs that can be learnt (so the rows a stream of made-up searches can
# add) are bounded by the square of the common lemmas, not of the vocabulary.
PAIR_LEMMA_MIN = 2_000
SIDE_LEMMAS_MAX = 4  # a word of more lemmas that occur (a beginning the dictionary does not know) has no pair
SET_MARK = "|"  # begins a side of several lemmas and parts them (a lemma is a run of letters and digits)
WAIT_MS = 200  # the longest a search waits for a writer before it reads its indexes instead
_ADD = text("INSERT INTO searchpair (first, second, status, appeals) VALUES (:first, :second, :status, :n) "
            "ON CONFLICT (first, second, status) DO UPDATE SET appeals = searchpair.appeals + excluded.appeals")

Change = tuple[int, str, frozenset[str]]  # (+1 or -1, the appeal's status, its lemmas)


@dataclass(frozen=True)
class PairCounts:
    per_status: dict[str, int] | None  # the appeals per status having both lemmas; None: not known exactly
    at_least: int  # of every status together
    least_per_status: dict[str, int] = field(default_factory=dict)  # a common pair's: at least so many per status


def side_key(lemmas) -> str:
    """A side of a pair: its lemma, or its lemmas as a set ("|a|b")."""
    ordered = sorted(set(lemmas))
    return ordered[0] if len(ordered) == 1 else SET_MARK + SET_MARK.join(ordered)


def side_lemmas(side: str) -> frozenset[str]:
    return frozenset(side[1:].split(SET_MARK)) if side.startswith(SET_MARK) else frozenset([side])


def pair_of(first: str, second: str) -> tuple[str, str]:
    """The pair as it is keyed: a side of several lemmas first, else in binary order."""
    ordered = sorted((first, second), key=lambda side: (not side.startswith(SET_MARK), side))
    return ordered[0], ordered[1]


def known(conn, pair: tuple[str, str]) -> PairCounts | None:
    """The pair's counts, or None when it was never learnt."""
    rows = dict(conn.execute(select(SearchPair.status, SearchPair.appeals).where(
        SearchPair.first == pair[0], SearchPair.second == pair[1])).all())
    if EXACT in rows:
        return PairCounts({status: n for status, n in rows.items() if status != EXACT and n > 0}, rows[EXACT])
    if COMMON in rows:
        return PairCounts(None, rows[COMMON], {status: n for status, n in rows.items() if status != COMMON and n > 0})
    return None


def learn(engine: Engine, pair: tuple[str, str], matches, open_matches=None) -> PairCounts | None:
    """Count the pair and remember it. `matches`: the appeals with both lemmas (a condition on
    Appeal); `open_matches`: the same among the open appeals, read first when their own index is
    cheaper (PostgreSQL's partial index: more than PAIR_EXACT_MAX of them settle it). None when it
    cannot be counted now: a writer holds the version row (PostgreSQL) or the write lock (SQLite)
    longer than WAIT_MS, or (SQLite) another writer committed since the count began. The search then
    reads its indexes as before, and the pair is learnt on a later search."""
    return _after_writers(engine, pair, lambda conn, postgres: _count(conn, pair, matches, open_matches, postgres))


def learn_status(engine: Engine, pair: tuple[str, str], status: str, matches, most: int) -> None:
    """A common pair's lower bound under `status` raised to its matches there counted now, up to
    `most`: called when the queue read more than its cap of them (analytics/queue: a status read),
    so that the next search knows it from the counts. `matches`: the appeals with both sides, as that
    read tested them (PostgreSQL: written for the partial index of the status). Nothing when the
    pair is exact or forgotten since, or a writer holds on (as `learn`)."""
    _after_writers(engine, pair, lambda conn, postgres: _raise_bound(conn, pair, status, matches, most, postgres))


def _after_writers(engine: Engine, pair: tuple[str, str], count):
    """`count(conn, postgres)` in a transaction no appeal writer overlaps (module docstring), or None."""
    postgres = engine.dialect.name == "postgresql"
    try:
        with engine.begin() as conn:
            if postgres:
                conn.execute(text(f"SET LOCAL lock_timeout = {int(WAIT_MS)}"))
                # Learners of one pair one at a time; writers of appeals before or after the count.
                conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": " ".join(pair)})
                conn.execute(text("SELECT version FROM queueversion WHERE id = 1 FOR SHARE"))
                return count(conn, postgres)
            busy = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
            conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(WAIT_MS)}")
            try:
                return count(conn, postgres)
            finally:
                conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(busy)}")
    except OperationalError:
        return None


def _raise_bound(conn: Connection, pair: tuple[str, str], status: str, matches, most: int, postgres: bool) -> None:
    learnt = known(conn, pair)
    if learnt is None or learnt.per_status is not None:
        return
    if postgres:
        conn.execute(text("SET LOCAL enable_seqscan = off"))
    found = select(literal(1)).select_from(Appeal).where(Appeal.status == status, matches).limit(most).subquery()
    upsert = (pg_insert if postgres else sqlite_insert)(SearchPair).from_select(
        ["first", "second", "status", "appeals"],
        select(literal(pair[0]), literal(pair[1]), literal(status), func.count()).select_from(found).where(true()))
    # The larger of two lower bounds of the same count: this one exact now (no writer runs), the
    # row's kept below the count by every writer.
    conn.execute(upsert.on_conflict_do_update(
        index_elements=["first", "second", "status"],
        set_={"appeals": case((upsert.excluded.appeals > SearchPair.appeals, upsert.excluded.appeals),
                              else_=SearchPair.appeals)}))


def _count(conn: Connection, pair: tuple[str, str], matches, open_matches, postgres: bool) -> PairCounts:
    upsert = pg_insert if postgres else sqlite_insert
    if (already := known(conn, pair)) is not None:
        return already
    if postgres:
        conn.execute(text("SET LOCAL enable_seqscan = off"))  # the planner multiplies the lemmas' shares
        if open_matches is not None:
            found = select(Appeal.status).where(open_matches).limit(PAIR_EXACT_MAX + 1).subquery()
            per_status = dict(conn.execute(select(found.c.status, func.count()).group_by(found.c.status)).all())
            if sum(per_status.values()) > PAIR_EXACT_MAX:
                return _remembered(conn, pair, per_status, upsert)
    # SQLite: this statement takes the write lock; it fails if another writer committed since the
    # transaction's first read (WAL), so nothing is counted on an old snapshot.
    found = select(Appeal.status).where(matches).limit(PAIR_EXACT_MAX + 1).subquery()
    conn.execute(upsert(SearchPair).from_select(
        ["first", "second", "status", "appeals"],
        select(literal(pair[0]), literal(pair[1]), found.c.status, func.count()).group_by(found.c.status))
        .on_conflict_do_nothing())
    per_status = dict(conn.execute(select(SearchPair.status, SearchPair.appeals).where(
        SearchPair.first == pair[0], SearchPair.second == pair[1], SearchPair.status.notin_([EXACT, COMMON]))).all())
    return _remembered(conn, pair, per_status, upsert, written=True)


def _remembered(conn: Connection, pair: tuple[str, str], per_status: dict[str, int], upsert,
                written: bool = False) -> PairCounts:
    """The pair's counts of its first PAIR_EXACT_MAX + 1 matches per status, written (`written`: the
    per-status rows already are) with their marker: exact when they are all the matches, else lower
    bounds (COMMON)."""
    total = sum(per_status.values())
    marker = EXACT if total <= PAIR_EXACT_MAX else COMMON
    rows = [(marker, total)] if written else [*per_status.items(), (marker, total)]
    conn.execute(upsert(SearchPair).values([{"first": pair[0], "second": pair[1], "status": status, "appeals": n}
                                            for status, n in rows]).on_conflict_do_nothing())
    return PairCounts(per_status, total) if marker == EXACT else PairCounts(None, total, per_status)


def pair_deltas(conn: Connection, changes: Iterable[Change]) -> Counter:
    """The changes to the learnt pairs that `changes` (a flush's appeals) make."""
    changes = [change for change in changes if len(change[2]) > 1]
    if not changes:
        return Counter()
    lemmas = sorted(set().union(*(lemmas for _, _, lemmas in changes)))
    kinds = SearchPair.status.in_([EXACT, COMMON])
    markers = union_all(  # the pairs of these lemmas, and every pair with a side of several lemmas
        select(SearchPair.first, SearchPair.second, SearchPair.status).where(
            kinds, SearchPair.first.in_(lemmas), SearchPair.second.in_(lemmas)),
        select(SearchPair.first, SearchPair.second, SearchPair.status).where(
            kinds, SearchPair.first >= SET_MARK, SearchPair.first < chr(ord(SET_MARK) + 1)))
    # Each appeal looks up the pairs of its own lemmas only: by each lemma of their first side.
    by_lemma: dict[str, list[tuple[str, str, str, frozenset[str]]]] = {}
    for first, second, kind in conn.execute(markers):
        for lemma in side_lemmas(first):
            by_lemma.setdefault(lemma, []).append((first, second, kind, side_lemmas(second)))
    deltas: Counter = Counter()
    for sign, status, lemmas in changes:
        found = {marker for lemma in lemmas & by_lemma.keys() for marker in by_lemma[lemma]}
        for first, second, kind, second_lemmas in found:
            if second_lemmas & lemmas:
                deltas[(first, second, kind)] += sign
                deltas[(first, second, status)] += sign
    return deltas


def apply(conn: Connection, deltas: Counter) -> None:
    changes = [{"first": first, "second": second, "status": status, "n": n}
               for (first, second, status), n in sorted(deltas.items()) if n]
    if changes:
        conn.execute(_ADD, changes)


def forget_all(conn: Connection) -> None:
    """Every pair forgotten (a bulk load: thousands of appeals, each tested against every pair,
    would cost more than learning the pairs searched again)."""
    if inspect(conn).has_table("searchpair"):
        conn.execute(delete(SearchPair))
