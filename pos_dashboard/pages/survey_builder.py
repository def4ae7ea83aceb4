"""The survey builder: /participate/surveys/manage (every survey with its state and responses;
publish, close early, delete, results) and /participate/surveys/new, …/[survey_id]/edit (settings and
questions of each kind: add, reorder, remove, options, a condition on an earlier answer)."""

import reflex as rx

from .. import routes
from ..components.layout import page_frame
from ..domain.surveys import KIND_LABELS
from ..states.survey_builder import SurveyEditorState, SurveyManageState

FIELD = {"width": "100%", "padding": "6px 8px", "border": "1px solid var(--gray-7)", "border_radius": "6px",
         "background": "var(--color-surface)", "color": "var(--gray-12)", "font_size": "15px"}


def _error(message) -> rx.Component:
    return rx.cond(message != "", rx.callout(message, icon="triangle-alert", color_scheme="red", role="alert",
                                             id="builder-error"))


def _manage_item(item) -> rx.Component:
    act = SurveyManageState.act
    confirming = SurveyManageState.confirming
    key = ":" + item["id"].to(str)
    return rx.card(rx.vstack(
        rx.hstack(rx.badge(item["state_label"], high_contrast=True), rx.text(item["territory"], size="2"),
                  rx.text("ответов: ", item["responses"], size="2", class_name="survey-responses"),
                  wrap="wrap", align="center"),
        rx.heading(item["title"], size="4", as_="h2"),
        rx.text(item["period"], size="2", color=rx.color("gray", 11)),
        rx.flex(
            rx.cond(item["responses"] == 0, rx.link("Изменить", href=routes.survey_url(item["id"]) + "/edit")),
            rx.cond(item["state"] == "draft",
                    rx.button("Опубликовать", size="1", on_click=act("publish_survey", item["id"]),
                              class_name="survey-publish")),
            rx.cond((item["state"] == "open") | (item["state"] == "upcoming"),
                    rx.button(rx.cond(confirming == "close_survey_early" + key, "Подтвердите: завершить сейчас",
                                      "Завершить досрочно"), size="1", variant="soft", color_scheme="orange",
                              on_click=act("close_survey_early", item["id"]), class_name="survey-close")),
            rx.cond(item["responses"] == 0,
                    rx.button(rx.cond(confirming == "delete_survey" + key, "Подтвердите удаление", "Удалить"),
                              size="1", variant="soft", color_scheme="red",
                              on_click=act("delete_survey", item["id"]), class_name="survey-delete")),
            rx.cond(item["results_available"], rx.link("Результаты", href=routes.survey_url(item["id"]) + "/results")),
            rx.cond(item["state"] != "draft", rx.link("Страница опроса", href=routes.survey_url(item["id"]))),
            wrap="wrap", gap="12px", align="center"),
        spacing="2", align="start"), width="100%", class_name="manage-item", id="survey-" + item["id"].to(str))


def manage_page() -> rx.Component:
    return page_frame(rx.vstack(
        rx.hstack(rx.heading("Опросы: конструктор", size="6"), rx.spacer(),
                  rx.link(rx.button("Новый опрос"), href=routes.SURVEY_NEW, id="survey-new"),
                  width="100%", align="center", wrap="wrap"),
        rx.text("Опрос с ответами нельзя изменить или удалить — только завершить досрочно. Результаты видны после "
                "окончания, если при создании не выбран показ в ходе опроса.", color=rx.color("gray", 11)),
        _error(SurveyManageState.error),
        rx.foreach(SurveyManageState.items, _manage_item),
        spacing="3", width="100%", max_width="900px",
    ))


def _labelled(label: str, control_id, control: rx.Component) -> rx.Component:
    return rx.vstack(rx.el.label(label, html_for=control_id, font_weight="500", font_size="14px"), control,
                     spacing="1", width="100%")


def _field(name: str, label: str, **props) -> rx.Component:
    return _labelled(label, "survey-" + name, rx.el.input(
        id="survey-" + name, value=SurveyEditorState.fields[name], style=FIELD,
        on_change=lambda v: SurveyEditorState.set_field(name, v), **props))


def _select(name: str, label: str, choices: list[tuple[str, str]]) -> rx.Component:
    return _labelled(label, "survey-" + name, rx.el.select(
        *[rx.el.option(text, value=value) for value, text in choices], id="survey-" + name, style=FIELD,
        value=SurveyEditorState.fields[name], on_change=lambda v: SurveyEditorState.set_field(name, v)))


def _settings() -> rx.Component:
    return rx.card(rx.vstack(
        _field("title", "Название", max_length=200),
        _labelled("Описание", "survey-description", rx.el.textarea(
            id="survey-description", value=SurveyEditorState.fields["description"], rows=3, style=FIELD,
            on_change=lambda v: SurveyEditorState.set_field("description", v))),
        rx.grid(
            _field("starts", "Начало", type="datetime-local"),
            _field("ends", "Окончание", type="datetime-local"),
            _labelled("Территория", "survey-territory", rx.el.select(
                rx.el.option("Весь регион", value=""),
                rx.foreach(SurveyEditorState.territories, lambda t: rx.el.option(t[1], value=t[0])),
                id="survey-territory", style=FIELD, value=SurveyEditorState.fields["territory"],
                on_change=lambda v: SurveyEditorState.set_field("territory", v))),
            _select("eligibility", "Кто может участвовать", [
                ("residents", "Жители территории и её частей"), ("everyone", "Все жители региона")]),
            _field("min_age", "Возраст от (на день окончания)", type="number", min=0, max=120),
            _select("visibility", "Результаты", [("after_close", "После окончания опроса"),
                                                 ("live", "Видны в ходе опроса")]),
            columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%"),
        spacing="3", width="100%"), width="100%")


def _question_area(q, i, name: str, label: str) -> rx.Component:
    control_id = "q-" + i.to(str) + "-" + name
    return _labelled(label, control_id, rx.el.textarea(
        id=control_id, value=q[name], rows=4, style=FIELD,
        on_change=lambda v: SurveyEditorState.set_question(i, name, v)))


def _question(q, i) -> rx.Component:
    set_q = SurveyEditorState.set_question
    number = (i + 1).to(str)
    return rx.card(rx.vstack(
        rx.hstack(
            rx.heading("Вопрос ", number, " · ", q["kind_label"], size="3", as_="h3"), rx.spacer(),
            rx.icon_button(rx.icon("arrow-up"), size="1", variant="soft", aria_label="Выше, вопрос " + number,
                           on_click=SurveyEditorState.move_question(i, -1)),
            rx.icon_button(rx.icon("arrow-down"), size="1", variant="soft", aria_label="Ниже, вопрос " + number,
                           on_click=SurveyEditorState.move_question(i, 1)),
            rx.icon_button(rx.icon("trash-2"), size="1", variant="soft", color_scheme="red",
                           aria_label="Удалить вопрос " + number, on_click=SurveyEditorState.remove_question(i)),
            width="100%", align="center"),
        _labelled("Текст вопроса", "q-" + i.to(str) + "-text", rx.el.input(
            id="q-" + i.to(str) + "-text", value=q["text"], style=FIELD, max_length=500,
            on_change=lambda v: set_q(i, "text", v), class_name="builder-question-text")),
        rx.el.label(rx.el.input(type="checkbox", checked=q["required"], margin_right="6px",
                                on_change=lambda v: set_q(i, "required", v)), "Обязательный вопрос",
                    font_size="14px"),
        rx.cond(q["has_options"], _question_area(
            q, i, "options", rx.cond(q["is_matrix"], "Столбцы (по одному в строке)", "Варианты (по одному в строке)"))),
        rx.cond(q["is_matrix"], _question_area(q, i, "rows", "Строки матрицы (по одной в строке)")),
        rx.cond(q["is_multiple"], _labelled("Можно выбрать не больше (пусто — любое число)",
                                            "q-" + i.to(str) + "-max", rx.el.input(
            id="q-" + i.to(str) + "-max", type="number", min=1, value=q["max_choices"], style=FIELD,
            on_change=lambda v: set_q(i, "max_choices", v)))),
        rx.cond(q["is_scale"], _labelled("Шкала", "q-" + i.to(str) + "-scale", rx.el.select(
            rx.el.option("от 1 до 5", value="5"), rx.el.option("от 1 до 10", value="10"),
            id="q-" + i.to(str) + "-scale", value=q["scale_max"], style=FIELD,
            on_change=lambda v: set_q(i, "scale_max", v)))),
        rx.cond(q["condition_choices"].to(list).length() > 0, _labelled(
            "Показывать", "q-" + i.to(str) + "-condition", rx.el.select(
                rx.el.option("всегда", value=""),
                rx.foreach(q["condition_choices"].to(list[list[str]]),
                           lambda c: rx.el.option("если ответ на вопрос " + c[1], value=c[0])),
                id="q-" + i.to(str) + "-condition", value=q["condition"], style=FIELD,
                on_change=lambda v: set_q(i, "condition", v)))),
        spacing="2", width="100%"), width="100%", class_name="builder-question")


def editor_page() -> rx.Component:
    return page_frame(rx.vstack(
        rx.link("← Все опросы", href=routes.SURVEY_MANAGE, size="2"),
        rx.heading(rx.cond(SurveyEditorState.editing_id == 0, "Новый опрос", "Изменение опроса"), size="6"),
        rx.cond(~SurveyEditorState.editable, rx.callout(
            "На опрос уже ответили: изменить его нельзя, можно только завершить досрочно.", icon="info",
            id="builder-locked")),
        rx.cond(SurveyEditorState.fields.contains("title"), rx.vstack(
            _settings(),
            rx.heading("Вопросы", size="5", as_="h2"),
            rx.foreach(SurveyEditorState.questions, _question),
            rx.text("Добавить вопрос:", weight="medium"),
            rx.flex(*[rx.button(label, variant="outline", size="2", on_click=SurveyEditorState.add_question(kind),
                                class_name="builder-add", id=f"builder-add-{kind}")
                      for kind, label in KIND_LABELS.items()], wrap="wrap", gap="8px"),
            _error(SurveyEditorState.error),
            rx.button("Сохранить черновик", size="3", on_click=SurveyEditorState.save, loading=SurveyEditorState.busy,
                      disabled=~SurveyEditorState.editable, id="builder-save"),
            rx.text("После сохранения опубликуйте опрос в списке опросов.", size="2", color=rx.color("gray", 11)),
            spacing="3", width="100%"),
            _error(SurveyEditorState.error)),
        spacing="3", width="100%", max_width="900px",
    ))
