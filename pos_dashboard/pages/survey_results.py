"""/participate/surveys/[survey_id]/results — a survey's results: respondents against the eligible
population, each question's counts and shares (scales: average and distribution; ranking: average
positions; matrix: a table; free text: the latest answers) with a chart, by age band and territory,
CSV/XLSX exports. The read model refuses before closing unless the survey shows live results."""

import plotly.graph_objects as go
import reflex as rx

from .. import routes
from ..components.layout import page_frame
from ..components.plain_table import plain_table
from ..states.surveys import SurveyResultsState


def _line(row) -> rx.Component:
    return rx.el.tr(
        rx.el.th(row["label"], scope="row"),
        rx.el.td(row["count"]),
        rx.el.td(rx.hstack(
            rx.box(height="10px", width=row["percent"].to(str) + "%", max_width="140px",
                   background=rx.color("accent", 9), border_radius="3px", aria_hidden="true"),
            rx.text(row["share"], size="2"), align="center")),
        class_name="survey-result-line",
    )


def _lines_table(q) -> rx.Component:
    return rx.el.div(rx.el.table(
        rx.el.thead(rx.el.tr(
            rx.el.th(rx.cond(q["kind"] == "scale", "Оценка", "Вариант"), scope="col"),
            rx.el.th(rx.cond(q["kind"] == "ranking", "На 1-м месте", "Ответов"), scope="col"),
            rx.el.th(rx.cond(q["kind"] == "ranking", "Средняя позиция", "Доля ответивших"), scope="col"))),
        rx.el.tbody(rx.foreach(q["lines"], _line)), class_name="plain-table"),
        tab_index=0, role="region", aria_label="Ответы на вопрос " + q["number"].to(str), class_name="table-region")


def _matrix_table(q) -> rx.Component:
    return rx.el.div(rx.el.table(
        rx.el.thead(rx.el.tr(rx.el.th("Строка", scope="col"),
                             rx.foreach(q["columns"].to(list[str]), lambda c: rx.el.th(c, scope="col")))),
        rx.el.tbody(rx.foreach(q["matrix"], lambda m: rx.el.tr(
            rx.el.th(m["label"], scope="row"), rx.foreach(m["cells"].to(list[str]), lambda cell: rx.el.td(cell))))),
        class_name="plain-table"),
        tab_index=0, role="region", aria_label="Ответы на вопрос " + q["number"].to(str), class_name="table-region")


def _question(q, i) -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading(q["number"], ". ", q["text"], size="4", as_="h2"),
        rx.text(q["kind_label"], " · ответили ", q["answered"], size="2", color=rx.color("gray", 11)),
        rx.cond(q["summary"] != "", rx.text(q["summary"], size="2", weight="medium")),
        rx.cond(q["kind"] == "text",
                rx.el.ul(rx.foreach(q["texts"].to(list[str]), lambda t: rx.el.li(t)), class_name="survey-texts"),
                rx.grid(
                    rx.box(rx.plotly.basic(data=SurveyResultsState.charts[i].to(go.Figure), use_resize_handler=True, width="100%",
                                           config={"displayModeBar": False, "responsive": True}),
                           aria_hidden="true", min_width="0"),
                    rx.cond(q["kind"] == "matrix", _matrix_table(q), _lines_table(q)),
                    columns=rx.breakpoints(initial="1", md="2"), spacing="3", width="100%")),
        spacing="2", width="100%"), width="100%", class_name="survey-result")


def _bands(title: str, rows, first: str, id_: str) -> rx.Component:
    return rx.vstack(
        rx.heading(title, size="4", as_="h2"),
        plain_table(title, [first, "Ответили", "Доля"], rx.foreach(rows, lambda r: rx.el.tr(
            rx.el.th(r["label"], scope="row"), rx.el.td(r["voters"]), rx.el.td(r["share"]))), id_),
        width="100%")


def survey_results_page() -> rx.Component:
    r = SurveyResultsState.results
    return page_frame(rx.vstack(
        rx.link("← Голосования и опросы", href=routes.VOTES, size="2"),
        rx.cond(SurveyResultsState.error != "", rx.callout(SurveyResultsState.error, icon="triangle-alert",
                                                           color_scheme="red", role="alert", id="survey-error")),
        rx.cond(r.contains("id"), rx.vstack(
            rx.heading("Результаты опроса: ", r["title"], size="6", id="survey-results-title"),
            rx.cond(~r["closed"].to(bool), rx.callout("Опрос ещё идёт: результаты предварительные", icon="info")),
            rx.text("Ответили ", r["respondents"], " из ", r["eligible"], " имеющих право (явка ", r["turnout"], ")",
                    id="survey-turnout"),
            rx.hstack(
                rx.button("Ответы, CSV", variant="soft", on_click=SurveyResultsState.export("csv"), id="export-csv"),
                rx.button("Итоги по вариантам, CSV", variant="soft", on_click=SurveyResultsState.export("totals.csv"),
                          id="export-totals"),
                rx.button("Ответы и итоги, XLSX", variant="soft", on_click=SurveyResultsState.export("xlsx"),
                          id="export-xlsx"),
                wrap="wrap", spacing="2"),
            rx.foreach(SurveyResultsState.questions, _question),
            rx.grid(_bands("По возрасту", SurveyResultsState.by_age, "Возраст", "survey-by-age"),
                    _bands("По территориям", SurveyResultsState.by_territory, "Территория", "survey-by-territory"),
                    columns=rx.breakpoints(initial="1", md="2"), spacing="5", width="100%"),
            spacing="3", width="100%")),
        spacing="3", width="100%", max_width="1100px",
    ))
