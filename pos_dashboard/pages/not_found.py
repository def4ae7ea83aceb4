"""The page for every unknown address (Reflex's 404 route): in Russian, with the way back."""

import reflex as rx

from ..components.layout import page_frame


def not_found_page() -> rx.Component:
    return page_frame(
        rx.center(
            rx.vstack(
                rx.heading("Страница не найдена", size="6", id="not-found-title"),
                rx.text("Такой страницы на платформе нет. Проверьте адрес или перейдите в один из разделов.",
                        color=rx.color("gray", 12)),
                rx.hstack(
                    rx.link("К очереди обращений", href="/", id="not-found-home", size="3", weight="medium"),
                    rx.link("Вход", href="/login", size="3", weight="medium"),
                    spacing="5",
                ),
                spacing="4", align="center", padding_y="64px",
            ),
        ),
    )
