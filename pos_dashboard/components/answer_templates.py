"""The answer-template picker of the card's answer form."""

import reflex as rx

from ..states.answer_templates import CardTemplatesState


def template_picker() -> rx.Component:
    return rx.cond(CardTemplatesState.templates.length() > 0, rx.select.root(
        rx.select.trigger(placeholder="Вставить шаблон ответа", width="100%", id="answer-template",
                          aria_label="Вставить шаблон ответа"),
        rx.select.content(rx.foreach(CardTemplatesState.templates,
                                     lambda t: rx.select.item(t["title"], value=t["id"]))),
        on_change=CardTemplatesState.pick,
    ))
