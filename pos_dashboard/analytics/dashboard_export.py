"""The dashboard's tables as CSV and XLSX files: every row of the table, the numbers as the page
shows them (shares in percent, hours and ratings to one decimal)."""

import csv
import io
from collections.abc import Iterator
from datetime import datetime, timedelta

import pandas as pd
from openpyxl import Workbook
from sqlmodel import Session

from ..services.actors import Actor
from ..services.errors import ValidationFailed
from . import kpi
from .dashboard import SHARES, TABLE_KPIS, grouped, rounded, sort_page
from .dashboard_filter import DashboardFilter, period_bounds, period_label

FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
GROUP_TITLES = {"organisation": "Организация", "territory": "Территория", "category": "Категория"}
FILE_NAMES = {"organisation": "organizations", "territory": "territories", "category": "categories"}
CSV_CHUNK_ROWS = 500
BYTE_CHUNK = 64 * 1024


def header() -> list[str]:
    return [kpi.KPI_DEFINITIONS[name].label_ru + (", %" if name in SHARES else "") for name in TABLE_KPIS]


def export_rows(table: pd.DataFrame) -> list[list]:
    return [[record["group"], *(rounded(name, record[name]) for name in TABLE_KPIS)]
            for record in table.to_dict("records")]


def export_name(flt: DashboardFilter, group_by: str, fmt: str, now: datetime) -> str:
    if group_by not in GROUP_TITLES or fmt not in FORMATS:
        raise ValidationFailed("Неизвестная таблица или формат выгрузки")
    since, until = period_bounds(flt, now)
    return f"kpi_{FILE_NAMES[group_by]}_{since:%Y%m%d}_{until - timedelta(days=1):%Y%m%d}.{fmt}"


def export_chunks(session: Session, flt: DashboardFilter, group_by: str, fmt: str, *, actor: Actor, now: datetime,
                  sort: str = "group", descending: bool = False) -> tuple[str, Iterator[bytes], str]:
    """(file name, the content in pieces, MIME type) of one table under the filter, sorted as on the
    page. The numbers are read here; the pieces are encoded as they are taken (CSV: a few hundred
    rows each), without the database."""
    name = export_name(flt, group_by, fmt, now)
    table = grouped(session, flt, group_by, actor=actor, now=now)
    table, _ = sort_page(table, sort, descending, 0, max(1, len(table)))
    since, until = period_bounds(flt, now)
    title = [f"{GROUP_TITLES[group_by]}", *header()]
    rows = export_rows(table)
    if fmt == "csv":
        return name, _csv_chunks(title, rows), FORMATS[fmt]
    return name, _xlsx_chunks(title, rows, GROUP_TITLES[group_by], period_label(since, until)), FORMATS[fmt]


def _csv_text(rows: list[list]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(
        [[("" if v is None else str(v).replace(".", ",") if isinstance(v, float) else v) for v in row] for row in rows])
    return buffer.getvalue()


def _csv_chunks(title: list[str], rows: list[list]) -> Iterator[bytes]:
    yield ("\ufeff" + _csv_text([title])).encode("utf-8")
    for start in range(0, len(rows), CSV_CHUNK_ROWS):
        yield _csv_text(rows[start:start + CSV_CHUNK_ROWS]).encode("utf-8")


def _xlsx_chunks(title: list[str], rows: list[list], sheet_title: str, period: str) -> Iterator[bytes]:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title)
    sheet.append([f"Период: {period}"])
    sheet.append(title)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)  # a zip: written whole, then sent in pieces
    data = buffer.getvalue()
    for start in range(0, len(data), BYTE_CHUNK):
        yield data[start:start + BYTE_CHUNK]


def export_table(session: Session, flt: DashboardFilter, group_by: str, fmt: str, *, actor: Actor, now: datetime,
                 sort: str = "group", descending: bool = False) -> tuple[str, bytes, str]:
    """(file name, content, MIME type) of one table under the filter, sorted as on the page."""
    name, chunks, mime = export_chunks(session, flt, group_by, fmt, actor=actor, now=now, sort=sort,
                                       descending=descending)
    return name, b"".join(chunks), mime
