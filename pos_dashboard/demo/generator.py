"""The demo region, generated deterministically: the same options give the same rows.

`generate` is pure (no database): it yields batches of (table, rows) in an order that respects
the foreign keys. `load_demo` writes them into a database, one transaction per batch. The named
`admin` account comes in the last batch, so its presence marks a complete load.
"""

import os
import queue
import sys
import threading
import time
from collections import Counter
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy.engine import Engine

from ..domain.deadlines import RegionCalendar
from ..services import kpi_rollups
from ..settings import region_tz
from . import writer
from .accounts import demo_accounts, demo_password_hash
from .appeals import AppealGenerator
from .clock import DemoClock
from .attachments import write_demo_files
from .notifications import write_history
from .participation import build_participation
from .reference import TABLES, build_reference
from .templates import write_templates

MARKER_LOGIN = "admin"
Batch = list[tuple[str, list]]


@dataclass(frozen=True)
class DemoOptions:
    appeals: int = 20_000
    seed: int = 42
    now: datetime | None = None  # default: the current hour
    history_days: int = 730
    chunk_size: int = 20_000


@dataclass
class LoadResult:
    status: str  # "created" | "exists" | "partial" | "conflict"
    counts: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    message: str = ""


def current_hour() -> datetime:
    return datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)


def generate(options: DemoOptions, first_ids: dict[str, int] | None = None):
    """Batches of rows of the whole demo region, ids starting at `first_ids` (table → id).
    Rows of the big tables (writer.BIG_TABLES) carry times as epoch seconds; the others carry
    aware datetimes."""
    now = (options.now or current_hour()).astimezone(timezone.utc)
    ref = build_reference(options.seed, now, options.appeals, demo_password_hash(options.seed), first_ids)
    users = [row for row in ref.users if row[1] != MARKER_LOGIN]
    marker = [row for row in ref.users if row[1] == MARKER_LOGIN]
    yield [("territory", ref.territories), ("organization", ref.organizations.rows),
           ("category", ref.categories.rows), ("routingrule", ref.routing_rules), ("app_user", users)]
    calendar = RegionCalendar(region_tz())
    today = calendar.local_date(now)
    clock = DemoClock(calendar, today - timedelta(days=options.history_days + 5), today + timedelta(days=400))
    appeals = AppealGenerator(ref, clock, options.seed, int(now.timestamp()), options.appeals, options.history_days)
    for chunk in appeals.chunks(options.chunk_size):
        yield [("appeal", chunk.appeals), ("appealevent", chunk.events), ("answer", chunk.answers),
               ("rating", chunk.ratings), ("dispute", chunk.disputes)]
    yield list(build_participation(ref, options.seed, now).items())
    yield [("app_user", marker)]


def load_demo(engine: Engine, options: DemoOptions, progress=sys.stderr) -> LoadResult:
    """Write the demo region into a migrated database (see `python -m pos_dashboard demo`)."""
    started = time.perf_counter()
    state = writer.demo_state(engine, MARKER_LOGIN)
    if state == "complete":
        return LoadResult("exists", message="Демонстрационный регион уже загружен")
    if state == "partial":
        return LoadResult("partial", message="Демонстрационный регион загружен не полностью: запустите с --reset")
    taken = writer.existing_logins(engine, [account.login for account in demo_accounts()])
    if taken:
        return LoadResult("conflict", message=f"Логины уже заняты: {', '.join(taken)}; запустите с --reset")
    result = LoadResult("created")
    defer = writer.tables_are_empty(engine, writer.BIG_TABLES)
    first_ids = writer.first_free_ids(engine, TABLES)
    meter = _Progress(options.appeals, progress)

    def write_batch(batch: Batch) -> None:
        with engine.begin() as conn:
            writer.prepare_connection(conn)
            bulk = writer.BulkWriter(conn)
            for table_name, rows in batch:
                if table_name in writer.BIG_TABLES:
                    bulk.write_epoch(table_name, rows)
                else:
                    bulk.write(table_name, rows)
                result.counts[table_name] += len(rows)
        meter.update(result.counts)

    with (writer.indexes_deferred(engine, writer.BIG_TABLES) if defer else nullcontext()), \
            (writer.foreign_keys_deferred(engine, writer.BIG_TABLES) if defer else nullcontext()):
        write_in_background(generate(options, first_ids), write_batch)
        if progress:
            print("building indexes and checking foreign keys …", file=progress, flush=True)
    writer.finish(engine, list(TABLES))
    with engine.begin() as conn:
        kpi_rollups.rebuild(conn)
    result.counts["notification"] = write_history(engine, (options.now or current_hour()).astimezone(timezone.utc))
    result.counts["attachment"] = write_demo_files(engine, options.seed)
    result.counts["answertemplate"] = write_templates(engine, (options.now or current_hour()).astimezone(timezone.utc))
    engine.dispose()  # no pooled connection keeps the bulk-load settings
    result.seconds = time.perf_counter() - started
    return result


def write_in_background(batches, write_batch, depth: int = 2) -> None:
    """Write each batch in a second thread while this one generates the next, so the database's
    work (and SQLite's, which runs without the GIL) overlaps with generation. Batches are written
    in order; an error on either side stops both and is raised here."""
    pending: queue.Queue = queue.Queue(maxsize=depth)
    failures: list[BaseException] = []

    def work() -> None:
        while (batch := pending.get()) is not None:
            if not failures:  # after a failure, only drain the queue
                try:
                    write_batch(batch)
                except BaseException as exc:  # noqa: BLE001 (re-raised in the generating thread)
                    failures.append(exc)

    thread = threading.Thread(target=work, name="demo-writer", daemon=True)
    thread.start()
    try:
        for batch in batches:
            if failures:
                break
            pending.put(batch)
    finally:
        pending.put(None)
        thread.join()
    if failures:
        raise failures[0]


class _Progress:
    def __init__(self, total_appeals: int, stream):
        self.total, self.stream, self.started = total_appeals, stream, time.perf_counter()

    def update(self, counts: Counter) -> None:
        if self.stream is None:
            return
        rows, seconds = sum(counts.values()), time.perf_counter() - self.started
        print(f"appeals {counts['appeal']:>9,}/{self.total:,}  rows {rows:>11,}  "
              f"{rows / max(seconds, 1e-9):>9,.0f} rows/s  {seconds:6.1f} s  {_rss_mib()}",
              file=self.stream, flush=True)


def _rss_mib() -> str:
    """Resident memory of this process (Linux), to show that it stays flat."""
    try:
        with open("/proc/self/statm") as statm:
            return f"RSS {int(statm.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') // 2**20} MiB"
    except OSError:
        return ""
