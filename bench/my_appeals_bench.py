"""Benchmark of the citizen's pages on the database named by REFLEX_DB_URL: «Мои обращения» (first
and last page) for the citizen with the most appeals and for the demo citizen, and the followed
appeals. Median and p95 in ms (not a test).

    REFLEX_DB_URL=sqlite:///bench1m.db python bench/my_appeals_bench.py --repeat 15
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402

from pos_dashboard.analytics.following import fetch_followed  # noqa: E402
from pos_dashboard.analytics.my_appeals import PAGE_SIZE_MAX, fetch_my_appeals  # noqa: E402
from pos_dashboard.db import get_engine, session_scope  # noqa: E402
from pos_dashboard.domain.enums import Role  # noqa: E402
from pos_dashboard.domain.models import Appeal, User  # noqa: E402
from pos_dashboard.domain.types import utcnow  # noqa: E402
from pos_dashboard.services.actors import Actor  # noqa: E402
from stats import p95  # noqa: E402  (bench/stats.py, beside this script)


def _time(call, repeat: int) -> list[float]:
    call()  # warm
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with session_scope() as session:
        appeals = session.execute(select(func.count()).select_from(Appeal)).scalar_one()
        busiest, most = session.execute(select(Appeal.citizen_id, func.count()).where(Appeal.citizen_id.is_not(None))
                                        .group_by(Appeal.citizen_id).order_by(func.count().desc()).limit(1)).one()
        demo = session.execute(select(User.id).where(User.login == "citizen")).scalar()
    print(f"# citizen pages: {get_engine().dialect.name}, {appeals:,} appeals, {args.repeat} runs each")
    print(f"{'scenario':44} {'appeals':>8} {'median ms':>10} {'p95 ms':>9}")
    for label, user_id, total in (("busiest citizen", busiest, most), ("demo citizen", demo, None)):
        if user_id is None:
            continue
        actor = Actor(user_id=user_id, role=Role.CITIZEN)
        with session_scope() as session:
            total = total or fetch_my_appeals(session, actor=actor, now=utcnow()).total
        last = max(0, -(-total // PAGE_SIZE_MAX) - 1)
        for page_label, page in (("first page", 0), ("last page", last)):
            def call(page=page, actor=actor):
                with session_scope() as session:
                    fetch_my_appeals(session, actor=actor, page=page, now=utcnow())
            timings = _time(call, args.repeat)
            print(f"{f'«Мои обращения», {label}, {page_label}':44} {total:>8,} "
                  f"{statistics.median(timings):>10.1f} {p95(timings):>9.1f}")

        def followed(actor=actor):
            with session_scope() as session:
                fetch_followed(session, actor=actor, now=utcnow())
        timings = _time(followed, args.repeat)
        print(f"{f'followed appeals, {label}':44} {'':>8} {statistics.median(timings):>10.1f} {p95(timings):>9.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
