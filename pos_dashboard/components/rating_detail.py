"""Pieces of an organisation's rating page: the header numbers, the components against the region,
the trend chart with its numbers as a table, the weakest categories and the low-rated answers."""

import reflex as rx

from .. import routes
from ..analytics.rating_views import MIN_CATEGORY_APPEALS, WEAKEST_SHOWN
from ..analytics.ratings import COMPONENTS
from ..states.rating_detail import RatingDetailState as S
from .paging import pager


def _stat(label: str, value, id_: str) -> rx.Component:
    return rx.card(rx.text(label, size="1", color=rx.color("gray", 11)),
                   rx.text(value, size="6", weight="bold", id=id_), min_width="160px")


def header_stats() -> rx.Component:
    return rx.flex(
        _stat("Индекс", S.organization["index"], "detail-index"),
        _stat("Место среди организаций типа", S.organization["rank"], "detail-rank"),
        _stat("Поступило за период", S.organization["received"], "detail-received"),
        wrap="wrap", spacing="3",
    )


def _simple_table(headers: list[str], rows, cells, id_: str) -> rx.Component:
    return rx.box(rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
        rx.table.body(rx.foreach(rows, lambda row: rx.table.row(*cells(row)))),
        size="1", width="100%", id=id_), overflow_x="auto", width="100%")


def components_table() -> rx.Component:
    return _simple_table(
        ["Показатель", "Вес", "Значение", "По региону", "Балл 0–1"], S.components,
        lambda c: [rx.table.cell(rx.text(c["label"], weight="medium"),
                                 rx.text(c["kpi_label"], size="1", color=rx.color("gray", 11))),
                   rx.table.cell(c["weight"]), rx.table.cell(c["value"]), rx.table.cell(c["region"]),
                   rx.table.cell(c["score"])],
        "detail-components")


def _export_buttons() -> rx.Component:
    return rx.hstack(*[rx.button(rx.icon("download", size=14), fmt.upper(), variant="soft", size="1",
                                 on_click=S.export(fmt), id=f"detail-export-{fmt}",
                                 aria_label=f"Скачать динамику в {fmt.upper()}") for fmt in ("csv", "xlsx")])


def trend_block() -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.heading("Динамика по месяцам", size="4", as_="h2"), rx.spacer(), _export_buttons(),
                  width="100%", align="center"),
        rx.box(rx.plotly.basic(data=S.figure, width="100%", height="320px"), width="100%",
               aria_hidden="true", id="detail-chart"),
        rx.text("Те же числа таблицей (месяц — по обращениям, поступившим в этом месяце):", size="2"),
        _simple_table(["Месяц", "Поступило", "Индекс", *[c.label_ru for c in COMPONENTS]], S.trend,
                      lambda t: [rx.table.cell(t["month"]), rx.table.cell(t["received"]),
                                 rx.table.cell(t["index"], class_name="trend-index"),
                                 *[rx.table.cell(t["values"][i]) for i in range(len(COMPONENTS))]],
                      "detail-trend"),
        spacing="2", width="100%",
    )


def categories_block() -> rx.Component:
    return rx.vstack(
        rx.heading("Слабые категории", size="4", as_="h2"),
        rx.text(f"До {WEAKEST_SHOWN} категорий с наименьшей из двух долей — ответов в срок и оценок 4–5; "
                f"учитываются категории, где у организации не меньше {MIN_CATEGORY_APPEALS} обращений за период.",
                size="2", color=rx.color("gray", 11)),
        rx.cond(S.categories.length() > 0,
                _simple_table(["Категория", "Поступило", "Доля в срок", "Удовлетворённость"], S.categories,
                              lambda c: [rx.table.cell(c["category"]), rx.table.cell(c["received"]),
                                         rx.table.cell(c["on_time"]), rx.table.cell(c["satisfaction"])],
                              "detail-categories"),
                rx.text("Нет категорий с достаточным числом обращений.", size="2", id="detail-categories-empty")),
        spacing="2", width="100%",
    )


def _low_rated(row) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.badge("Оценка ", row["score"], color_scheme="red"),
            rx.link("Обращение №", row["appeal_id"], href=routes.appeal_url(row["appeal_id"])),
            rx.spacer(), rx.text(row["rated"], size="1", color=rx.color("gray", 11)),
            align="center", width="100%", wrap="wrap"),
        rx.text("Ответ организации:", size="1", weight="medium", margin_top="6px"),
        rx.text(row["answer"], size="2", white_space="pre-wrap"),
        rx.cond(row["comment"] != "", rx.text("Комментарий заявителя: ", row["comment"], size="2", margin_top="6px")),
        width="100%", class_name="low-rated",
    )


def low_rated_block() -> rx.Component:
    return rx.vstack(
        rx.heading("Ответы с низкой оценкой (1–2)", size="4", as_="h2"),
        rx.text(f"Всего за период: {S.low_total}", size="2", id="detail-low-total"),
        rx.foreach(S.low_rated, _low_rated),
        rx.cond(S.low_total > 0, pager(S.low_page, S.low_page_count, S.set_low_page, "Страницы ответов", "low")),
        spacing="2", width="100%",
    )
