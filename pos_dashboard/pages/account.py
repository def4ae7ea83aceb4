"""/account — the user's sessions and the password change."""

import reflex as rx

from ..components.account import password_card, sessions_card
from ..components.layout import page_frame


def account_page() -> rx.Component:
    return page_frame(
        rx.vstack(
            rx.heading("Учётная запись", size="6"),
            sessions_card(),
            password_card(),
            spacing="4", width="100%",
        )
    )
