"""Grow a benchmark database N-fold by copying its appeals with SQL (not a test; for bench/kpi_bench.py).

The demo loader writes about 10k rows/s, so 5 million appeals would take hours; this copies the
appeals, their events and their answers (every table the KPIs read) N-1 times inside the database,
each copy with ids shifted by a multiple of the current maximum (appeal ids, and the appeal ids in
events and answers, move together; `external_ref` gets a «#k» suffix to stay unique), then
rebuilds the KPI rollups. Times, keys and statuses are copied as they are: copy k of an appeal is
created at the same moment in the same place, so the KPIs count each appeal N times (shares and
percentiles unchanged). Other tables (ratings, disputes, notifications, queue tallies) are not
copied: use the result for the KPI benchmark only. The copies are not added to SQLite's full-text
index (its insert trigger is dropped during the copy and made again after); indexes are kept, so
the copy still takes minutes per million appeals.

    python bench/replicate_appeals.py --db sqlite:////tmp/rollups/5m.db --times 5
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import inspect, text  # noqa: E402

from pos_dashboard.db import make_engine  # noqa: E402
from pos_dashboard.services.kpi_rollups import rebuild  # noqa: E402

# table → {column: how copy k is made} for the columns that change; the others are copied as they are
SHIFTED = {
    "appeal": {"id": "id + {k} * {appeal}", "external_ref": "CASE WHEN external_ref IS NULL THEN NULL "
                                                           "ELSE external_ref || '#{k}' END"},
    "appealevent": {"id": "id + {k} * {appealevent}", "appeal_id": "appeal_id + {k} * {appeal}"},
    "answer": {"id": "id + {k} * {answer}", "appeal_id": "appeal_id + {k} * {appeal}"},
}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True, help="a copy made for the benchmark (it is written to)")
    parser.add_argument("--times", type=int, default=5, help="the appeals after the copy, as a multiple")
    args = parser.parse_args()
    engine = make_engine(args.db)
    columns = {table: [c["name"] for c in inspect(engine).get_columns(table)] for table in SHIFTED}
    with engine.connect() as conn:
        top = {table: conn.execute(text(f"SELECT max(id) FROM {table}")).scalar_one() for table in SHIFTED}
    print(f"max ids: {top}", flush=True)
    trigger = None
    if engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            trigger = conn.execute(text("SELECT sql FROM sqlite_master WHERE type = 'trigger' "
                                        "AND name = 'appeal_fts_after_insert'")).scalar()
            if trigger:
                conn.execute(text("DROP TRIGGER appeal_fts_after_insert"))
    for k in range(1, args.times):
        for table, changes in SHIFTED.items():
            started = time.perf_counter()
            names = ", ".join(columns[table])
            values = ", ".join(changes[c].format(k=k, **top) if c in changes else c for c in columns[table])
            with engine.begin() as conn:
                count = conn.execute(text(f"INSERT INTO {table} ({names}) SELECT {values} FROM {table} "
                                          f"WHERE id <= :top"), {"top": top[table]}).rowcount
            print(f"copy {k}: {table:<12} {count:>10,} rows in {time.perf_counter() - started:6.1f} s", flush=True)
    if trigger:
        with engine.begin() as conn:
            conn.execute(text(trigger))
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for table in SHIFTED:
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM {table}))"))
            conn.execute(text("ANALYZE"))
    started = time.perf_counter()
    with engine.begin() as conn:
        counts = rebuild(conn)
    print(f"rollups rebuilt in {time.perf_counter() - started:.1f} s: {counts}", flush=True)
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
