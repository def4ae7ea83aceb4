"""Benchmark of the appeal queue's queries on the database named by REFLEX_DB_URL.

Measures what a coordinator waits for: the first page with its counts (default filter: open
appeals by deadline), and a change of filter (each filter of the page in turn). Prints a table of
median and p95 in milliseconds, the median of the same page asked as a filter's first in its process
(`first ms`: the page ends learnt by analytics/deadline_range forgotten before each run), plus the
size of the JSON the page state would hold.

    REFLEX_DB_URL=sqlite:///bench100k.db python bench/queue_bench.py --repeat 15

`--explain` prints the plan of every statement a scenario runs (EXPLAIN QUERY PLAN on SQLite,
EXPLAIN on PostgreSQL), to check that the queue queries use their indexes and the tallies;
`--analyze` adds each statement's time (EXPLAIN ANALYZE on PostgreSQL, a timed run on SQLite), to see
where a scenario's time goes. `--statements` times each statement a scenario runs as the page runs it
(median of the runs, ms), and the rest of the page's time (Python: building statements, rows,
marking). `--only WORDS` keeps the scenarios whose name contains WORDS. `--pairs-first` times the
first search of each two-word scenario, when its pair of lemmas is learnt (services/search_pairs:
the pair is forgotten first, so run it on a copy), against the searches after it.
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete, event, func, select  # noqa: E402

from pos_dashboard.analytics.options import filter_options  # noqa: E402
from pos_dashboard.analytics.queue import QueueFilter, fetch_queue_page, queue_version  # noqa: E402
from pos_dashboard.analytics.deadline_range import forget_learnt  # noqa: E402
from pos_dashboard.analytics.search_bounds import search_bounds  # noqa: E402
from pos_dashboard.db import get_engine, session_scope  # noqa: E402
from pos_dashboard.domain.models import Appeal, Category, SearchPair, Territory  # noqa: E402
from pos_dashboard.domain.search_words import folded_address, query_words  # noqa: E402
from pos_dashboard.domain.types import utcnow  # noqa: E402
from pos_dashboard.settings import db_url  # noqa: E402
from stats import p95  # noqa: E402  (bench/stats.py, beside this script)


def _scenarios(session) -> list[tuple[str, QueueFilter, int]]:
    top_category, second_category = session.execute(
        select(Category.id).where(Category.parent_id.is_(None)).order_by(Category.id).limit(2)).scalars().all()
    top_territory = session.execute(select(Territory.id).where(Territory.parent_id.is_(None)).limit(1)).scalar_one()
    return [
        ("first page: open, by deadline", QueueFilter(), 0),
        ("page 20 of open", QueueFilter(), 20),
        ("status = in_work", QueueFilter(status="in_work"), 0),
        ("all statuses, newest first", QueueFilter(status="all", sort="newest"), 0),
        ("category (top level)", QueueFilter(category_id=top_category), 0),
        ("territory (top level)", QueueFilter(territory_id=top_territory), 0),
        ("overdue only", QueueFilter(deadline="overdue"), 0),
        ("at risk only", QueueFilter(deadline="at_risk"), 0),
        ("organisation name", QueueFilter(organization_query="Водоканал"), 0),
        ("text search (open)", QueueFilter(search="подъезд"), 0),
        ("text search (all statuses)", QueueFilter(status="all", search="подъезд"), 0),
        ("appeal number", QueueFilter(status="all", search="12345"), 0),
        ("words: another form (all)", QueueFilter(status="all", search="подъездами"), 0),
        ("words: two words (all)", QueueFilter(status="all", search="мусор подъезда"), 0),
        ("words: two words that meet (all)", QueueFilter(status="all", search="мусор вывозят"), 0),
        ("words: two words that meet (open)", QueueFilter(search="мусор вывозят"), 0),
        ("words: a beginning (all)", QueueFilter(status="all", search="подъез"), 0),
        # A closed status alone: the term counts cannot bound where two words meet in it.
        ("two words, rejected", QueueFilter(status="rejected", search="крыша течет"), 0),
        ("two words that meet, closed", QueueFilter(status="closed", search="мусор вывозят"), 0),
        ("a word, closed, page 2", QueueFilter(status="closed", search="двор"), 1),
        # «детская» is two lemmas that occur (детская, детский): a pair of a set of lemmas.
        ("a word of two lemmas + another (all)", QueueFilter(status="all", search="детская площадка"), 0),
        ("a word of two lemmas + another, closed", QueueFilter(status="closed", search="детская площадка"), 0),
        ("a word of two lemmas + another, rejected", QueueFilter(status="rejected", search="детская площадка"), 0),
        ("words: rare word (all)", QueueFilter(status="all", search="снегирь"), 0),
        ("address substring (all)", QueueFilter(status="all", search="Садовая"), 0),
        ("address substring (open)", QueueFilter(search="Садовая"), 0),
        ("words + top category (open)", QueueFilter(search="подъезд", category_id=top_category), 0),
        ("words + top category (all)", QueueFilter(status="all", search="подъезд", category_id=top_category), 0),
        # In the demo region «подъезд» never occurs under the second top category («Дороги»): a walk of
        # its rows would read all of them (analytics/sparse_search).
        ("two words that meet + top category (open)", QueueFilter(search="мусор вывозят", category_id=top_category), 0),
        ("two words + top category (all)", QueueFilter(status="all", search="мусор подъезда", category_id=top_category), 0),
        ("words + 2nd top category (open)", QueueFilter(search="подъезд", category_id=second_category), 0),
        ("words + 2nd top category (all)", QueueFilter(status="all", search="подъезд", category_id=second_category), 0),
        ("all statuses, by deadline", QueueFilter(status="all"), 0),
        ("closed, top category + territory", QueueFilter(status="closed", category_id=top_category,
                                                          territory_id=top_territory), 0),
    ]


def _measure(flt: QueueFilter, page: int, repeat: int, first: bool = False) -> tuple[list[float], int, int]:
    """`first`: each run as a filter's first in this process (the page ends it learnt forgotten)."""
    timings, state_bytes, total = [], 0, 0
    for _ in range(repeat):
        if first:
            forget_learnt()
        started = time.perf_counter()
        with session_scope() as session:
            result = fetch_queue_page(session, flt, page=page, page_size=50, now=utcnow())
        timings.append((time.perf_counter() - started) * 1000)
        state_bytes = len(json.dumps({"rows": result.rows, "counts": result.status_counts}, ensure_ascii=False).encode())
        total = result.total
    return timings, state_bytes, total


def _measure_version(repeat: int) -> list[float]:
    timings = []
    for _ in range(repeat + 1):
        started = time.perf_counter()
        with session_scope() as session:
            queue_version(session)
        timings.append((time.perf_counter() - started) * 1000)
    return timings[1:]


def explain(scenarios, analyze: bool = False) -> None:
    engine = get_engine()
    statements: list = []

    def remember(_conn, _cursor, statement, parameters, _context, _many):
        statements.append((statement, parameters))
    event.listen(engine, "before_cursor_execute", remember)
    for name, flt, page in scenarios:
        statements.clear()
        with session_scope() as session:
            fetch_queue_page(session, flt, page=page, page_size=50, now=utcnow())
        captured = list(statements)
        print(f"\n## {name}")
        with engine.connect() as conn:
            for statement, parameters in captured:
                if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                    continue
                sqlite = engine.dialect.name == "sqlite"
                prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN (ANALYZE, BUFFERS) " if analyze else "EXPLAIN "
                plan = conn.exec_driver_sql(prefix + statement, parameters).all()
                took = ""
                if analyze and sqlite:
                    started = time.perf_counter()
                    conn.exec_driver_sql(statement, parameters).all()
                    took = f"[{(time.perf_counter() - started) * 1000:.1f} ms] "
                print("  " + took + " ".join(statement.split())[:160 if not analyze else 400])
                for line in plan:
                    print("     " + (line[-1] if engine.dialect.name == "sqlite" else line[0]))
    event.remove(engine, "before_cursor_execute", remember)


def statement_times(scenarios, repeat: int) -> None:
    """Each statement's own time as the page runs it (from the driver's call to its rows being
    read), median over the runs, and what is left of the page's time."""
    engine = get_engine()
    current: list = []

    def started(_conn, _cursor, _statement, _parameters, context, _many):
        context._bench_started = time.perf_counter()

    def finished(_conn, _cursor, statement, _parameters, context, _many):
        current.append((" ".join(statement.split())[:110], (time.perf_counter() - context._bench_started) * 1000))
    event.listen(engine, "before_cursor_execute", started)
    event.listen(engine, "after_cursor_execute", finished)
    for name, flt, page in scenarios:
        _measure(flt, page, 1)
        per_run, totals = [], []
        for _ in range(repeat):
            current.clear()
            timings, _, _ = _measure(flt, page, 1)
            per_run.append(list(current))
            totals.append(timings[0])
        print(f"\n## {name}: page {statistics.median(totals):.1f} ms, "
              f"statements {statistics.median(sum(t for _, t in run) for run in per_run):.1f} ms")
        for i, (text, _) in enumerate(per_run[0]):
            times = [run[i][1] for run in per_run if len(run) > i]
            print(f"  {statistics.median(times):7.2f}  {text}")
    event.remove(engine, "before_cursor_execute", started)
    event.remove(engine, "after_cursor_execute", finished)


def pairs_first(scenarios, repeat: int) -> None:
    """The first search of two words (their pair learnt) and the ones after it, median of `repeat`
    rounds, each round forgetting the pair first."""
    print(f"{'scenario':44} {'first ms':>9} {'next ms':>8}")
    for name, flt, page in scenarios:
        with session_scope() as session:  # the pair as the queue keys it (None: no pair is learnt)
            pair = search_bounds(session, query_words(flt.search), folded_address(flt.search)).pair
        if pair is None:
            continue
        firsts, nexts = [], []
        for _ in range(repeat):
            with session_scope() as session:
                session.execute(delete(SearchPair).where(SearchPair.first == pair[0], SearchPair.second == pair[1]))
            firsts += _measure(flt, page, 1)[0]
            nexts += _measure(flt, page, 3)[0]
        print(f"{name:44} {statistics.median(firsts):>9.1f} {statistics.median(nexts):>8.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--explain", action="store_true", help="print the query plans instead of timings")
    parser.add_argument("--analyze", action="store_true", help="with --explain: run each statement and time it")
    parser.add_argument("--statements", action="store_true", help="time each statement of each scenario")
    parser.add_argument("--only", default="", help="only the scenarios whose name contains this")
    parser.add_argument("--pairs-first", action="store_true",
                        help="time the first search of two words (their pair forgotten first: a copy only)")
    args = parser.parse_args()
    with session_scope() as session:
        appeals = session.execute(select(func.count()).select_from(Appeal)).scalar_one()
        scenarios = [s for s in _scenarios(session) if args.only in s[0]]
        options_bytes = len(json.dumps(filter_options(session), ensure_ascii=False).encode())
    backend = get_engine().dialect.name
    if args.explain:
        explain(scenarios, args.analyze)
        return 0
    if args.statements:
        statement_times(scenarios, args.repeat)
        return 0
    if args.pairs_first:
        pairs_first(scenarios, args.repeat)
        return 0
    print(f"# queue benchmark: {backend}, {appeals:,} appeals, {args.repeat} runs each, {db_url().split('@')[-1]}")
    print(f"{'scenario':34} {'rows':>9} {'median ms':>10} {'p95 ms':>9} {'first ms':>9} {'state KB':>9}")
    largest = 0
    for name, flt, page in scenarios:
        _measure(flt, page, 1)  # warm the cache: a user's second look is the common case
        timings, state_bytes, total = _measure(flt, page, args.repeat)
        firsts = _measure(flt, page, args.repeat, first=True)[0]
        largest = max(largest, state_bytes + options_bytes)
        print(f"{name:34} {total:>9,} {statistics.median(timings):>10.1f} {p95(timings):>9.1f} "
              f"{statistics.median(firsts):>9.1f} {(state_bytes + options_bytes) / 1024:>9.1f}")
    timings = _measure_version(args.repeat)
    print(f"{'poll: has the queue changed?':34} {'':>9} {statistics.median(timings):>10.2f} {p95(timings):>9.2f}")
    print(f"largest page state (rows + counts + filter options): {largest / 1024:.1f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
