"""Reading the «Наш Санкт-Петербург» folder as a stream, in appeal-id order, with flat memory.

appeals.csv.gz (one row per appeal) and events.csv.gz (the timelines) are both read in chunks.
The published files are sorted by appeal id (checked by a first pass over the id columns, which
also counts the rows for the progress line), so the two are walked in step like a merge join.
A file that is not sorted is first copied into a temporary SQLite file and read back in key
order: memory stays flat either way.
"""

import itertools
import json
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

APPEALS_FILE = "appeals.csv.gz"
EVENTS_FILE = "events.csv.gz"
CHUNK_ROWS = 5000


@dataclass(frozen=True)
class FileScan:
    rows: int
    in_key_order: bool


def read_rows(path: str, chunk_rows: int = CHUNK_ROWS, columns: list[str] | None = None) -> Iterator[dict]:
    """Rows as dicts of strings ("" means no value), read chunk by chunk."""
    with pd.read_csv(path, dtype=str, keep_default_na=False, chunksize=chunk_rows, usecols=columns) as reader:
        for chunk in reader:
            yield from chunk.to_dict("records")


def source_key(value) -> int | None:
    """The appeal id as an integer, or None when it is not one (such rows are reported, not merged)."""
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def scan(path: str, key_column: str) -> FileScan:
    """Count the rows and check that the keys never decrease (rows with a non-numeric key are ignored)."""
    rows, last, ordered = 0, None, True
    with pd.read_csv(path, dtype=str, keep_default_na=False, chunksize=100_000, usecols=[key_column]) as reader:
        for chunk in reader:
            rows += len(chunk)
            keys = pd.to_numeric(chunk[key_column], errors="coerce").dropna()
            if keys.empty:
                continue
            if (last is not None and keys.iloc[0] < last) or not keys.is_monotonic_increasing:
                ordered = False
            last = keys.iloc[-1]
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


def _batches(rows: Iterator[dict], size: int) -> Iterator[list[dict]]:
    while batch := list(itertools.islice(rows, size)):
        yield batch
