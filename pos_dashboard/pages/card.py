"""/appeals/[appeal_id] — the appeal card with its answers and full timeline."""

import reflex as rx

from .. import routes
from ..components.attachments import attachment_list
from ..components.card_actions import action_panel
from ..components.layout import page_frame
from ..states.card import CardState


def _field(label: str, value) -> rx.Component:
    return rx.data_list.item(rx.data_list.label(label), rx.data_list.value(value))


def _details() -> rx.Component:
    a = CardState.appeal
    return rx.card(
        rx.data_list.root(
            _field("Статус", rx.badge(a["status_label"], size="2", id="card-status")),
            _field("Категория", a["category"]),
            _field("Срок по правилу", a["deadline_rule"]),
            _field("Территория", a["territory"]),
            _field("Исполнитель", a["organization"]),
            rx.cond(a["source_parties"] != "", _field("В работе (по источнику)", a["source_parties"])),
            _field("Адрес", a["address"]),
            _field("Точка на карте", a["point"]),
            _field("Канал", a["channel"]),
            _field("Поступило", a["created"]),
            _field("Срок ответа", rx.hstack(rx.text(a["deadline"]), rx.cond(
                a["deadline_note"] != "",
                rx.badge(a["deadline_note"], color_scheme=rx.cond(a["deadline_note"].to(str).contains("просрочено"),
                                                                 "red", "gray")),
            ), rx.cond(a["data_as_of"] != "", rx.text(a["data_as_of"], size="1", color=rx.color("gray", 11),
                                                      id="card-as-of")), align="center", wrap="wrap")),
            _field("Срок продлевался", a["extended"]),
            _field("Оценка заявителя", a["rating"]),
            rx.cond(a["external_ref"] != "", _field("Номер в платформе", a["id"].to(str))),
            rx.cond(a["external_ref"] != "", _field("Внешний номер", a["external_ref"])),
            rx.cond(a["history_note"] != "", _field("Импорт", a["history_note"])),
            size="2",
        ),
        width="100%",
    )


def _answer(answer) -> rx.Component:
    return rx.card(
        rx.hstack(rx.badge(answer["kind"]), rx.text(answer["organization"], weight="medium", size="2"),
                  rx.spacer(), rx.text(answer["created"], size="1"), align="center", width="100%"),
        rx.cond(answer["planned"] != "", rx.text("Плановая дата: ", answer["planned"], size="2")),
        rx.cond(answer["review"] != "", rx.text("Согласование: ", answer["review"], size="1",
                                                color=rx.color("gray", 11))),
        rx.cond(answer["rework"] != "", rx.callout("Причина возврата: " + answer["rework"].to(str), icon="undo-2",
                                                   color_scheme="orange", high_contrast=True, size="1",
                                                   class_name="answer-rework")),
        rx.text(answer["text"], size="2", white_space="pre-wrap", margin_top="8px"),
        attachment_list(CardState.files, answer["id"]),
        width="100%", class_name="answer-card",
    )


def _event(event) -> rx.Component:
    return rx.hstack(
        rx.box(width="10px", height="10px", border_radius="50%", background=rx.color("accent", 9), margin_top="6px",
               flex_shrink="0"),
        rx.vstack(
            rx.hstack(rx.text(event["at"], size="1", color=rx.color("gray", 11)),
                      rx.text(event["title"], weight="medium", size="2"), align="center"),
            rx.cond(event["change"] != "", rx.text(event["change"], size="2")),
            rx.text(event["actor"], size="1", color=rx.color("gray", 11)),
            rx.cond(event["reason"] != "", rx.text("Причина: ", event["reason"], size="2")),
            rx.cond(event["detail"] != "", rx.text(event["detail"], size="1", color=rx.color("gray", 11))),
            spacing="0",
        ),
        align="start", class_name="timeline-event",
    )


def card_page() -> rx.Component:
    return page_frame(
        rx.link(rx.cond(CardState.home_url == routes.MY_APPEALS, "← К моим обращениям", "← К очереди"),
                href=CardState.home_url, size="2", id="card-back"),
        rx.cond(
            CardState.error != "",
            rx.callout(CardState.error, icon="triangle-alert", color_scheme="red", high_contrast=True,
                       margin_top="16px", role="alert"),
            rx.cond(
                CardState.appeal.contains("id"),
                rx.grid(
                    rx.vstack(
                        rx.heading("Обращение №", CardState.appeal["number"], size="6", id="card-title"),
                        rx.card(rx.text(CardState.appeal["text"], white_space="pre-wrap"), width="100%"),
                        attachment_list(CardState.files, 0, "card-files"),
                        _details(),
                        rx.heading("Ответы", size="4"),
                        rx.cond(CardState.answers.length() > 0, rx.foreach(CardState.answers, _answer),
                                rx.text("Ответов пока нет", color=rx.color("gray", 11))),
                        spacing="3", width="100%",
                    ),
                    rx.vstack(
                        rx.cond(CardState.action_notice != "", rx.callout(
                            CardState.action_notice, icon="check", color_scheme="green", high_contrast=True, id="action-notice",
                            role="status")),
                        action_panel(),
                        rx.heading("История обращения", size="4"),
                        rx.card(rx.vstack(rx.foreach(CardState.timeline, _event), spacing="3"), width="100%",
                                id="card-timeline"),
                        width="100%",
                    ),
                    columns=rx.breakpoints(initial="1", md="2"), spacing="5", width="100%", margin_top="12px",
                ),
                rx.spinner(margin="24px", aria_label="Загрузка обращения"),
            ),
        ),
    )
