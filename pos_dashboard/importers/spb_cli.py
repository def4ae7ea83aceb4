"""`python -m pos_dashboard import-spb DIR`: import «Наш Санкт-Петербург» into REFLEX_DB_URL.

Progress goes to stderr; the summary (imported, already present, skipped with reasons, time and
peak memory) goes to stdout. The exit code is 0 even when rows were skipped: a malformed row is
reported, never fatal.
"""

import argparse
import resource
import sys

from .. import migrations
from ..db import make_engine
from ..domain.types import utcnow
from ..settings import db_url
from .spb import BATCH_APPEALS, ImportReport, import_spb


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", metavar="DIR", help="папка с appeals.csv.gz и events.csv.gz")
    parser.add_argument("--batch-size", type=int, default=BATCH_APPEALS, help="обращений в одной транзакции")
    parser.add_argument("--quiet", action="store_true", help="не показывать ход импорта")
    parser.add_argument("--adopt", action="store_true",
                        help="передать обращения в работу платформы: сроки и таймеры отсчитываются с момента "
                             "импорта (без ключа обращения остаются историей источника и не меняются)")


def run(args: argparse.Namespace) -> int:
    url = db_url()
    engine = make_engine(url)
    try:
        migrations.upgrade(url)
        print(f"import-spb: {args.folder} → {engine.url.render_as_string(hide_password=True)}", file=sys.stderr)
        try:
            report = import_spb(engine, args.folder, batch_size=args.batch_size,
                                progress=None if args.quiet else _show_progress,
                                adopt_at=utcnow() if args.adopt else None)
        except FileNotFoundError as error:
            print(f"import-spb: {error}", file=sys.stderr)
            return 2
    finally:
        engine.dispose()
    for line in report.summary_lines():
        print(line)
    print(f"Пиковая память процесса: {peak_rss_mb():.0f} МБ")
    return 0


def peak_rss_mb() -> float:
    """Peak resident set size of this process (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _show_progress(report: ImportReport) -> None:
    print(f"{report.progress_line()}, пик памяти {peak_rss_mb():.0f} МБ", file=sys.stderr, flush=True)
