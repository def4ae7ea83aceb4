"""The per-organisation (sortable, one server page), per-territory and per-category tables, each
with its CSV and XLSX export; counts link to the queue filtered to those appeals."""

import reflex as rx

from ..analytics.dashboard import TABLE_KPIS
from ..analytics.dashboard_view import table_headers
from ..states.kpi import KpiState
from ..states.kpi_tables import KpiTablesState

_RECEIVED, _OVERDUE = TABLE_KPIS.index("received"), TABLE_KPIS.index("overdue_now")


def _exports(group_by: str) -> rx.Component:
    # The organisations' table also offers the whole dashboard as a PDF report.
    report = [rx.button(rx.icon("file-text", size=14), "Отчёт PDF (вся панель)", size="1", variant="soft",
                        id="export-report-pdf", on_click=KpiTablesState.export_report)] \
        if group_by == "organisation" else []
    return rx.hstack(*[rx.button(rx.icon("download", size=14), label, size="1", variant="soft",
                                 id=f"export-{group_by}-{fmt}", on_click=KpiTablesState.export(group_by, fmt))
                       for fmt, label in (("csv", "CSV"), ("xlsx", "Excel (XLSX)"))], *report, spacing="2",
                     wrap="wrap")


def _value_cell(row, index: int) -> rx.Component:
    value = row["values"][index]
    if index == _RECEIVED:
        return rx.cond(row["received_href"] != "", rx.link(value, href=row["received_href"], class_name="kpi-received"),
                       rx.text(value))
    if index == _OVERDUE:
        return rx.cond(row["overdue_href"] != "", rx.link(value, href=row["overdue_href"]), rx.text(value))
    return rx.text(value)


def _row(row, row_class: str) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.text(row["group"], size="2"), max_width="320px"),
        *[rx.table.cell(_value_cell(row, i), text_align="right") for i in range(len(TABLE_KPIS))],
        class_name=row_class,
    )


def _header(sortable: bool) -> rx.Component:
    def cell(name: str, label: str, definition: str) -> rx.Component:
        if not sortable:
            return rx.table.column_header_cell(rx.text(label, title=definition, size="1"))
        mark = rx.cond(KpiState.org_sort == name, rx.cond(KpiState.org_desc, " ↓", " ↑"), "")
        return rx.table.column_header_cell(rx.button(
            label, mark, variant="ghost", size="1", title=definition, id=f"org-sort-{name}",
            on_click=KpiTablesState.sort_organisations(name), style={"whiteSpace": "normal", "height": "auto"}))

    return rx.table.header(rx.table.row(cell("group", "Название", "По названию"),
                                        *[cell(h["name"], h["label"], h["definition"]) for h in table_headers()]))


def _table(table_id: str, title: str, group_by: str, rows, row_class: str, sortable: bool = False,
           *footer) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.heading(title, size="3", as_="h2"), rx.spacer(), _exports(group_by), width="100%",
                      align="center", wrap="wrap"),
            rx.box(rx.table.root(_header(sortable), rx.table.body(rx.foreach(rows, lambda r: _row(r, row_class))),
                                 size="1", variant="ghost", id=table_id), overflow_x="auto", width="100%"),
            *footer,
            spacing="2", width="100%",
        ),
        width="100%",
    )


def _pager() -> rx.Component:
    return rx.hstack(
        rx.text("Организаций: ", KpiState.org_total, size="2", id="org-total"),
        rx.spacer(),
        rx.button(rx.icon("chevron-left", size=14), "Назад", size="1", variant="soft", disabled=KpiState.org_page == 0,
                  on_click=KpiTablesState.set_org_page(KpiState.org_page - 1), id="org-prev"),
        rx.text(f"Страница {KpiState.org_page + 1} из {KpiState.org_pages}", size="2"),
        rx.button("Вперёд", rx.icon("chevron-right", size=14), size="1", variant="soft",
                  disabled=KpiState.org_page + 1 >= KpiState.org_pages,
                  on_click=KpiTablesState.set_org_page(KpiState.org_page + 1), id="org-next"),
        width="100%", align="center",
    )


def tables() -> rx.Component:
    return rx.vstack(
        _table("org-table", "По организациям", "organisation", KpiState.org_rows, "org-row", True, _pager()),
        _table("territory-table", "По территориям", "territory", KpiState.territory_rows, "territory-row"),
        _table("category-table", "По категориям", "category", KpiState.category_rows, "category-row"),
        spacing="3", width="100%",
    )
