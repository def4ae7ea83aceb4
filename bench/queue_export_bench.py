"""The queue's export at size, on the database named by REFLEX_DB_URL (not a test): the file of a
filter written through the same path the download route streams (`export_rows` + `stream_chunks`),
to /dev/null. Prints rows, seconds, rows/s, bytes and the process's peak memory per scenario.

    REFLEX_DB_URL=sqlite:////tmp/bench/1m.db python bench/queue_export_bench.py --now 2026-12-01T09:00:00+00:00
"""

import argparse
import resource
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import select  # noqa: E402

from pos_dashboard.analytics.queue_export import HEADER, SHEET, export_filter, export_rows  # noqa: E402
from pos_dashboard.analytics.table_export import stream_chunks  # noqa: E402
from pos_dashboard.db import session_scope  # noqa: E402
from pos_dashboard.domain.enums import Role  # noqa: E402
from pos_dashboard.domain.models import User  # noqa: E402
from pos_dashboard.services.actors import Actor  # noqa: E402

SCENARIOS = [  # (name, link values, formats)
    ("overdue (open)", {"deadline": "overdue"}, ("csv", "xlsx")),
    ("open appeals", {}, ("csv", "xlsx")),
    ("every appeal", {"status": "all"}, ("csv",)),
]


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--now", required=True, help="the region's «now» (ISO 8601), e.g. the demo's")
    parser.add_argument("--skip-xlsx", action="store_true")
    args = parser.parse_args()
    now = datetime.fromisoformat(args.now)
    with session_scope() as session:
        official = Actor.of(session.exec(select(User).where(User.role == Role.OFFICIAL.value)).first())
    print(f"{'scenario':18} {'fmt':5} {'rows':>10} {'seconds':>8} {'rows/s':>9} {'MB':>8} {'peak RSS MiB':>13}")
    for name, values, formats in SCENARIOS:
        for fmt in formats:
            if fmt == "xlsx" and args.skip_xlsx:
                continue
            flt = export_filter(values, official)
            started, size, rows = time.perf_counter(), 0, 0

            def counted(source):
                nonlocal rows
                for row in source:
                    rows += 1
                    yield row
            with session_scope() as session:
                for piece in stream_chunks(fmt, HEADER, counted(export_rows(session, flt, now=now)), SHEET):
                    size += len(piece)
            elapsed = time.perf_counter() - started
            print(f"{name:18} {fmt:5} {rows:>10,} {elapsed:>8.1f} {rows / elapsed:>9,.0f} {size / 1e6:>8.1f} "
                  f"{_peak_mib():>13.0f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
