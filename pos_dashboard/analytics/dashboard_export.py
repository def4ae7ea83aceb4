"""The dashboard's tables as CSV and XLSX files: every row of the table, the numbers as the page
shows them (shares in percent, hours and ratings to one decimal)."""

import csv
import io
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


def header() -> list[str]:
    return [kpi.KPI_DEFINITIONS[name].label_ru + (", %" if name in SHARES else "") for name in TABLE_KPIS]


def export_rows(table: pd.DataFrame) -> list[list]:
    return [[record["group"], *(rounded(name, record[name]) for name in TABLE_KPIS)]
            for record in table.to_dict("records")]


def export_table(session: Session, flt: DashboardFilter, group_by: str, fmt: str, *, actor: Actor, now: datetime,
                 sort: str = "group", descending: bool = False) -> tuple[str, bytes, str]:
    """(file name, content, MIME type) of one table under the filter, sorted as on the page."""
    if group_by not in GROUP_TITLES or fmt not in FORMATS:
        raise ValidationFailed("Неизвестная таблица или формат выгрузки")
    table = grouped(session, flt, group_by, actor=actor, now=now)
    table, _ = sort_page(table, sort, descending, 0, max(1, len(table)))
    since, until = period_bounds(flt, now)
    title = [f"{GROUP_TITLES[group_by]}", *header()]
    rows = export_rows(table)
    name = f"kpi_{FILE_NAMES[group_by]}_{since:%Y%m%d}_{until - timedelta(days=1):%Y%m%d}.{fmt}"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";")
        writer.writerow(title)
        writer.writerows([[("" if v is None else str(v).replace(".", ",") if isinstance(v, float) else v) for v in row]
                          for row in rows])
        return name, ("\ufeff" + buffer.getvalue()).encode("utf-8"), FORMATS[fmt]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(GROUP_TITLES[group_by])
    sheet.append([f"Период: {period_label(since, until)}"])
    sheet.append(title)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return name, buffer.getvalue(), FORMATS[fmt]
