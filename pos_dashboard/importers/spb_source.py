"""Reading the «Наш Санкт-Петербург» folder as a stream, in appeal-id order, with flat memory.

appeals.csv.gz (one row per appeal) and events.csv.gz (the timelines) are read row by row with the
csv module (quoted fields may span lines). A first pass over each file checks what would otherwise
stop the import half-way: the gzip stream is whole, the header has the required columns, the CSV is
well formed; it also counts the rows (for the progress line) and checks that the keys never
decrease. Such a file fault raises `SourceError` (one Russian sentence) before any row is written.
A sorted pair of files is walked in step like a merge join; a file that is not sorted is first
copied into a temporary SQLite file and read back in key order: memory stays flat either way.

Row faults are not file faults: each row carries the physical line it starts at (`LINE`), and a
row with bytes that are not UTF-8 (`BAD_ENCODING`, the bytes replaced by U+FFFD) or with the wrong
number of fields (`BAD_SHAPE`) is marked, so that the importer skips its appeal and names it.
"""

import csv
import gzip
import io
import itertools
import json
import os
import sqlite3
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

APPEALS_FILE = "appeals.csv.gz"
EVENTS_FILE = "events.csv.gz"
CHUNK_ROWS = 5000
FIELD_MAX = 64 * 1024 * 1024  # characters of one field the reader accepts (longer texts are refused by limits)

# Columns the mapping reads: a file without one of them is refused before any row.
APPEAL_COLUMNS = ("id", "district", "municipality", "full_address", "latitude", "longitude", "city_object",
                  "category_id", "category_name", "reason_id", "reason_name", "created_at", "text",
                  "first_answer_at", "final_answer_at", "final_answer_author", "final_answer_text",
                  "executor_organization", "controller_organization", "coordinator_organization",
                  "final_status", "expected_answer_dt")
EVENT_COLUMNS = ("appeal_id", "dt", "event", "status_name", "detail")
REQUIRED = {APPEALS_FILE: APPEAL_COLUMNS, EVENTS_FILE: EVENT_COLUMNS}

# Marks the reader adds to a row (never source column names: they start with an underscore).
LINE = "_line"
BAD_ENCODING = "_bad_encoding"
BAD_SHAPE = "_bad_shape"

csv.field_size_limit(FIELD_MAX)


class SourceError(Exception):
    """A source file cannot be read at all (missing, empty, not gzip, truncated, columns missing)."""


@dataclass(frozen=True)
class FileScan:
    rows: int
    in_key_order: bool


def _open_text(path: str) -> io.TextIOBase:
    raw = open(path, "rb")  # noqa: SIM115  (closed with the wrapper)
    stream = gzip.GzipFile(fileobj=raw) if path.endswith(".gz") else raw
    return io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")


def read_rows(path: str, required: tuple[str, ...] | None = None) -> Iterator[dict]:
    """Rows as dicts of strings ("" means no value) plus the marks above. File faults raise
    SourceError with the file's name and the line reached."""
    name = os.path.basename(path)
    required = REQUIRED.get(name, ()) if required is None else required
    line = 0
    try:
        if os.path.getsize(path) == 0:
            raise SourceError(f"{name}: файл пуст")
        with _open_text(path) as text:
            reader = csv.reader(text)
            header = next(reader, None)
            if not header:
                raise SourceError(f"{name}: файл пуст (нет даже строки заголовка)")
            header = [column.strip() for column in header]
            missing = [column for column in required if column not in header]
            if missing:
                raise SourceError(f"{name}: нет обязательных столбцов: {', '.join(missing)}")
            line = reader.line_num
            for fields in reader:
                start, line = line + 1, reader.line_num
                if not fields:
                    continue  # a blank line
                yield _row(header, fields, start)
    except SourceError:
        raise
    except (gzip.BadGzipFile, zlib.error) as error:
        raise SourceError(f"{name}: не архив gzip или архив повреждён (строка {line + 1}: {error})") from None
    except EOFError:
        raise SourceError(f"{name}: архив обрезан — файл кончается на строке {line + 1}; "
                          "скачайте или скопируйте его заново") from None
    except csv.Error as error:
        raise SourceError(f"{name}, строка {line + 1}: нарушен формат CSV ({error})") from None
    except OSError as error:
        raise SourceError(f"{name}: не удаётся прочитать файл ({error.strerror or error})") from None


def _row(header: list[str], fields: list[str], line: int) -> dict:
    row = {LINE: line}
    if len(fields) != len(header):
        row[BAD_SHAPE] = f"полей {len(fields)} вместо {len(header)}"
        fields = (fields + [""] * len(header))[:len(header)]
    try:
        "".join(fields).encode("utf-8")
    except UnicodeEncodeError:  # surrogate escapes: the bytes were not UTF-8
        row[BAD_ENCODING] = True
        fields = [f.encode("utf-8", "surrogateescape").decode("utf-8", "replace") for f in fields]
    row.update(zip(header, fields))
    return row


def source_key(value) -> int | None:
    """The appeal id as an integer, or None when it is not one (such rows are reported, not merged)."""
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def scan(path: str, key_column: str) -> FileScan:
    """Read the whole file once: file faults raise SourceError here, before any row is imported.
    Counts the rows and checks that the keys never decrease (rows without a numeric key are ignored)."""
    rows, last, ordered = 0, None, True
    for row in read_rows(path):
        rows += 1
        key = source_key(row.get(key_column))
        if key is None:
            continue
        if last is not None and key < last:
            ordered = False
        last = key
    if rows == 0 and os.path.basename(path) == APPEALS_FILE:
        raise SourceError(f"{os.path.basename(path)}: в файле нет ни одного обращения (только заголовок)")
    return FileScan(rows=rows, in_key_order=ordered)


def rows_in_key_order(path: str, key_column: str, in_key_order: bool) -> Iterator[dict]:
    if in_key_order:
        yield from read_rows(path)
        return
    with tempfile.TemporaryDirectory(prefix="spb-sort-") as folder:
        db = sqlite3.connect(os.path.join(folder, "sort.db"))
        try:
            db.execute("CREATE TABLE row (key INTEGER, seq INTEGER, data TEXT)")
            for seq, batch in enumerate(_batches(read_rows(path), CHUNK_ROWS)):
                db.executemany("INSERT INTO row VALUES (?, ?, ?)", [
                    (source_key(r[key_column]), seq * CHUNK_ROWS + i, json.dumps(r, ensure_ascii=False))
                    for i, r in enumerate(batch)])
            db.commit()
            for (data,) in db.execute("SELECT data FROM row ORDER BY key, seq"):
                yield json.loads(data)
        finally:
            db.close()


def appeals_with_events(folder: str, appeals_scan: FileScan, events_scan: FileScan
                        ) -> Iterator[tuple[dict | None, list[dict]]]:
    """(appeal row, its event rows) in id order; (None, rows) for events whose appeal is not in the file."""
    appeals = rows_in_key_order(os.path.join(folder, APPEALS_FILE), "id", appeals_scan.in_key_order)
    event_rows = rows_in_key_order(os.path.join(folder, EVENTS_FILE), "appeal_id", events_scan.in_key_order)
    groups = ((source_key(k), list(g)) for k, g in itertools.groupby(event_rows, key=lambda r: r["appeal_id"]))
    group = next(groups, None)
    for row in appeals:
        key = source_key(row.get("id"))
        if key is None:
            yield row, []
            continue
        while group is not None and (group[0] is None or group[0] < key):
            yield None, group[1]
            group = next(groups, None)
        if group is not None and group[0] == key:
            yield row, group[1]
            group = next(groups, None)
        else:
            yield row, []
    while group is not None:
        yield None, group[1]
        group = next(groups, None)


def row_problem(row: dict, events: list[dict]) -> tuple[str, str] | None:
    """(reason, detail) when the reader marked the appeal's row or one of its event rows."""
    for file_name, marked in [(APPEALS_FILE, row), *((EVENTS_FILE, e) for e in events)]:
        where = f"{file_name}, строка {marked.get(LINE)}"
        if marked.get(BAD_ENCODING):
            return "not UTF-8", f"{where}: байты не в кодировке UTF-8"
        if marked.get(BAD_SHAPE):
            return "wrong number of fields", f"{where}: {marked[BAD_SHAPE]}"
        if any("\x00" in value for value in marked.values() if isinstance(value, str)):
            return "NUL character", f"{where}: символ NUL в тексте"
    return None


def _batches(rows: Iterator[dict], size: int) -> Iterator[list[dict]]:
    while batch := list(itertools.islice(rows, size)):
        yield batch
