"""Surveys for citizens: the list on /participate (what is open for me, why I may or may not take
part, my history) and /participate/surveys/[survey_id] — the form on a phone-sized screen, conditional
questions appearing as answers are given; afterwards «вы уже ответили» with my answers."""

import reflex as rx

from .. import routes
from ..components.layout import page_frame
from ..domain.limits import SURVEY_ANSWER_MAX
from ..states.survey_form import SurveyFormState
from ..states.surveys import SurveyListState


def _error(message, id_: str = "survey-error") -> rx.Component:
    return rx.cond(message != "", rx.callout(message, icon="triangle-alert", color_scheme="red", role="alert",
                                             id=id_))


def _survey_item(item) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.badge(item["state_label"], high_contrast=True), rx.text(item["territory"], size="2"),
                      wrap="wrap", align="center"),
            rx.heading(item["title"], size="4", as_="h3"),
            rx.text(item["period"], size="2", color=rx.color("gray", 11)),
            rx.cond(item["answered"], rx.text("✓ Вы ответили", size="2", weight="medium",
                                              color=rx.color("grass", 11))),
            rx.cond((~item["can_take"]) & (item["reason"] != "") & (~item["answered"]),
                    rx.text("Участие недоступно: ", item["reason"], size="2")),
            rx.hstack(
                rx.link(rx.cond(item["can_take"], "Пройти опрос", "Открыть"), href=routes.survey_url(item["id"]),
                        class_name="survey-open", weight="medium"),
                rx.cond(item["results_available"],
                        rx.link("Результаты", href=routes.survey_url(item["id"]) + "/results")),
                spacing="4",
            ),
            spacing="2", align="start",
        ),
        width="100%", class_name="survey-item",
    )


def survey_section() -> rx.Component:
    """The surveys beside the votes on /participate, then my history (surveys I answered)."""
    return rx.vstack(
        rx.hstack(rx.heading("Опросы", size="5", as_="h2", id="surveys-heading"), rx.spacer(),
                  rx.cond(SurveyListState.is_builder, rx.link("Конструктор опросов", href=routes.SURVEY_MANAGE,
                                                              id="survey-manage-link")),
                  width="100%", align="center"),
        _error(SurveyListState.error, "surveys-error"),
        rx.cond(SurveyListState.items.length() > 0, rx.foreach(SurveyListState.items, _survey_item),
                rx.text("Сейчас нет опросов для вашей территории", id="surveys-empty")),
        rx.cond(SurveyListState.has_history, rx.vstack(
            rx.heading("Моё участие в опросах", size="4", as_="h2"),
            rx.el.ul(rx.foreach(SurveyListState.items, lambda i: rx.cond(
                i["answered"], rx.el.li(rx.link(i["title"], href=routes.survey_url(i["id"]), underline="always"),
                                         " — ", i["period"])))),
            id="surveys-history", width="100%")),
        spacing="3", width="100%",
    )


def _choice(label, selected, on_click, role, **props) -> rx.Component:
    return rx.button(
        rx.text(label, weight="medium", text_align="left"), rx.spacer(),
        rx.cond(selected, rx.icon("circle-check", size=20), rx.icon("circle", size=20)),
        variant=rx.cond(selected, "solid", "outline"), size="3", width="100%", height="auto", padding_y="10px",
        justify="start", role=role, aria_checked=selected, on_click=on_click, **props)


def _options(q, i) -> rx.Component:
    picked = SurveyFormState.picked[i].to(list[int])
    role = rx.cond(q["kind"] == "single", "radio", "checkbox")
    return rx.vstack(
        rx.foreach(q["options"].to(list[str]), lambda option, k: _choice(
            option, picked.contains(k), SurveyFormState.pick(i, k), role, class_name="survey-option")),
        width="100%", spacing="2", role=rx.cond(q["kind"] == "single", "radiogroup", "group"),
        aria_labelledby="survey-q-" + i.to(str))


def _scale(q, i) -> rx.Component:
    picked = SurveyFormState.picked[i].to(list[int])
    return rx.flex(
        rx.foreach(q["scale_values"].to(list[int]), lambda value: rx.button(
            value, variant=rx.cond(picked.contains(value), "solid", "outline"), size="3", min_width="44px",
            role="radio", aria_checked=picked.contains(value), on_click=SurveyFormState.pick(i, value),
            class_name="survey-scale")),
        wrap="wrap", gap="6px", role="radiogroup", aria_labelledby="survey-q-" + i.to(str))


def _ranking(q, i) -> rx.Component:
    picked = SurveyFormState.picked[i].to(list[int])
    options = q["options"].to(list[str])
    return rx.vstack(
        rx.text("Нажимайте варианты по порядку: первым — самый важный. Повторное нажатие убирает вариант.", size="2"),
        rx.foreach(options, lambda option, k: _choice(option, picked.contains(k), SurveyFormState.pick(i, k),
                                                      "checkbox", class_name="survey-rank")),
        rx.cond(picked.length() > 0, rx.vstack(
            rx.text("Ваш порядок:", size="2", weight="medium"),
            rx.el.ol(rx.foreach(picked, lambda k, n: rx.el.li((n + 1).to(str) + ". " + options[k])),
                     class_name="survey-ranked", list_style="none", padding_left="0", margin="0"),
            spacing="1")),
        width="100%", spacing="2", role="group", aria_labelledby="survey-q-" + i.to(str))


def _matrix(q, i) -> rx.Component:
    cells = SurveyFormState.picked[i].to(list[int])
    columns = q["options"].to(list[str])
    return rx.vstack(
        rx.foreach(q["rows"].to(list[str]), lambda row, r: rx.vstack(
            rx.text(row, weight="medium", id="survey-q-" + i.to(str) + "-row-" + r.to(str)),
            rx.flex(rx.foreach(columns, lambda column, c: rx.button(
                column, variant=rx.cond(cells[r] == c, "solid", "outline"), size="2", role="radio",
                aria_checked=cells[r] == c, on_click=SurveyFormState.pick_cell(i, r, c), class_name="survey-cell")),
                wrap="wrap", gap="6px", role="radiogroup",
                aria_labelledby="survey-q-" + i.to(str) + "-row-" + r.to(str)),
            spacing="1", width="100%")),
        width="100%", spacing="3")


def _text(i) -> rx.Component:
    value = SurveyFormState.texts[i].to(str)
    return rx.vstack(
        rx.text_area(value=value, on_change=lambda v: SurveyFormState.set_text(i, v), max_length=SURVEY_ANSWER_MAX,
                     rows="4", width="100%", aria_labelledby="survey-q-" + i.to(str), class_name="survey-text"),
        rx.text(value.length().to(str) + f" / {SURVEY_ANSWER_MAX}", size="1", color=rx.color("gray", 11)),
        width="100%", spacing="1")


def _question(q, i) -> rx.Component:
    return rx.cond(SurveyFormState.visible[i], rx.card(
        rx.vstack(
            rx.text(SurveyFormState.numbers[i], ". ", q["text"],
                    rx.cond(q["required"], rx.text.span(" *", aria_hidden="true")),
                    weight="bold", size="3", id="survey-q-" + i.to(str)),
            rx.text(rx.cond(q["required"], "Обязательный вопрос", "Необязательный вопрос"),
                    rx.cond(q["kind"] == "multiple", ", можно выбрать до " + q["max_choices"].to(str), ""),
                    size="1", color=rx.color("gray", 11)),
            rx.match(q["kind"], ("single", _options(q, i)), ("multiple", _options(q, i)), ("scale", _scale(q, i)),
                     ("ranking", _ranking(q, i)), ("matrix", _matrix(q, i)), _text(i)),
            spacing="2", width="100%"),
        width="100%", class_name="survey-question"))


def _my_answers() -> rx.Component:
    s = SurveyFormState.survey
    return rx.card(
        rx.heading("Вы уже ответили ", s["answered_at"], size="4", as_="h2"),
        rx.el.dl(rx.foreach(SurveyFormState.my_answers, lambda a: rx.fragment(
            rx.el.dt(a["question"], font_weight="600", margin_top="8px"), rx.el.dd(a["answer"], margin_left="0")))),
        id="survey-my-answers", width="100%")


def survey_page() -> rx.Component:
    s = SurveyFormState.survey
    return page_frame(rx.vstack(
        rx.link("← Голосования и опросы", href=routes.VOTES, size="2"),
        rx.cond(s.contains("id"), rx.vstack(
            rx.badge(s["state_label"], high_contrast=True),
            rx.heading(s["title"], size="6", id="survey-title"),
            rx.text(s["period"], size="2", color=rx.color("gray", 11)),
            rx.cond(s["description"] != "", rx.text(s["description"])),
            rx.cond(SurveyFormState.notice != "", rx.callout(
                SurveyFormState.notice, icon="check", color_scheme="green", high_contrast=True, role="status",
                id="survey-notice")),
            rx.cond(s["answered"], _my_answers()),
            rx.cond(s["can_take"], rx.vstack(
                rx.text("Вопросы со звёздочкой (*) обязательные.", size="2"),
                rx.foreach(SurveyFormState.questions, _question),
                _error(SurveyFormState.error),
                rx.button("Отправить ответы", size="3", on_click=SurveyFormState.submit, loading=SurveyFormState.busy,
                          id="survey-submit", width=rx.breakpoints(initial="100%", sm="auto")),
                width="100%", spacing="3"),
                rx.cond(~s["answered"].to(bool), rx.callout(
                    "Участие недоступно: " + s["reason"].to(str), icon="info", id="survey-reason"))),
            rx.cond(s["results_available"], rx.link("Результаты опроса", href=routes.survey_url(s["id"]) + "/results",
                                                    id="survey-results-link")),
            spacing="3", width="100%"),
            rx.cond(SurveyFormState.error != "", _error(SurveyFormState.error), rx.spinner(aria_label="Загрузка"))),
        spacing="3", width="100%", max_width="760px",
    ))
