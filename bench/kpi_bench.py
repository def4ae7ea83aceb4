"""Benchmark of the KPIs on one or more databases (not a test: run it on purpose).

One table, a column pair per database (--db, repeatable; default REFLEX_DB_URL): the median wall
time and the median CPU time of this process (ms; the machine is shared, so CPU time is the steadier
number — for PostgreSQL it leaves out the server's work) of `compute_kpis(exact=False)` (the rollups)
for each grouping over the last 30 days and over all time; the exact path; one raw SQL query (counts
per organisation, with percentile_cont on PostgreSQL); pandas grouping a frame already in memory;
DuckDB over that frame. Also the appeals, the rollup rows and the load average before and after.

    python bench/kpi_bench.py --now 2026-12-01T09:00:00+00:00 --db sqlite:////tmp/rollups/1m.db --db sqlite:///…5m.db
"""

import argparse
import os
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from pos_dashboard.analytics.kpi import GROUPINGS, compute_kpis, frame_sums, group_keys  # noqa: E402
from pos_dashboard.db import make_engine  # noqa: E402
from pos_dashboard.domain.kpi_measures import ROLLUP_TABLES  # noqa: E402
from pos_dashboard.domain.models import Appeal  # noqa: E402
from pos_dashboard.services.kpi_facts import load_frame  # noqa: E402
from pos_dashboard.settings import db_url, region_tz  # noqa: E402


def timed(function, repeat: int) -> tuple[float, float]:
    """(median wall ms, median CPU ms of this process)."""
    walls, cpus = [], []
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        function()
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def measure(url: str, now: datetime, args) -> tuple[str, dict]:
    """(a heading for the database, {what: (wall ms, cpu ms, runs)})."""
    engine = make_engine(url)
    today = now.astimezone(region_tz()).replace(hour=0, minute=0, second=0, microsecond=0)
    last_30 = (today - timedelta(days=29), today + timedelta(days=1))
    rows = {}
    load = os.getloadavg()

    def add(what, function, repeat=args.repeat):
        wall, cpu = timed(function, repeat)
        rows[what] = (wall, cpu, repeat)
        print(f"  {what:<58} {wall:>10.1f} {cpu:>10.1f}", file=sys.stderr, flush=True)

    with engine.connect() as conn:
        appeals = conn.execute(select(func.count()).select_from(Appeal)).scalar_one()
        sizes = {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in ROLLUP_TABLES}
    compute_kpis(engine, now=now, exact=False)  # warm the connection pool and the page cache
    for label, (since, until) in (("last 30 days", last_30), ("all time", (None, None))):
        for group_by in (None, *GROUPINGS):
            add(f"rollups (exact=False), {label}, group_by={group_by}",
                lambda g=group_by, s=since, u=until: compute_kpis(engine, group_by=g, since=s, until=u, now=now,
                                                                  exact=False))
    if not args.skip_exact:
        for group_by in (None, "organisation"):
            add(f"exact path (exact=True), all time, group_by={group_by}",
                lambda g=group_by: compute_kpis(engine, group_by=g, now=now), args.exact_repeat)
        add("exact path, last 30 days, group_by=None",
            lambda: compute_kpis(engine, since=last_30[0], until=last_30[1], now=now), args.exact_repeat)
    add("one raw SQL query: counts per organisation, all time", lambda: _raw_sql(engine), args.exact_repeat)
    with engine.connect() as conn:
        frame = load_frame(conn, order=False)
        keys = {g: group_keys(conn, frame, g) for g in GROUPINGS}
    for group_by in GROUPINGS:
        add(f"pandas, frame in memory, all time, group_by={group_by}",
            lambda g=group_by: frame_sums(frame, keys[g], now), 3)
    _duckdb(frame, add)
    del frame, keys
    engine.dispose()
    heading = (f"{engine.dialect.name}, {appeals / 1e6:.1f}M appeals (rollup rows: "
               + ", ".join(f"{name} {count:,}" for name, count in sizes.items())
               + f"; load {load[0]:.1f} → {os.getloadavg()[0]:.1f})")
    return heading, rows


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", action="append", help="database URL (repeat for a column per database)")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--exact-repeat", type=int, default=2)
    parser.add_argument("--skip-exact", action="store_true", help="leave out the exact path (slow at 5M)")
    parser.add_argument("--now", type=datetime.fromisoformat, required=True, help="the demo's --now")
    args = parser.parse_args()
    results = [measure(url, args.now, args) for url in (args.db or [db_url()])]
    print(f"\nmachine: {os.cpu_count()} cores, load average now (1, 5, 15 min): "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    for number, (heading, _) in enumerate(results, start=1):
        print(f"[{number}] {heading}")
    print("\n| what | " + " | ".join(f"[{n}] wall ms | [{n}] CPU ms" for n in range(1, len(results) + 1)) + " |")
    print("|---|" + "---:|---:|" * len(results))
    whats = list(dict.fromkeys(what for _, rows in results for what in rows))
    for what in whats:
        cells = [f"{rows[what][0]:,.1f} | {rows[what][1]:,.1f}" if what in rows else "– | –" for _, rows in results]
        print(f"| {what} | " + " | ".join(cells) + " |")
    return 0


def _raw_sql(engine) -> None:
    percentile = ("percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM first_answer_at - created_at))"
                  if engine.dialect.name == "postgresql" else "avg(julianday(first_answer_at) - julianday(created_at))")
    with engine.connect() as conn:
        conn.execute(text(f"""
            SELECT organization_id, count(*), count(first_answer_at),
                   sum(CASE WHEN first_answer_at <= deadline_at THEN 1 ELSE 0 END), {percentile}
            FROM appeal GROUP BY organization_id""")).all()


def _duckdb(frame: pd.DataFrame, add) -> None:
    try:
        import duckdb
    except ImportError:
        print("  duckdb: not installed", file=sys.stderr)
        return
    table = frame[["organization_id", "received", "answered", "answered_on_time", "hours_to_first_answer"]]
    connection = duckdb.connect()
    connection.register("facts", table)
    add("DuckDB over the frame in memory, per organisation", lambda: connection.execute("""
        SELECT organization_id, sum(received), sum(answered), sum(answered_on_time),
               quantile_cont(hours_to_first_answer, 0.5), quantile_cont(hours_to_first_answer, 0.9)
        FROM facts GROUP BY organization_id""").fetchall(), 5)


if __name__ == "__main__":
    sys.exit(main())
