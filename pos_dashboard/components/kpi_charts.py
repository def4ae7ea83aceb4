"""The dashboard's charts (plotly's light "basic" bundle: bars and scatter) each with its numbers
as a small table under a disclosure, for screen readers and keyboard users."""

import plotly.graph_objects as go
import reflex as rx

from ..analytics.dashboard import MAP_KPIS
from ..analytics.kpi import KPI_DEFINITIONS
from ..states.kpi import KpiState


def _data_table(headers: list[str], rows, cells) -> rx.Component:
    return rx.el.details(
        rx.el.summary("Данные графика", style={"cursor": "pointer", "fontSize": "13px"}),
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
            rx.table.body(rx.foreach(rows, lambda row: rx.table.row(*[rx.table.cell(c(row)) for c in cells]))),
            size="1", variant="ghost",
        ),
    )


def _panel(chart_id: str, title: str, figure, alternative: rx.Component, *extra) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.heading(title, size="3", as_="h2"), rx.spacer(), *extra, width="100%", align="center"),
            rx.plotly.basic(data=figure.to(go.Figure), use_resize_handler=True, width="100%",
                            config={"displayModeBar": False, "responsive": True}),
            alternative,
            spacing="2", width="100%",
        ),
        id=chart_id, width="100%", min_width="0",
    )


def _bars(rows, label: str) -> rx.Component:
    return _data_table([label, "Число"], rows, [lambda r: r["label"], lambda r: r["count"]])


def charts() -> rx.Component:
    return rx.grid(
        _panel("chart-weekly", "По неделям: поступило, дан ответ, просрочено", KpiState.weekly_figure,
               _data_table(["Неделя с", "Поступило", "Дан ответ", "Просрочено сейчас"], KpiState.weekly,
                           [lambda r: r["week"], lambda r: r["received"], lambda r: r["answered"],
                            lambda r: r["overdue_now"]])),
        _panel("chart-monthly", "Доля ответов в срок по месяцам", KpiState.monthly_figure,
               _data_table(["Месяц", "В срок, %", "Ответов со сроком"], KpiState.monthly,
                           [lambda r: r["month"], lambda r: r["on_time_text"],
                            lambda r: r["answered_with_deadline"]])),
        _panel("chart-hours", "Время до первого ответа", KpiState.hours_figure, _bars(KpiState.hours, "Интервал")),
        _panel("chart-ratings", "Оценки заявителей", KpiState.ratings_figure, _bars(KpiState.ratings, "Оценка")),
        _panel("chart-categories", "Категории с наибольшим числом обращений", KpiState.categories_figure,
               _bars(KpiState.top_categories, "Категория")),
        _panel("chart-map", "Территории", KpiState.map_figure,
               _data_table(["Территория", "Значение"], KpiState.map_points, [lambda r: r["label"], lambda r: r["value"]]),
               rx.select.root(
                   rx.select.trigger(aria_label="Показатель на карте", id="kpi-map-kpi"),
                   rx.select.content(*[rx.select.item(KPI_DEFINITIONS[n].label_ru, value=n) for n in MAP_KPIS]),
                   value=KpiState.map_kpi, on_change=KpiState.set_map_kpi, size="1")),
        columns=rx.breakpoints(initial="1", lg="2"), spacing="3", width="100%",
    )
