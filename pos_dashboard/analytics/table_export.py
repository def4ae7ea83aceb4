"""A table (header + rows of plain values) as a CSV or an XLSX file: built in memory for the small
tables of the pages, or streamed from an iterator of rows for the large ones (`stream_chunks`).

CSV is written for a Russian spreadsheet: UTF-8 with a byte-order mark, «;» between fields and a
decimal comma; XLSX keeps numbers as numbers."""

import csv
import io
import itertools
import tempfile
from collections.abc import Iterable, Iterator

from openpyxl import Workbook

FORMATS = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
SHEET_TITLE_MAX = 31  # Excel's limit
CSV_CHUNK_ROWS = 500
BYTE_CHUNK = 64 * 1024


def _csv_value(value) -> str:
    if isinstance(value, float):
        return str(value).replace(".", ",")
    return "" if value is None else str(value)


def _csv_text(rows: list[list]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows([_csv_value(v) for v in row] for row in rows)
    return buffer.getvalue()


def csv_bytes(header: list[str], rows: list[list]) -> bytes:
    return ("\ufeff" + _csv_text([header, *rows])).encode("utf-8")


def xlsx_bytes(header: list[str], rows: list[list], sheet: str) -> bytes:
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet[:SHEET_TITLE_MAX])
    worksheet.append(header)
    for row in rows:
        worksheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_bytes(fmt: str, header: list[str], rows: list[list], sheet: str) -> bytes:
    if fmt == "csv":
        return csv_bytes(header, rows)
    if fmt == "xlsx":
        return xlsx_bytes(header, rows, sheet)
    raise ValueError(f"unknown export format {fmt!r}")


def export_chunks(fmt: str, header: list[str], rows: list[list], sheet: str) -> Iterator[bytes]:
    """The same file in pieces, for a streamed response: CSV a few hundred rows at a time (encoded as
    they are taken), XLSX (a zip, written whole) in 64 KB pieces."""
    if fmt == "csv":
        yield csv_bytes(header, [])
        for start in range(0, len(rows), CSV_CHUNK_ROWS):
            yield _csv_text(rows[start:start + CSV_CHUNK_ROWS]).encode("utf-8")
        return
    data = export_bytes(fmt, header, rows, sheet)
    for start in range(0, len(data), BYTE_CHUNK):
        yield data[start:start + BYTE_CHUNK]


def stream_chunks(fmt: str, header: list[str], rows: Iterable[list], sheet: str) -> Iterator[bytes]:
    """A file of any length with flat memory: CSV encoded a few hundred rows at a time as they are
    read; XLSX through openpyxl's write-only mode (rows go to a temporary file as they come), then
    the zip read back in 64 KB pieces."""
    if fmt == "csv":
        yield csv_bytes(header, [])
        iterator = iter(rows)
        while batch := list(itertools.islice(iterator, CSV_CHUNK_ROWS)):
            yield _csv_text(batch).encode("utf-8")
        return
    if fmt != "xlsx":
        raise ValueError(f"unknown export format {fmt!r}")
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet[:SHEET_TITLE_MAX])
    worksheet.append(header)
    for row in rows:
        worksheet.append(row)
    with tempfile.TemporaryFile() as spool:
        workbook.save(spool)
        spool.seek(0)
        while data := spool.read(BYTE_CHUNK):
            yield data
