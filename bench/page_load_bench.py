"""What /kpi and /ratings compute on their server side for one page load, timed on the database named
by REFLEX_DB_URL (not a test: run it on purpose; the browser adds rendering on top, see page_bench.py).

For each view: the first load (every cache of the read models emptied) and a repeated one (caches
warm, as when a second official opens the same view), median and p95 of --repeat runs, in ms, and
the machine's load average.

    REFLEX_DB_URL=sqlite:///demo.db python bench/page_load_bench.py --repeat 5
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from pos_dashboard.analytics import dashboard, ratings  # noqa: E402
from pos_dashboard.analytics import rating_views as rv  # noqa: E402
from pos_dashboard.analytics.dashboard_filter import DashboardFilter  # noqa: E402
from pos_dashboard.analytics.dashboard_view import load_view  # noqa: E402
from pos_dashboard.db import make_engine  # noqa: E402
from pos_dashboard.domain.models import Appeal, Organization, User  # noqa: E402
from pos_dashboard.domain.types import utcnow  # noqa: E402
from pos_dashboard.services.actors import Actor  # noqa: E402
from pos_dashboard.settings import db_url  # noqa: E402
from stats import p95  # noqa: E402  (bench/stats.py, beside this script)

VIEW = {"org_sort": "received", "org_desc": True, "org_page": 0, "map_kpi": "on_time_share"}


def _clear_caches() -> None:
    for cache in (getattr(dashboard, "_GROUPED_CACHE", None), getattr(ratings, "_RECENT", None),
                  getattr(dashboard, "_POINTS_CACHE", None), getattr(rv, "_REGION_MONTHS", None)):
        if cache is not None:
            cache.clear()


def _timed(function, repeat: int, cold: bool) -> tuple[float, float]:
    runs = []
    for _ in range(repeat):
        if cold:
            _clear_caches()
        started = time.perf_counter()
        function()
        runs.append((time.perf_counter() - started) * 1000)
    return statistics.median(runs), p95(runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    engine = make_engine(db_url())
    with Session(engine) as session:
        official = Actor.of(session.exec(select(User).where(User.login == "official")).one())
        busiest = session.exec(select(Appeal.organization_id).where(Appeal.organization_id.is_not(None))
                               .group_by(Appeal.organization_id).order_by(func.count().desc())
                               .limit(1)).first() or session.exec(select(Organization.id)).first()
        appeals = session.exec(select(Appeal.id).order_by(Appeal.id.desc()).limit(1)).first() or 0
        now = utcnow()
        views = {
            "/kpi 30 days": lambda: load_view(session, DashboardFilter(), actor=official, now=now, **VIEW),
            "/kpi 365 days": lambda: load_view(session, DashboardFilter(period="365"), actor=official, now=now,
                                               **VIEW),
            "/ratings 90 days": lambda: rv.ranking_page(session, rv.RankingQuery(), actor=official,
                                                        now=ratings.rating_moment(now)),
            "/ratings/<org> 90 days": lambda: rv.organization_rating(session, busiest, actor=official, period="90",
                                                                     now=ratings.rating_moment(now)),
        }
        print(f"database: {engine.url.render_as_string(hide_password=True)}, ~{appeals} appeals, "
              f"repeat {args.repeat}")
        print(f"{'view':<26}{'first load ms (med / p95)':>28}{'repeated ms (med / p95)':>26}")
        for name, function in views.items():
            cold = _timed(function, args.repeat, cold=True)
            warm = _timed(function, args.repeat, cold=False)
            print(f"{name:<26}{cold[0]:>15.0f} / {cold[1]:<10.0f}{warm[0]:>14.0f} / {warm[1]:<10.0f}")
    print("load average: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
