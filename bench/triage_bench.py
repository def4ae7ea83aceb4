"""Benchmark of the coordinator's triage view on the database named by REFLEX_DB_URL: the first page
of each stage (with the routing suggestion per row) and the tab counts. Median and p95 in ms.

    REFLEX_DB_URL=sqlite:///bench100k.db python bench/triage_bench.py --repeat 10
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402

from pos_dashboard.analytics.triage import VIEWS, fetch_triage, view_counts  # noqa: E402
from pos_dashboard.db import session_scope  # noqa: E402
from pos_dashboard.domain.enums import Role  # noqa: E402
from pos_dashboard.domain.models import Appeal  # noqa: E402
from pos_dashboard.services.actors import Actor  # noqa: E402
from stats import p95  # noqa: E402

COORDINATOR = Actor(user_id=None, role=Role.COORDINATOR)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    with session_scope() as session:
        appeals = session.execute(select(func.count()).select_from(Appeal)).scalar_one()
        counts = view_counts(session, actor=COORDINATOR)
    print(f"appeals: {appeals:,}   in the views: {counts}")
    print(f"{'scenario':<34}{'rows':>6}{'median ms':>12}{'p95 ms':>10}")
    scenarios = [(f"page 1: {view}", lambda s, v=view: fetch_triage(s, actor=COORDINATOR, view=v)[0]) for view in VIEWS]
    scenarios.append(("tab counts", lambda s: list(view_counts(s, actor=COORDINATOR).values())))
    for name, run in scenarios:
        times, rows = [], 0
        for _ in range(args.repeat):
            with session_scope() as session:
                start = time.perf_counter()
                rows = len(run(session))
                times.append((time.perf_counter() - start) * 1000)
        print(f"{name:<34}{rows:>6}{statistics.median(times):>12.1f}{p95(times):>10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
