"""What one queue tab's page load costs, per filter: `states.queue_reads.load_page`, the function a
filter change runs in its worker thread — the session check, the change version (with the region's
data-as-of moment) and the page with its counts, in one database session. `queue_bench.py` times
the page's queries alone; this adds what every load pays around them (round trips that cost ~1.5 ms
each on PostgreSQL on a 2-core machine).

    REFLEX_DB_URL=postgresql+psycopg://postgres@127.0.0.1:5432/pos_1m python bench/tab_load_bench.py --repeat 15

By default the worker's shared reading of the version is fresh, as when many tabs load within a
second of each other; `--stale-version` makes every load read the version itself (a lone tab).
Logs in as `--login` by opening a session for that user directly (no password needed: the
benchmark runs beside the database). Prints the median ms per filter and their sum.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import select  # noqa: E402

from pos_dashboard.db import session_scope  # noqa: E402
from pos_dashboard.domain.models import User  # noqa: E402
from pos_dashboard.services import sessions  # noqa: E402
from pos_dashboard.states import queue_reads  # noqa: E402

DEFAULT = {"status": "open", "category": "all", "territory": "all", "organization_query": "", "deadline": "any",
           "search": "", "sort": "deadline", "drill": ""}


def scenarios(category: str, territory: str) -> list[tuple[str, dict, int]]:
    return [
        ("open, by deadline", {}, 0),
        ("page 20 of open", {}, 20),
        ("status = in_work", {"status": "in_work"}, 0),
        ("all statuses, newest first", {"status": "all", "sort": "newest"}, 0),
        ("top category", {"category": category}, 0),
        ("top territory", {"territory": territory}, 0),
        ("overdue only", {"deadline": "overdue"}, 0),
        ("at risk only", {"deadline": "at_risk"}, 0),
        ("closed, top category + territory", {"status": "closed", "category": category, "territory": territory}, 0),
        ("all statuses, by deadline", {"status": "all"}, 0),
        ("appeal number", {"status": "all", "search": "4242"}, 0),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--login", default="coordinator")
    parser.add_argument("--stale-version", action="store_true", help="every load reads the version itself")
    args = parser.parse_args()
    with session_scope() as session:
        user = session.exec(select(User).where(User.login == args.login)).first()
        if user is None:
            print(f"no user {args.login!r} in this database", file=sys.stderr)
            return 2
        token = sessions.open_session(session, user_id=user.id)
    options = queue_reads.load_page(token, DEFAULT, 0, True)[2]
    if args.stale_version:
        queue_reads.VERSION._max_age = 0  # noqa: SLF001  (a benchmark's knob: no reading is ever fresh)
    print(f"# tab page load (load_page), {args.repeat} runs each, version "
          f"{'read by every load' if args.stale_version else 'shared by the worker (fresh)'}")
    print(f"{'scenario':36s} {'median ms':>9s} {'p95 ms':>8s}")
    medians = []
    for name, change, page in scenarios(options["categories"][0]["value"], options["territories"][0]["value"]):
        filters = {**DEFAULT, **change}
        for _ in range(3):
            queue_reads.load_page(token, filters, page, False)
        timings = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            queue_reads.load_page(token, filters, page, False)
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        medians.append(statistics.median(timings))
        print(f"{name:36s} {medians[-1]:9.1f} {timings[int(0.95 * (len(timings) - 1))]:8.1f}")
    print(f"{'sum of the medians':36s} {sum(medians):9.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
