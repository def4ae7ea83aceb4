"""/my — «Мои обращения»: the citizen's own appeals, newest first; each opens its card."""

import reflex as rx

from .. import routes
from ..components.layout import page_frame
from ..components.pager import pager
from ..components.status import status_badge
from ..components.following import followed_section
from ..states.following import FollowState
from ..states.my_appeals import MyAppealsState


def _deadline(row) -> rx.Component:
    return rx.match(
        row["deadline_state"],
        ("overdue", rx.badge(row["left"], color_scheme="red", variant="solid")),
        ("at_risk", rx.badge("осталось " + row["left"].to(str), color_scheme="orange")),
        ("ok", rx.text("осталось " + row["left"].to(str), size="2", color=rx.color("gray", 11))),
        rx.fragment(),
    )


def _row(row) -> rx.Component:
    return rx.link(
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.text("№", row["id"], weight="bold", size="3", color=rx.color("gray", 12)),
                    status_badge(row["status"], row["status_label"]),
                    rx.spacer(),
                    rx.text(row["created"], size="1", color=rx.color("gray", 11)),
                    align="center", width="100%", wrap="wrap",
                ),
                rx.text(row["category"], size="2", weight="medium", color=rx.color("accent", 11)),
                rx.text(row["text"], size="2", color=rx.color("gray", 12)),
                rx.hstack(rx.text("Срок ответа: ", row["deadline"], size="2", color=rx.color("gray", 12)), _deadline(row),
                          align="center", wrap="wrap", spacing="2"),
                spacing="2", width="100%",
            ),
            width="100%",
        ),
        href="/appeals/" + row["id"].to(str),
        underline="none", color="inherit", width="100%", class_name="my-appeal-row",
    )


def my_appeals_page() -> rx.Component:
    return page_frame(
        rx.vstack(
            rx.hstack(
                rx.heading("Мои обращения", size="6", id="my-title"),
                rx.spacer(),
                rx.cond(FollowState.rows.length() > 0,
                        rx.link(rx.icon("eye", size=14), " Отслеживаемые: ", FollowState.rows.length(),
                                href="#followed-section", size="2", id="followed-link")),
                rx.link(rx.button(rx.icon("plus", size=16), "Новое обращение", size="2"),
                        href=routes.NEW_APPEAL, id="new-appeal-link"),
                width="100%", align="center", wrap="wrap", spacing="3",
            ),
            rx.cond(
                MyAppealsState.loaded,
                rx.cond(
                    MyAppealsState.total > 0,
                    rx.vstack(
                        rx.text("Всего обращений: ", MyAppealsState.total, size="2", id="my-total"),
                        rx.foreach(MyAppealsState.rows, _row),
                        rx.cond(MyAppealsState.page_count > 1,
                                pager(MyAppealsState.page, MyAppealsState.page_count, MyAppealsState.set_page, "my")),
                        spacing="3", width="100%",
                    ),
                    rx.callout("У вас пока нет обращений. Сообщите о проблеме — мы передадим её ответственным.",
                               icon="info", id="my-empty"),
                ),
                rx.spinner(margin="24px"),
            ),
            followed_section(),
            spacing="4", width="100%", max_width="760px", margin_x="auto",
        )
    )
