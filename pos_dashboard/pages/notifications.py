"""/notifications — the logged-in user's own notifications, newest first; unread ones are marked
and can be marked read one by one or all at once."""

import reflex as rx

from .. import routes
from ..components.layout import page_frame
from ..components.pager import pager
from ..states.notifications import NotificationsState


def _row(row) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.cond(row["unread"], rx.badge("новое", color_scheme="red", variant="soft")),
                rx.text(row["subject"], weight="bold", size="3", color=rx.color("gray", 12)),
                rx.spacer(),
                rx.text(row["created"], size="1", color=rx.color("gray", 11)),
                align="center", width="100%", wrap="wrap",
            ),
            rx.text(row["body"], size="2", white_space="pre-line", color=rx.color("gray", 12)),
            rx.hstack(
                rx.cond(row["appeal_id"] > 0,
                        rx.link("Открыть обращение №" + row["appeal_id"].to(str), href=routes.appeal_url(row["appeal_id"]),
                                size="2")),
                rx.spacer(),
                rx.cond(row["unread"],
                        rx.button("Прочитано", size="1", variant="soft", on_click=NotificationsState.mark_read(row["id"]),
                                  class_name="mark-read", aria_label="Прочитано: " + row["subject"].to(str))),
                width="100%", align="center",
            ),
            spacing="2", width="100%",
        ),
        width="100%", class_name=rx.cond(row["unread"], "notification unread", "notification"),
        background=rx.cond(row["unread"], rx.color("accent", 2), rx.color("gray", 1)),
    )


def notifications_page() -> rx.Component:
    return page_frame(
        rx.vstack(
            rx.hstack(
                rx.heading("Уведомления", size="6", id="notifications-title"),
                rx.spacer(),
                rx.cond(NotificationsState.unread > 0,
                        rx.button("Отметить все прочитанными", size="2", variant="soft", id="mark-all-read",
                                  on_click=NotificationsState.mark_all_read)),
                width="100%", align="center", wrap="wrap", spacing="3",
            ),
            rx.cond(NotificationsState.error != "",
                    rx.callout(NotificationsState.error, icon="triangle-alert", color_scheme="red", role="alert",
                               id="notifications-error")),
            rx.cond(
                NotificationsState.loaded,
                rx.cond(
                    NotificationsState.total > 0,
                    rx.vstack(
                        rx.text("Всего: ", NotificationsState.total, ", непрочитанных: ", NotificationsState.unread,
                                size="2", id="notifications-total"),
                        rx.foreach(NotificationsState.rows, _row),
                        rx.cond(NotificationsState.page_count > 1,
                                pager(NotificationsState.page, NotificationsState.page_count,
                                      NotificationsState.set_page, "notifications")),
                        spacing="3", width="100%",
                    ),
                    rx.callout("Уведомлений пока нет. Здесь появятся сообщения о ходе ваших обращений.",
                               icon="info", id="notifications-empty"),
                ),
                rx.spinner(margin="24px"),
            ),
            spacing="4", width="100%", max_width="760px", margin_x="auto",
        )
    )
