"""The card's action panel: pick an action, give what it needs, submit. On a refusal the message
is shown and the form keeps what was typed."""

import reflex as rx
from reflex.experimental.client_state import ClientStateVar

from ..domain.deadlines import EXTENSION_MAX_DAYS
from ..services.card_actions import REWORK_REASONS
from .answer_templates import template_picker
from ..states.card import CardState
from .uploads import upload_zone

# What is typed in the comment field, kept in the browser only: the counter needs no round trip.
_typed = ClientStateVar.create("card_action_comment", default="")


def _inputs() -> rx.Component:
    needs = CardState.chosen["needs"]
    return rx.vstack(
        rx.cond(needs == "reason_code", rx.select.root(
            rx.select.trigger(placeholder="Причина отклонения (правила модерации)", width="100%", id="action-reason-code",
                              aria_label="Причина отклонения (правила модерации)"),
            rx.select.content(rx.foreach(CardState.rejection_reasons,
                                         lambda r: rx.select.item(r["label"], value=r["value"]))),
            name="reason_code",
        )),
        rx.cond(needs == "rework_code", rx.select.root(
            rx.select.trigger(placeholder="Причина возврата на доработку", width="100%", id="action-rework-code",
                              aria_label="Причина возврата на доработку"),
            rx.select.content(*[rx.select.item(r["label"], value=r["value"]) for r in REWORK_REASONS]),
            name="rework_code",
        )),
        rx.cond(needs == "extend", rx.hstack(
            rx.el.label("На сколько рабочих дней продлить", html_for="action-days", class_name="field-label"),
            rx.input(type="number", name="days", id="action-days", min=1, max=EXTENSION_MAX_DAYS, width="90px"),
            align="center",
        )),
        rx.cond(needs == "answer", template_picker()),
        rx.cond(needs == "score", rx.vstack(
            rx.text("Насколько ответ решил проблему? 1 — совсем не решил, 5 — полностью.", size="2"),
            rx.radio_group(["1", "2", "3", "4", "5"], name="score", direction="row", id="action-score",
                           aria_label="Оценка ответа от 1 до 5"),
            rx.text("Оценка 1–2 вернёт обращение на контроль ЦУР.", size="1", color=rx.color("gray", 11)),
            spacing="2",
        )),
        rx.cond((needs == "reason") | (needs == "answer") | (needs == "reply") | (needs == "score")
                | (needs == "rework_code") | (needs == "extend"), rx.vstack(
            rx.text_area(
                name="comment", id="action-comment", width="100%", rows="4",
                aria_label=rx.match(needs, ("answer", "Текст ответа заявителю"), ("reply", "Ваш ответ исполнителю"),
                                    ("score", "Комментарий к оценке"), ("extend", "Причина продления срока"),
                                    ("rework_code", "Комментарий для исполнителя (необязательно)"),
                                    "Причина или комментарий"),
                placeholder=rx.match(needs, ("answer", "Текст ответа заявителю"),
                                     ("reply", "Ответ на вопрос исполнителя: что уточнить"),
                                     ("score", "Комментарий к оценке (необязательно)"),
                                     ("extend", "Причина продления срока"),
                                     ("rework_code", "Комментарий для исполнителя (необязательно)"),
                                     "Причина или комментарий"),
                max_length=CardState.chosen["max_length"], on_change=_typed.set,
                key=CardState.chosen_action,  # a new action starts with an empty field and counter
            ),
            rx.text("Символов: ", _typed.value.length(), " из ", CardState.chosen["max_length"],
                    size="1", color=rx.color("gray", 11), id="action-comment-counter"),
            width="100%", spacing="1",
        )),
        rx.cond(needs == "answer", upload_zone(
            "answer-files", "Фотографии выполненных работ и документы", CardState.answer_files,
            CardState.answer_file_error, CardState.add_answer_files, CardState.answer_files_rejected,
            CardState.remove_answer_file)),
        rx.cond(CardState.chosen["needs_date"], rx.hstack(
            rx.el.label("Плановая дата выполнения", html_for="action-date", class_name="field-label"),
            rx.input(type="date", name="planned_date", id="action-date"), align="center",
        )),
        width="100%", spacing="2",
    )


def action_panel() -> rx.Component:
    return rx.cond(
        CardState.actions.length() > 0,
        rx.card(
            rx.vstack(
                rx.heading("Действия", size="3"),
                rx.flex(rx.foreach(CardState.actions, lambda a: rx.button(
                    a["label"], size="1", id="action-" + a["action"].to(str),
                    variant=rx.cond(CardState.chosen_action == a["action"], "solid", "outline"),
                    aria_pressed=CardState.chosen_action == a["action"],
                    on_click=[_typed.set_value(""), CardState.choose_action(a["action"])],
                )), wrap="wrap", spacing="2"),
                rx.cond(CardState.chosen_action != "", rx.form(
                    rx.vstack(
                        _inputs(),
                        rx.button("Выполнить: ", CardState.chosen["label"], type="submit", id="action-submit"),
                        width="100%", spacing="2",
                    ),
                    on_submit=CardState.submit_action, reset_on_submit=False, width="100%",
                )),
                rx.cond(CardState.action_error != "", rx.callout(CardState.action_error, icon="triangle-alert",
                                                                  color_scheme="red", high_contrast=True,
                                                                  id="action-error", role="alert")),
                width="100%", spacing="3",
            ),
            width="100%",
        ),
    )
