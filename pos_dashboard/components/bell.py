"""The bell in the header: unread notifications of the logged-in user, a link to /notifications.
It asks the server on mount and every BELL_POLL_MS after."""

import reflex as rx

from .. import routes
from ..states.notifications import BellState

BELL_POLL_MS = 30_000


def bell() -> rx.Component:
    return rx.link(
        rx.box(
            rx.icon("bell", size=20, aria_hidden="true"),
            rx.cond(BellState.unread > 0,
                    rx.badge(rx.cond(BellState.unread > 99, "99+", BellState.unread.to(str)), color_scheme="red",
                             variant="solid", high_contrast=True, radius="full", size="1", id="bell-count",
                             position="absolute", top="-8px", right="-12px")),
            position="relative", display="inline-flex", padding="4px",
        ),
        rx.moment(interval=BELL_POLL_MS, format="HH:mm", on_change=BellState.refresh, display="none"),
        href=routes.NOTIFICATIONS, id="bell",
        aria_label=rx.cond(BellState.unread > 0, "Уведомления: непрочитанных " + BellState.unread.to(str),
                           "Уведомления: нет непрочитанных"),
        on_mount=BellState.refresh, color=rx.color("gray", 12), margin_right="10px",
    )
