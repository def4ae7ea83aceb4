"""Following other people's appeals: the «Следить» button of the «уже сообщили» list and the
followed appeals on «Мои обращения» (states/following.py)."""

import reflex as rx

from ..states.following import FollowState
from .status import status_badge


def follow_button(appeal) -> rx.Component:
    """For an appeal of somebody else near the chosen point: follow it instead of a new appeal."""
    followed = appeal["followed"].to(bool) | FollowState.followed_ids.contains(appeal["id"])
    return rx.cond(
        followed,
        rx.badge(rx.icon("eye", size=12), "вы следите", color_scheme="green", variant="soft",
                 class_name="nearby-followed"),
        rx.button(rx.icon("eye", size=14), "Следить", size="1", variant="soft",
                  on_click=FollowState.follow(appeal["id"]), class_name="nearby-follow",
                  aria_label="Следить за обращением №" + appeal["id"].to(str)),
    )


def _followed_row(row) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text("№", row["id"], weight="bold", size="3"),
                status_badge(row["status"], row["status_label"]),
                rx.spacer(),
                rx.button("Не следить", size="1", variant="outline", color_scheme="gray",
                          on_click=FollowState.unfollow(row["id"]), class_name="unfollow",
                          aria_label="Не следить за обращением №" + row["id"].to(str)),
                align="center", width="100%", wrap="wrap",
            ),
            rx.text(row["category"], size="2", weight="medium", color=rx.color("accent", 11)),
            rx.text(row["territory"], " · исполнитель: ", row["organization"], size="2", color=rx.color("gray", 11)),
            rx.hstack(rx.text("Срок ответа: ", row["deadline"], size="2"),
                      rx.cond(row["left"] != "", rx.text("(", row["left"], ")", size="2", color=rx.color("gray", 11))),
                      spacing="1", wrap="wrap"),
            spacing="1", width="100%",
        ),
        width="100%", class_name="followed-appeal",
    )


def followed_section() -> rx.Component:
    return rx.vstack(
        rx.heading("Отслеживаемые обращения", as_="h2", size="4", id="followed-title"),
        rx.cond(FollowState.error != "", rx.callout(FollowState.error, icon="triangle-alert", color_scheme="red",
                                                    role="alert", id="follow-error")),
        rx.cond(
            FollowState.rows.length() > 0,
            rx.vstack(rx.foreach(FollowState.rows, _followed_row), spacing="2", width="100%"),
            rx.text("Когда о проблеме уже сообщили, на странице нового обращения можно «Следить» за "
                    "существующим обращением — мы сообщим о его статусе.", size="2", color=rx.color("gray", 11),
                    id="followed-empty"),
        ),
        spacing="2", width="100%", id="followed-section",
    )
