"""A table (header + rows of plain values) as a CSV or an XLSX file, built in memory.

CSV is written for a Russian spreadsheet: UTF-8 with a byte-order mark, «;» between fields and a
decimal comma; XLSX keeps numbers as numbers."""

import csv
import io

from openpyxl import Workbook

FORMATS = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
SHEET_TITLE_MAX = 31  # Excel's limit


def _csv_value(value) -> str:
    if isinstance(value, float):
        return str(value).replace(".", ",")
    return "" if value is None else str(value)


def csv_bytes(header: list[str], rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_csv_value(v) for v in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


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
