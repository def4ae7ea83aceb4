"""The banner shown while the browser has lost its live connection to the server, in place of
Reflex's English toast («Cannot connect to server: websocket error…»). It replaces the app's
default overlay (see pos_dashboard.py); Reflex reconnects by itself and the banner goes away."""

import reflex as rx
from reflex.components.core.banner import has_too_many_connection_errors

CONNECTION_LOST = "Нет связи с сервером, переподключаемся… Изменения, сделанные сейчас, не сохранятся."


def connection_banner() -> rx.Component:
    # Two failed attempts in a row, as Reflex's own toast: a single blip during a reload shows nothing.
    return rx.cond(
        has_too_many_connection_errors,
        rx.box(
            rx.callout(CONNECTION_LOST, icon="wifi-off", color_scheme="red", variant="surface", high_contrast=True,
                       role="alert", id="connection-banner"),
            # The callout's own background is translucent: the page must not show through.
            background=rx.color("gray", 1), border_radius="8px", box_shadow="0 4px 16px rgba(0, 0, 0, 0.2)",
            position="fixed", top="12px", left="50%", transform="translateX(-50%)", z_index="9999",
            max_width="90vw",
        ),
    )


def overlay(stateful: bool) -> rx.Component | None:
    """For App.app_wraps[(5, "Overlay")]: the same slot and condition as Reflex's default."""
    return connection_banner() if stateful else None
