"""The card's action panel: pick an action, give what it needs, submit. On a refusal the message
is shown and the form keeps what was typed."""

import reflex as rx

from ..states.card import CardState


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
        rx.cond((needs == "reason") | (needs == "answer"), rx.text_area(
            name="comment", id="action-comment", width="100%", rows="4",
            aria_label=rx.cond(needs == "answer", "Текст ответа заявителю", "Причина или комментарий"),
            placeholder=rx.cond(needs == "answer", "Текст ответа заявителю", "Причина или комментарий"),
        )),
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
                    on_click=CardState.choose_action(a["action"]),
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
                                                                  color_scheme="red", id="action-error", role="alert")),
                width="100%", spacing="3",
            ),
            width="100%",
        ),
    )
