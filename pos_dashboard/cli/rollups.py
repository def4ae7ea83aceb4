"""`python -m pos_dashboard rollups --rebuild`: recompute the KPI rollups of REFLEX_DB_URL from the
appeals and events (after the migration that adds them, or to repair them)."""

import sys
import time

from ..db import make_engine
from ..services.kpi_rollups import rebuild
from ..settings import db_url


def add_arguments(parser) -> None:
    parser.add_argument("--rebuild", action="store_true", help="пересчитать сводные таблицы KPI из обращений и событий")


def run(args) -> int:
    if not args.rebuild:
        print("Укажите --rebuild", file=sys.stderr)
        return 2
    engine = make_engine(db_url())
    started = time.perf_counter()
    try:
        with engine.begin() as conn:
            counts = rebuild(conn)
    finally:
        engine.dispose()
    print(f"Сводные таблицы KPI пересчитаны за {time.perf_counter() - started:.1f} с:")
    for table, count in counts.items():
        print(f"  {table:<18} {count:>12,}")
    return 0
