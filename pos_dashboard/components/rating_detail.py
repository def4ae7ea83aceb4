"""Pieces of an organisation's rating page: the header numbers, the components against the region,
the trend chart with its numbers as a table, the weakest categories and the low-rated answers."""

import plotly.graph_objects as go
import reflex as rx

from .. import routes
from ..analytics.rating_views import MIN_CATEGORY_APPEALS, WEAKEST_SHOWN
from ..analytics.ratings import COMPONENTS
from ..states.rating_detail import RatingDetailState as S
from .paging import pager
from .plain_table import cell, plain_table


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


def components_table() -> rx.Component:
    return plain_table(
        "Составляющие индекса организации", ["Показатель", "Вес", "Значение", "По региону", "Балл 0–1"],
        rx.foreach(S.components, lambda c: rx.el.tr(cell(c["label"], hint=c["kpi_label"]), cell(c["weight"]),
                                                     cell(c["value"]), cell(c["region"]), cell(c["score"]))),
        "detail-components")


def _export_buttons() -> rx.Component:
    return rx.hstack(*[rx.button(rx.icon("download", size=14), fmt.upper(), variant="soft", size="1",
                                 on_click=S.export(fmt), id=f"detail-export-{fmt}",
                                 aria_label=f"Скачать динамику в {fmt.upper()}") for fmt in ("csv", "xlsx")])


def trend_block() -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.heading("Динамика по месяцам", size="4", as_="h2"), rx.spacer(), _export_buttons(),
                  width="100%", align="center"),
        rx.el.figure(
            rx.plotly.basic(data=S.figure.to(go.Figure), config={"displayModeBar": False}, width="100%", height="320px"),
            rx.el.figcaption(rx.text("Индекс и баллы составляющих по месяцам; те же числа — в таблице ниже.",
                                     size="2", color=rx.color("gray", 11))),
            id="detail-chart", style={"margin": "0", "width": "100%"},
        ),
        plain_table("Динамика по месяцам: числа графика", ["Месяц", "Поступило", "Индекс",
                                                          *[c.label_ru for c in COMPONENTS]],
                    rx.foreach(S.trend, lambda t: rx.el.tr(
                        cell(t["month"]), cell(t["received"]), cell(t["index"], class_name="trend-index"),
                        *[cell(t["values"][i]) for i in range(len(COMPONENTS))])),
                    "detail-trend"),
        rx.text("Месяц — по обращениям, поступившим в этом месяце, в их нынешнем состоянии.", size="1",
                color=rx.color("gray", 11)),
        spacing="2", width="100%",
    )


def categories_block() -> rx.Component:
    return rx.vstack(
        rx.heading("Слабые категории", size="4", as_="h2"),
        rx.text(f"До {WEAKEST_SHOWN} категорий с наименьшей из двух долей — ответов в срок и оценок 4–5; "
                f"учитываются категории, где у организации не меньше {MIN_CATEGORY_APPEALS} обращений за период.",
                size="2", color=rx.color("gray", 11)),
        rx.cond(S.categories.length() > 0,
                plain_table("Слабые категории", ["Категория", "Поступило", "Доля в срок", "Удовлетворённость"],
                            rx.foreach(S.categories, lambda c: rx.el.tr(cell(c["category"]), cell(c["received"]),
                                                                        cell(c["on_time"]), cell(c["satisfaction"]))),
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
