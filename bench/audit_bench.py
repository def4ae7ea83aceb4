"""Benchmark of the audit log page's queries (analytics/audit_log.py) on the database named by
REFLEX_DB_URL, e.g. a copy of the 1M demo region migrated to head:

    REFLEX_DB_URL=sqlite:////tmp/admin/1m.db python bench/audit_bench.py --repeat 7 [--explain]

Each scenario times one page of 50 rows (the merged admin audit rows and appeal events) and, for
the first page of a filter, the capped count. Page 20 is reached by the key of page 19 (as the
page's «Раньше» button does). Prints median and p95 in milliseconds, and the load average."""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, func, select  # noqa: E402

from pos_dashboard.analytics.audit_log import AuditFilter, count_audit, fetch_audit  # noqa: E402
from pos_dashboard.db import get_engine, session_scope  # noqa: E402
from pos_dashboard.domain.enums import Role  # noqa: E402
from pos_dashboard.domain.models import Appeal, AppealEvent, User  # noqa: E402
from pos_dashboard.services.actors import Actor  # noqa: E402
from pos_dashboard.settings import region_tz  # noqa: E402
from stats import p95  # noqa: E402  (bench/stats.py, beside this script)


def _scenarios(session) -> list[tuple[str, AuditFilter, int]]:
    last = session.execute(select(func.max(AppealEvent.at))).scalar_one()
    day = last.astimezone(region_tz()).date()
    appeal_id = session.execute(select(func.max(Appeal.id))).scalar_one() // 2
    return [
        ("first page, everything", AuditFilter(), 0),
        ("page 20, everything", AuditFilter(), 19),
        ("who = coordinator", AuditFilter(who="coordinator"), 0),
        ("who = org (prefix: every org… account)", AuditFilter(who="org"), 0),
        ("who = система", AuditFilter(who="система"), 0),
        ("what = route (workflow)", AuditFilter(kind="wf:route"), 0),
        ("what = dispute (rare)", AuditFilter(kind="wf:dispute"), 0),
        ("what = administrators' changes", AuditFilter(kind="admin"), 0),
        ("when = one week a year back", AuditFilter(since=day - timedelta(days=372), until=day - timedelta(days=365)), 0),
        ("who + what + when", AuditFilter(who="coordinator", kind="wf:approve_answer",
                                          since=day - timedelta(days=90), until=day), 0),
        ("object = one appeal", AuditFilter(object_type="appeal", object_id=appeal_id), 0),
    ]


def _time(session, actor, flt: AuditFilter, pages: int, with_count: bool) -> float:
    started = time.perf_counter()
    cursor = None
    for _ in range(pages):
        _, cursor = fetch_audit(session, actor=actor, flt=flt, after=cursor)
    started = time.perf_counter() if pages else started  # page N alone: the earlier pages only found its key
    fetch_audit(session, actor=actor, flt=flt, after=cursor)
    if with_count:
        count_audit(session, actor=actor, flt=flt)
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--explain", action="store_true", help="print the plan of each statement once")
    args = parser.parse_args()
    with session_scope() as session:
        admin = session.execute(select(User).where(User.role == Role.ADMIN)).scalars().first()
        actor = Actor.of(admin)
        events = session.execute(select(func.count()).select_from(AppealEvent)).scalar_one()
        appeals = session.execute(select(func.count()).select_from(Appeal)).scalar_one()
        print(f"{appeals:,} appeals, {events:,} events; load average {os.getloadavg()}")
        scenarios = _scenarios(session)
        if args.explain:
            _explain(session, actor, scenarios)
        print(f"| scenario | page ms (median / p95) | page + count ms (median / p95) | rows |")
        print("|---|---:|---:|---:|")
        for name, flt, pages in scenarios:
            page_times = [_time(session, actor, flt, pages, False) for _ in range(args.repeat)]
            count_times = [_time(session, actor, flt, pages, True) for _ in range(args.repeat)] if not pages else []
            shown = count_audit(session, actor=actor, flt=flt)
            both = f"{statistics.median(count_times):.1f} / {p95(count_times):.1f}" if count_times else "—"
            print(f"| {name} | {statistics.median(page_times):.1f} / {p95(page_times):.1f} | {both} | "
                  f"{'>1,000' if shown > 1_000 else f'{shown:,}'} |")
    print(f"load average after: {os.getloadavg()}")


def _explain(session, actor, scenarios) -> None:
    engine = get_engine()
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    seen = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))
    for name, flt, _ in scenarios:
        seen.clear()
        event.listen(engine, "before_cursor_execute", capture)
        try:
            fetch_audit(session, actor=actor, flt=flt)
        finally:
            event.remove(engine, "before_cursor_execute", capture)
        print(f"-- {name}")
        for statement, parameters in list(seen):
            if "FROM appealevent" in statement or "FROM admin_audit" in statement:
                plan = session.connection().exec_driver_sql(prefix + statement, parameters).all()
                print("   ", " | ".join(str(row[-1]) for row in plan))


if __name__ == "__main__":
    main()
