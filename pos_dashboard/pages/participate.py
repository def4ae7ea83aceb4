"""/participate — public votes: what is open for me and why; /participate/[vote_id] — the ballot;
/participate/[vote_id]/results — the results, published when the vote closes."""

import reflex as rx

from .. import routes
from ..components.layout import page_frame
from ..states.participate import BallotState, ResultsState, VotesState
from .surveys import survey_section


def ballot_url(vote_id) -> rx.Var:
    return routes.VOTES + "/" + vote_id.to(str)


def _error(message) -> rx.Component:
    return rx.cond(message != "", rx.callout(message, icon="triangle-alert", color_scheme="red", role="alert",
                                             id="vote-error"))


def _vote_item(item) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.badge(item["state_label"], high_contrast=True), rx.text(item["territory"], size="2"),
                      wrap="wrap", align="center"),
            rx.heading(item["title"], size="4", as_="h2"),
            rx.text(item["period"], size="2", color=rx.color("gray", 11)),
            rx.cond(item["voted"], rx.text("✓ Вы проголосовали", size="2", weight="medium",
                                           color=rx.color("grass", 11))),
            rx.cond((~item["can_vote"]) & (item["reason"] != "") & (~item["voted"]),
                    rx.text("Участие недоступно: ", item["reason"], size="2")),
            rx.hstack(
                rx.link(rx.cond(item["can_vote"], "Проголосовать", "Открыть"), href=ballot_url(item["id"]),
                        class_name="vote-open", weight="medium"),
                rx.cond(item["results_available"], rx.link("Результаты", href=ballot_url(item["id"]) + "/results")),
                spacing="4",
            ),
            spacing="2", align="start",
        ),
        width="100%", class_name="vote-item",
    )


def votes_page() -> rx.Component:
    return page_frame(rx.vstack(
        rx.heading("Голосования", size="6"),
        rx.cond(VotesState.can_build, rx.link("Конструктор голосований", href=routes.VOTE_BUILDER_LIST,
                                              id="votes-builder-link")),
        rx.text("Голосования о благоустройстве и развитии вашей территории. Результаты публикуются после "
                "окончания голосования.", color=rx.color("gray", 11)),
        _error(VotesState.error),
        rx.cond(VotesState.items.length() > 0, rx.foreach(VotesState.items, _vote_item),
                rx.text("Сейчас нет голосований для вашей территории", id="votes-empty")),
        survey_section(),
        spacing="3", width="100%", max_width="760px",
    ))


def _option(option) -> rx.Component:
    """One place as a labelled radio button (one choice) or checkbox (several): the choice stays in
    the browser until «Отправить голос» sends the form."""
    single = BallotState.vote["max_choices"] == 1
    return rx.el.label(
        rx.el.input(type=rx.cond(single, "radio", "checkbox"), name="option", value=option["id"].to(str),
                    required=single, class_name="vote-input"),
        rx.vstack(rx.text(option["title"], weight="medium"),
                  rx.cond(option["description"] != "", rx.text(option["description"], size="1")),
                  spacing="0", align="start"),
        class_name="vote-option",
    )


def ballot_page() -> rx.Component:
    v = BallotState.vote
    return page_frame(rx.vstack(
        rx.link("← Все голосования", href=routes.VOTES, size="2"),
        rx.cond(v.contains("id"), rx.vstack(
            rx.badge(v["state_label"], high_contrast=True),
            rx.heading(v["title"], size="6", id="vote-title"),
            rx.text(v["period"], size="2", color=rx.color("gray", 11)),
            rx.cond(v["description"] != "", rx.text(v["description"])),
            rx.cond(BallotState.notice != "", rx.callout(BallotState.notice, icon="check", color_scheme="green",
                                                          high_contrast=True, role="status", id="vote-notice")),
            rx.cond(v["my_choice"].to(list).length() > 0, rx.card(
                rx.text("Вы проголосовали ", v["cast_at"], weight="medium"),
                rx.foreach(v["my_choice"].to(list[str]), lambda title: rx.text("• ", title)),
                id="vote-my-choice", width="100%")),
            rx.cond(v["can_vote"], rx.vstack(
                rx.text(rx.cond(v["max_choices"] == 1, "Выберите один вариант",
                                "Выберите до " + v["max_choices"].to(str) + " вариантов"), weight="medium",
                        id="vote-hint"),
                rx.form(rx.vstack(
                    rx.vstack(rx.foreach(BallotState.options, _option), width="100%", spacing="2",
                              role=rx.cond(v["max_choices"] == 1, "radiogroup", "group"), aria_labelledby="vote-hint"),
                    _error(BallotState.error),
                    rx.button("Отправить голос", size="3", type="submit", loading=BallotState.busy, id="vote-submit"),
                    width="100%", spacing="3"), on_submit=BallotState.cast, reset_on_submit=False, width="100%"),
                width="100%", spacing="3"),
                rx.cond(v["my_choice"].to(list).length() == 0, rx.vstack(
                    rx.cond(v["reason"] != "",
                            rx.callout("Участие недоступно: " + v["reason"].to(str), icon="info", id="vote-reason")),
                    rx.text("Варианты:", weight="medium"),
                    rx.foreach(BallotState.options, lambda o: rx.text("• ", o["title"])),
                    width="100%"))),
            rx.cond(v["results_available"], rx.link("Результаты голосования", href=ballot_url(v["id"]) + "/results",
                                                    id="vote-results-link")),
            spacing="3", width="100%"),
            rx.cond(BallotState.error != "", _error(BallotState.error), rx.spinner(aria_label="Загрузка"))),
        spacing="3", width="100%", max_width="760px",
    ))


def _table(headers: list[str], rows, row, **props) -> rx.Component:
    """A plain HTML table: on a phone it wraps instead of scrolling sideways."""
    return rx.el.table(
        rx.el.thead(rx.el.tr(*[rx.el.th(h, scope="col") for h in headers])),
        rx.el.tbody(rx.foreach(rows, row)),
        class_name="plain-table", **props,
    )


def _result_row(row) -> rx.Component:
    return rx.el.tr(
        rx.el.th(row["title"], scope="row"),
        rx.el.td(row["votes"]),
        rx.el.td(rx.hstack(
            rx.box(height="10px", width=row["percent"].to(str) + "%", max_width="160px",
                   background=rx.color("accent", 9), border_radius="3px", aria_hidden="true"),
            rx.text(row["share"], size="2"), align="center")),
        class_name="result-row",
    )


def _band_table(title: str, rows, first: str) -> rx.Component:
    return rx.vstack(
        rx.heading(title, size="4", as_="h2"),
        _table([first, "Проголосовали", "Доля"], rows,
               lambda r: rx.el.tr(rx.el.th(r["label"], scope="row"), rx.el.td(r["voters"]), rx.el.td(r["share"]))),
        width="100%")


def results_page() -> rx.Component:
    r = ResultsState.results
    return page_frame(rx.vstack(
        rx.link("← Все голосования", href=routes.VOTES, size="2"),
        _error(ResultsState.error),
        rx.cond(r.contains("id"), rx.vstack(
            rx.heading("Результаты: ", r["title"], size="6", id="results-title"),
            rx.cond(~r["closed"].to(bool), rx.callout("Голосование ещё идёт: результаты предварительные", icon="info")),
            rx.text("Проголосовали ", r["voters"], " из ", r["eligible"], " имеющих право (явка ", r["turnout"], ")",
                    id="results-turnout"),
            _table(["Вариант", "Голосов", "Доля проголосовавших"], ResultsState.rows, _result_row,
                   id="results-table"),
            rx.cond(r["closed"].to(bool), rx.link("Ход работ по местам-победителям", href=ballot_url(r["id"]) + "/progress",
                                                   id="results-progress-link")),
            rx.cond(r["max_choices"].to(int) > 1, rx.text(
                "Можно было выбрать несколько вариантов, поэтому сумма долей больше 100 %.", size="2")),
            rx.grid(_band_table("По возрасту", ResultsState.by_age, "Возраст"),
                    _band_table("По территориям", ResultsState.by_territory, "Территория"),
                    columns=rx.breakpoints(initial="1", md="2"), spacing="5", width="100%"),
            spacing="3", width="100%")),
        spacing="3", width="100%", max_width="980px",
    ))
