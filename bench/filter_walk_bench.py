"""The queue's page reads along the load benchmark's own filter walks, without the served app (not a
test): what `bench/load_bench.py`'s clients ask for, on the database named by REFLEX_DB_URL.

Each client starts at the default filter and makes --changes random changes (status chips, six top
categories and territories, deadline, sort: load_bench.changes_among, seeded by the client's number
as there), and every page is read with `fetch_queue_page` as a tab's load reads it.
Prints the page time (mean, p50, p95, p99, max), the share spent in the database driver, and the
statement shapes that took longest in total, with the filters behind their slowest runs.

    REFLEX_DB_URL=sqlite:////work/perf-data/1m.db python bench/filter_walk_bench.py --clients 50
"""

import argparse
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event  # noqa: E402

from pos_dashboard.analytics.options import filter_options  # noqa: E402
from pos_dashboard.analytics.queue import QueueFilter, fetch_queue_page  # noqa: E402
from pos_dashboard.db import get_engine, session_scope  # noqa: E402
from pos_dashboard.domain.enums import Role  # noqa: E402
from pos_dashboard.domain.types import utcnow  # noqa: E402
from pos_dashboard.services.actors import Actor  # noqa: E402
from pos_dashboard.states.queue_reads import queue_filter  # noqa: E402
from load_bench import changes_among  # noqa: E402  (beside this script)
from stats import p95  # noqa: E402  (bench/stats.py, beside this script)

COORDINATOR = Actor(user_id=None, role=Role.COORDINATOR)
_UNCHANGED = {"search": "", "organization_query": "", "drill": ""}  # the filters the walk leaves alone

SLOW_MS = 4.0  # statements at least this slow are listed by shape


def changes() -> list[tuple[str, str]]:
    """load_bench's filter changes, among the filter options the page offers."""
    with session_scope() as session:
        options = filter_options(session, None)
    return changes_among([o["value"] for o in options["categories"]], [o["value"] for o in options["territories"]])


def _filter(values: dict) -> QueueFilter:
    """The filter as a coordinator's tab turns its values into one (states/queue_reads.queue_filter)."""
    return queue_filter({**_UNCHANGED, **values}, COORDINATOR)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--changes", type=int, default=20, help="filter changes per client")
    parser.add_argument("--shapes", type=int, default=8, help="slow statement shapes to list")
    args = parser.parse_args()
    walk, engine = changes(), get_engine()
    current: dict = {}
    slow: dict[str, list] = defaultdict(list)
    driver_ms = [0.0]

    @event.listens_for(engine, "before_cursor_execute")
    def _started(conn, _cursor, _statement, _params, _context, _many):
        conn.info["bench_started"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _done(conn, _cursor, statement, _params, _context, _many):
        ms = (time.perf_counter() - conn.info["bench_started"]) * 1000
        driver_ms[0] += ms
        if ms >= SLOW_MS:
            slow[" ".join(statement.split())[:200]].append((ms, dict(current)))

    pages = []
    for client in range(args.clients):
        rng = random.Random(client)
        values = dict(status="open", category="all", territory="all", deadline="any", sort="deadline")
        for _ in range(args.changes):
            name, value = rng.choice(walk)
            values[name] = value
            current.clear()
            current.update(values)
            started = time.perf_counter()
            with session_scope() as session:
                fetch_queue_page(session, _filter(values), page=0, page_size=50, now=utcnow(), data_as_of=None)
            pages.append((time.perf_counter() - started) * 1000)
    ordered = sorted(pages)
    print(f"# filter walk: {engine.dialect.name}, {args.clients} clients × {args.changes} changes = {len(pages)} pages")
    print(f"{'mean ms':>8} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7} {'total s':>8} {'driver s':>9}")
    print(f"{statistics.mean(pages):8.1f} {statistics.median(pages):7.1f} {p95(pages):7.1f} "
          f"{ordered[int(len(ordered) * 0.99)]:7.1f} {ordered[-1]:7.1f} {sum(pages) / 1000:8.1f} {driver_ms[0] / 1000:9.1f}")
    print(f"# statements of at least {SLOW_MS:.0f} ms, by shape (total s, runs, slowest with its filter):")
    for shape, runs in sorted(slow.items(), key=lambda kv: -sum(ms for ms, _ in kv[1]))[:args.shapes]:
        ms, values = max(runs, key=lambda run: run[0])
        print(f"{sum(m for m, _ in runs) / 1000:6.2f} s {len(runs):4d}× max {ms:6.1f} ms {values}\n         {shape}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
