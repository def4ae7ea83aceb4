"""Pieces of the ratings pages: the formula block (drawn from the one definition in analytics),
the period and type selectors, and the ranking table."""

import reflex as rx

from .. import routes
from ..analytics.kpi import KPI_DEFINITIONS
from ..analytics.ratings import ALL_TYPES, COMPONENTS, FORMULA_RU, HIGHER, LOWER, PERIODS, type_options
from ..states.ratings import RatingsState
from .paging import pager
from .plain_table import cell, plain_table

_BETTER = {HIGHER: "выше", LOWER: "ниже"}


def formula_block() -> rx.Component:
    rows = [rx.el.tr(cell(c.label_ru), cell(c.kpi_label, hint=KPI_DEFINITIONS[c.kpi].definition_ru),
                     cell(f"{round(100 * c.weight)}\u00a0%"), cell(f"лучше, когда {_BETTER[c.better]}"),
                     cell(c.score_ru)) for c in COMPONENTS]
    return rx.card(
        rx.heading("Как считается индекс", size="3", as_="h2", id="formula"),
        rx.text(FORMULA_RU, size="2", margin_y="8px", id="rating-formula"),
        plain_table("Составляющие индекса", ["Показатель", "Исходный KPI", "Вес", "Направление", "Балл 0–1"], rows,
                    "rating-components"),
        width="100%",
    )


def period_select(value, on_change, id_: str) -> rx.Component:
    return rx.el.label(
        rx.text("Период", size="1", color=rx.color("gray", 11)),
        rx.select.root(
            rx.select.trigger(width="215px", id=id_, aria_label="Период"),
            rx.select.content(*[rx.select.item(f"Последние {label}", value=v) for v, label in PERIODS.items()]),
            value=value, on_change=on_change),
        style={"display": "flex", "flexDirection": "column", "gap": "2px"},
    )


def filters() -> rx.Component:
    return rx.flex(
        period_select(RatingsState.period, lambda v: RatingsState.set_filter("period", v), "rating-period"),
        rx.cond(
            RatingsState.narrowed,
            rx.badge("Организации типа «", RatingsState.shown_type, "»", size="2", variant="surface"),
            rx.el.label(
                rx.text("Тип организации", size="1", color=rx.color("gray", 11)),
                rx.select.root(
                    rx.select.trigger(width="260px", id="rating-type", aria_label="Тип организации"),
                    rx.select.content(rx.select.item("Все типы", value=ALL_TYPES),
                                      *[rx.select.item(o["label"], value=o["value"]) for o in type_options()]),
                    value=RatingsState.org_type, on_change=lambda v: RatingsState.set_filter("org_type", v)),
                style={"display": "flex", "flexDirection": "column", "gap": "2px"},
            ),
        ),
        rx.spacer(),
        rx.button(rx.icon("download", size=14), "CSV", variant="soft", on_click=RatingsState.export("csv"),
                  id="rating-export-csv"),
        rx.button(rx.icon("download", size=14), "XLSX", variant="soft", on_click=RatingsState.export("xlsx"),
                  id="rating-export-xlsx"),
        wrap="wrap", spacing="3", align="end", width="100%",
    )


def _sort_header(title: str, key: str) -> rx.Component:
    return rx.table.column_header_cell(rx.button(
        title, rx.cond(RatingsState.sort == key, rx.icon("arrow-down", size=12)),
        variant="ghost", size="1", on_click=RatingsState.set_filter("sort", key), id=f"rating-sort-{key}",
        aria_label=f"Сортировать: {title}"))


def _row(row) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row["rank"], class_name="rating-rank"),
        rx.table.cell(
            rx.cond(row["can_open"], rx.link(row["name"], href=routes.rating_url(row["organization_id"])),
                    rx.text(row["name"])),
            rx.cond(RatingsState.narrowed, rx.fragment(), rx.text(row["org_type"], size="1",
                                                                  color=rx.color("gray", 11))),
            class_name="rating-name", max_width="360px"),
        rx.table.cell(rx.cond(row["rank"] == "—", rx.text(row["index"], size="1", color=rx.color("gray", 11)),
                              rx.text(row["index"], weight="bold")), class_name="rating-index"),
        rx.cond(RatingsState.narrowed, rx.fragment(), rx.table.cell(row["received"], class_name="rating-received")),
        *[rx.cond(RatingsState.narrowed, rx.fragment(), rx.table.cell(row["values"][i], class_name=f"rating-{c.key}"))
          for i, c in enumerate(COMPONENTS)],
        background=rx.cond(row["own"], rx.color("accent", 3), "transparent"),
        class_name="rating-row", custom_attrs={"data-org": row["organization_id"].to(str)},
    )


def table() -> rx.Component:
    return rx.box(rx.table.root(
        rx.table.header(rx.table.row(
            _sort_header("Место в типе", "rank"),
            _sort_header("Организация", "name"),
            rx.table.column_header_cell("Индекс"),
            rx.cond(RatingsState.narrowed, rx.fragment(), _sort_header("Поступило", "received")),
            *[rx.cond(RatingsState.narrowed, rx.fragment(), rx.table.column_header_cell(c.label_ru))
              for c in COMPONENTS],
        )),
        rx.table.body(rx.foreach(RatingsState.rows, _row)),
        variant="surface", size="1", width="100%", id="rating-table",
    ), overflow_x="auto", width="100%")


def table_footer() -> rx.Component:
    return rx.flex(
        rx.text(f"Организаций: {RatingsState.total}, в рейтинге: {RatingsState.ranked}", size="2",
                id="rating-total"),
        rx.spacer(),
        pager(RatingsState.page, RatingsState.page_count, RatingsState.set_page, "Страницы рейтинга", "rating"),
        wrap="wrap", spacing="3", width="100%", align="center",
    )
