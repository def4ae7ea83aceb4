"""`python -m pos_dashboard import-spb DIR`: import «Наш Санкт-Петербург» into REFLEX_DB_URL.

Progress and one line per skipped appeal (its id, line and reason) go to stderr; the summary
(imported, already present, skipped with reasons, time and peak memory) goes to stdout.
Exit codes: 0 every appeal was imported, already present or skipped as a data error; 2 the files
cannot be read (missing, empty, not gzip, truncated, required columns missing: nothing written);
3 the database failed past the retries: what was written stays, and the same command run again
resumes where this one stopped. Other failures are told by the wrapper in __main__.py.
"""

import argparse
import os
import resource
import sys

from .. import migrations
from ..db import make_engine
from ..domain.types import utcnow
from ..cli.errors import DATABASE, USAGE, CommandError
from ..settings import db_url
from .spb import BATCH_APPEALS, RETRY_DELAYS_S, ImportAborted, ImportReport, Skipped, import_spb
from .spb_source import SourceError

BATCH_MAX = 100_000


def retries(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"не целое число: {text!r}") from None
    if not 0 <= value <= 20:
        raise argparse.ArgumentTypeError(f"от 0 до 20, а не {value}")
    return value


def retry_delays(count: int) -> tuple[float, ...]:
    return tuple(float(min(2 ** attempt, 30)) for attempt in range(count))


def batch_size(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"не целое число: {text!r}") from None
    if not 1 <= value <= BATCH_MAX:
        raise argparse.ArgumentTypeError(f"от 1 до {BATCH_MAX} обращений, а не {value}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", metavar="DIR", help="папка с appeals.csv.gz и events.csv.gz")
    parser.add_argument("--batch-size", type=batch_size, default=BATCH_APPEALS, help="обращений в одной транзакции")
    parser.add_argument("--retries", type=retries, default=len(RETRY_DELAYS_S),
                        help="сколько раз повторить запись при сбое базы данных (паузы 1, 2, 4… с, не больше 30 с), "
                             f"прежде чем остановить импорт (по умолчанию {len(RETRY_DELAYS_S)})")
    parser.add_argument("--quiet", action="store_true", help="не показывать ход импорта")
    parser.add_argument("--adopt", action="store_true",
                        help="передать обращения в работу платформы: сроки и таймеры отсчитываются с момента "
                             "импорта (без ключа обращения остаются историей источника и не меняются)")


def run(args: argparse.Namespace) -> int:
    if not os.path.isdir(args.folder):
        raise CommandError(f"нет папки {args.folder}")
    url = db_url()
    engine = make_engine(url)
    try:
        migrations.upgrade(url)
        print(f"import-spb: {args.folder} → {engine.url.render_as_string(hide_password=True)}", file=sys.stderr)
        try:
            report = import_spb(engine, args.folder, batch_size=args.batch_size,
                                progress=None if args.quiet else _show_progress, on_skip=_show_skip,
                                adopt_at=utcnow() if args.adopt else None, retry_delays=retry_delays(args.retries))
        except SourceError as error:
            raise CommandError(f"{error} — ничего не импортировано", USAGE) from None
        except ImportAborted as aborted:
            _print_summary(aborted.report)
            raise CommandError(f"импорт остановлен: {aborted.message}. Записанное сохранено; запустите ту же "
                               "команду снова, когда база данных будет доступна, — импорт продолжится с места "
                               "остановки", DATABASE) from None
    finally:
        engine.dispose()
    _print_summary(report)
    return 0


def _print_summary(report: ImportReport) -> None:
    for line in report.summary_lines():
        print(line)
    print(f"Пиковая память процесса: {peak_rss_mb():.0f} МБ", flush=True)


def _show_skip(skipped: Skipped) -> None:
    print(f"import-spb: {skipped.line_text()}", file=sys.stderr, flush=True)


def peak_rss_mb() -> float:
    """Peak resident set size of this process (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _show_progress(report: ImportReport) -> None:
    print(f"{report.progress_line()}, пик памяти {peak_rss_mb():.0f} МБ", file=sys.stderr, flush=True)
