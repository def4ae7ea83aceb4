"""Import of «Наш Санкт-Петербург» (../shared/data/spb_our_city) into our tables.

`import_spb(engine, folder)` streams both files in appeal-id order (spb_source), checks and maps
each appeal with its timeline (spb_mapping) and writes appeals in batches with Core bulk inserts,
one transaction per batch. A malformed appeal is rejected before anything of it is written and
counted in the report with its reason. Appeals already present (same external_ref) are left as they
are, so a second run adds nothing. Imported appeals are history (`source_history`): the platform's
timers and workflow never act on them. With `adopt_at` they are handed to the platform instead
(`import-spb --adopt`), together with history rows of an earlier import: open appeals get a fresh
execution deadline counted from adoption, and the timers count from `adopted_at`. Territories, categories and organisations are created on first
sight, each in its own small transaction, before the batch that needs them.

Faults are told apart (issue 11). A fault of the *files* (not gzip, truncated, empty, required
columns missing) raises `SourceError` before any row is written. A fault of a *row* (any field
that does not parse, bytes that are not UTF-8, a time outside the sane window, a text over the
platform's limits, a value the database refuses as data) skips that appeal with its id, line and
reason. A fault of the *database* (unreachable, full, read-only, connections cut) is retried a few
times with a pause and then raises `ImportAborted`: nothing of the current batch is written, and
a rerun resumes where this run stopped (appeals already present are recognised by their
external_ref and left alone; the KPI rollups are rebuilt when they miss appeals).
"""

import functools
import json
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Engine

from ..db import refresh_statistics
from ..domain.enums import FINAL_STATUSES, Status
from ..domain.kpi_measures import kpi_fact
from ..domain.models import Answer, Appeal, AppealEvent
from ..domain.search_words import document_words, folded_address
from ..services import kpi_rollups, queue_counters, search_terms
from . import spb_mapping as mapping, spb_rules
from .spb_references import References
from .spb_faults import (DATA_ERRORS, RETRY_DELAYS_S, ImportAborted, Skipped, clip,  # noqa: F401 (re-exported)
                         prepare_row, retrying)
from .spb_source import APPEALS_FILE, EVENTS_FILE, LINE, SourceError, appeals_with_events, scan, source_key

BATCH_APPEALS = 1000
SETTLED_CODES = {status.value for status in (*FINAL_STATUSES, Status.ANSWERED)}
EXAMPLES_PER_REASON = 5


@dataclass
class ImportReport:
    total_appeals: int = 0  # rows in appeals.csv.gz (first pass)
    appeals_read: int = 0
    imported: int = 0
    already_present: int = 0
    adopted: int = 0  # appeals handed over to the platform (new or present as history)
    events: int = 0
    answers: int = 0
    skipped: Counter = field(default_factory=Counter)  # reason → skipped appeals
    examples: dict[str, list] = field(default_factory=dict)  # reason → a few source ids
    orphan_event_rows: int = 0  # event rows whose appeal is not in appeals.csv.gz
    orphan_examples: list = field(default_factory=list)
    retries: int = 0  # attempts repeated after a database failure
    started: float = field(default_factory=time.monotonic)
    on_skip: Callable[[Skipped], None] | None = None  # told of every skipped appeal (the CLI prints it)

    def skip(self, reason: str, source_id, line: int | None = None, detail: str = "") -> None:
        self.skipped[reason] += 1
        examples = self.examples.setdefault(reason, [])
        if len(examples) < EXAMPLES_PER_REASON:
            examples.append(source_id)
        if self.on_skip:
            self.on_skip(Skipped(source_id, line, reason, clip(detail)))

    def skip_orphan_events(self, rows: list[dict]) -> None:
        self.orphan_event_rows += len(rows)
        if len(self.orphan_examples) < EXAMPLES_PER_REASON:
            self.orphan_examples.append(rows[0].get("appeal_id"))

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def progress_line(self) -> str:
        share = f" ({100 * self.appeals_read / self.total_appeals:.0f}%)" if self.total_appeals else ""
        return (f"import-spb: {self.appeals_read}/{self.total_appeals}{share} прочитано, "
                f"{self.imported} импортировано, {self.already_present} уже было, "
                f"{sum(self.skipped.values())} пропущено, {self.elapsed:.1f} с")

    def summary_lines(self) -> list[str]:
        lines = [f"Обращений в файле: {self.total_appeals}; прочитано: {self.appeals_read}",
                 f"Импортировано обращений: {self.imported} (событий: {self.events}, ответов: {self.answers})",
                 f"Уже были в базе: {self.already_present}",
                 f"Передано в работу платформы (--adopt): {self.adopted}",
                 f"Пропущено обращений: {sum(self.skipped.values())}"]
        for reason, count in self.skipped.most_common():
            lines.append(f"  {reason}: {count} (например: {', '.join(map(str, self.examples[reason]))})")
        lines.append(f"Пропущено строк событий без обращения в {APPEALS_FILE}: {self.orphan_event_rows}"
                     + (f" (например: {', '.join(map(str, self.orphan_examples))})" if self.orphan_examples else ""))
        if self.retries:
            lines.append(f"Повторных попыток после сбоя базы данных: {self.retries}")
        lines.append(f"Время: {self.elapsed:.1f} с")
        return lines


def import_spb(engine: Engine, folder: str, *, batch_size: int = BATCH_APPEALS,
               progress: Callable[[ImportReport], None] | None = None, progress_every: int = 5000,
               adopt_at: datetime | None = None, on_skip: Callable[[Skipped], None] | None = None,
               retry_delays: tuple[float, ...] = RETRY_DELAYS_S) -> ImportReport:
    """Import the folder into the database of `engine` (the schema must exist). Never raises for a
    malformed row: it is skipped and counted in the returned report. Raises SourceError when a file
    cannot be read (before anything is written) and ImportAborted when the database fails past the
    retries. Without `adopt_at` the appeals are history; with it they are handed over to the
    platform at that moment."""
    if batch_size < 1:
        raise ValueError("batch_size must be positive")
    for name in (APPEALS_FILE, EVENTS_FILE):
        if not os.path.isfile(os.path.join(folder, name)):
            raise SourceError(f"в папке {folder} нет файла {name}")
    appeals_scan = scan(os.path.join(folder, APPEALS_FILE), "id")
    events_scan = scan(os.path.join(folder, EVENTS_FILE), "appeal_id")
    report = ImportReport(total_appeals=appeals_scan.rows, on_skip=on_skip)
    retry = functools.partial(retrying, report, retry_delays)
    refs = retry(lambda: References(engine), "чтение справочников")
    batch, lines, last_key = [], {}, None
    for row, events in appeals_with_events(folder, appeals_scan, events_scan):
        if row is None:
            report.skip_orphan_events(events)
            continue
        report.appeals_read += 1
        key, line = source_key(row.get("id")), row.get(LINE)
        if key is not None and key == last_key:
            report.skip("duplicate id", key, line)
            continue
        last_key = key
        prepared = prepare_row(report, row, events)
        if prepared is not None:
            batch.append(prepared)
            lines[prepared.source_id] = line
        if len(batch) >= batch_size:
            write_batch(engine, refs, batch, report, adopt_at, lines=lines, retry_delays=retry_delays)
            batch, lines = [], {}
        if progress and report.appeals_read % progress_every == 0:
            progress(report)
    if batch:
        write_batch(engine, refs, batch, report, adopt_at, lines=lines, retry_delays=retry_delays)
    retry(lambda: _after_writing(engine, report), "пересчёт сроков источника и сводных таблиц KPI")
    if progress:
        progress(report)
    return report


def _after_writing(engine: Engine, report: ImportReport) -> None:
    """Infer the source's deadline rules and its «data as of» moment, then rebuild the KPI rollups,
    when this run changed appeals, or when an earlier run was stopped (kill -9, database gone) after
    writing appeals but before this step: one fact per appeal."""
    if not (report.imported or report.adopted):
        with engine.connect() as conn:
            appeals = conn.execute(select(func.count()).select_from(Appeal.__table__)).scalar_one()
            facts = conn.execute(select(func.count()).select_from(kpi_fact)).scalar_one()
        if appeals == facts:
            return
    spb_rules.after_import(engine)
    with engine.begin() as conn:
        kpi_rollups.rebuild(conn)
    refresh_statistics(engine, ["appeal", "appealevent", "answer", "queuetally"])


def write_batch(engine: Engine, refs: References, batch: list[mapping.PreparedAppeal], report: ImportReport,
                adopt_at: datetime | None = None, *, lines: dict | None = None,
                retry_delays: tuple[float, ...] = RETRY_DELAYS_S) -> None:
    """Write a batch in one transaction. If the database refuses a value (IntegrityError, DataError),
    retry appeal by appeal so that only the offending appeals are skipped (each still all-or-nothing).
    If the database itself fails, retry the batch after a pause, then raise ImportAborted."""

    def write():
        refs.ensure(batch)
        with engine.begin() as conn:
            imported, present, events, answers = _insert_new(conn, refs, batch, adopt_at)
            adopted = imported + _adopt_present(conn, batch, adopt_at) if adopt_at else 0
        return imported, present, events, answers, adopted

    try:
        counts = retrying(report, retry_delays, write, f"запись обращений, начиная с {batch[0].source_id}")
    except DATA_ERRORS as error:
        if len(batch) > 1:
            for prepared in batch:
                write_batch(engine, refs, [prepared], report, adopt_at, lines=lines, retry_delays=retry_delays)
        else:
            original = getattr(error, "orig", None) or error
            report.skip(f"refused by the database ({type(original).__name__})", batch[0].source_id,
                        (lines or {}).get(batch[0].source_id), str(original))
        return
    imported, present, events, answers, adopted = counts
    report.imported += imported
    report.already_present += present
    report.events += events
    report.answers += answers
    report.adopted += adopted


def _insert_new(conn, refs: References, batch: list[mapping.PreparedAppeal],
                adopt_at: datetime | None) -> tuple[int, int, int, int]:
    appeal_table = Appeal.__table__
    wanted = [p.appeal["external_ref"] for p in batch]
    present = set(conn.execute(select(appeal_table.c.external_ref)
                               .where(appeal_table.c.external_ref.in_(wanted))).scalars())
    fresh = [p for p in batch if p.appeal["external_ref"] not in present]
    if not fresh:
        return 0, len(present), 0, 0
    rows = [{**p.appeal, "territory_id": refs.territory_id(p), "category_id": refs.category_id(p),
             "organization_id": refs.organization_id(p.organization),
             "top_category_id": refs.top_category_id(p), "top_territory_id": refs.top_territory_id(p),
             "source_history": adopt_at is None, "adopted_at": adopt_at,
             "search_words": document_words(p.appeal["text"]),
             "search_address": folded_address(p.appeal.get("address")),
             "deadline_at": adopted_deadline(p.appeal, adopt_at)} for p in fresh]
    inserted = conn.execute(insert(appeal_table).returning(appeal_table.c.external_ref, appeal_table.c.id), rows)
    queue_counters.add_rows(conn, [tuple(row[column] for column in queue_counters.KEY_COLUMNS) for row in rows])
    search_terms.add_rows(conn, [(row["status"], row["search_words"], row["search_address"], row["top_category_id"],
                                  row["top_territory_id"]) for row in rows])
    appeal_ids = dict(inserted.all())
    events, answers = [], []
    for p in fresh:
        appeal_id = appeal_ids[p.appeal["external_ref"]]
        events += [{**e, "appeal_id": appeal_id, "payload": _payload_json(refs, e["payload"])} for e in p.events]
        answers += [{key: value for key, value in a.items() if key != "organization"}
                    | {"appeal_id": appeal_id, "organization_id": refs.organization_id(a["organization"])}
                    for a in p.answers]
    if events:
        conn.execute(insert(AppealEvent.__table__), events)
    if answers:
        conn.execute(insert(Answer.__table__), answers)
    return len(fresh), len(present), len(events), len(answers)


def adopted_deadline(appeal: dict, adopt_at: datetime | None) -> datetime | None:
    """The execution deadline of an appeal handed over at `adopt_at`: while it is still being worked,
    a deadline the source had already passed starts again from adoption, with the term the source
    gave it (deadline − created). Answered and final appeals keep theirs (their on-time share is history)."""
    deadline, created = appeal["deadline_at"], appeal["created_at"]
    if adopt_at is None or deadline is None or deadline >= adopt_at or appeal["status"] in SETTLED_CODES:
        return deadline
    return adopt_at + max(deadline - created, timedelta(0))


def _adopt_present(conn, batch: list[mapping.PreparedAppeal], adopt_at: datetime) -> int:
    """Hand over appeals that an earlier import left as history (as `_insert_new` does for new ones)."""
    table = Appeal.__table__
    wanted = [p.appeal["external_ref"] for p in batch]
    columns = ("deadline_at", "created_at", "status")
    rows = conn.execute(select(table.c.id, *(table.c[name] for name in columns))
                        .where(table.c.external_ref.in_(wanted), table.c.source_history.is_(True))).all()
    for row in rows:
        deadline = adopted_deadline({name: getattr(row, name) for name in columns}, adopt_at)
        conn.execute(update(table).where(table.c.id == row.id, table.c.source_history.is_(True))
                     .values(source_history=False, adopted_at=adopt_at, deadline_at=deadline))
    return len(rows)


def _payload_json(refs: References, payload: dict) -> str:
    """The event's payload as JSON; a route names the organisations it moved the appeal between."""
    payload = dict(payload)
    for id_key, name_keys in (("from_organization_id", mapping.ROUTE_FROM), ("to_organization_id", mapping.ROUTE_TO)):
        name = next((payload[k] for k in name_keys if payload.get(k)), None)
        if name:
            payload[id_key] = refs.organization_id(name)
    return json.dumps(payload, ensure_ascii=False)

