"""A pager for any server-paged list: the page number, the page count and the handler come in."""

from collections.abc import Callable

import reflex as rx


def pager(page: rx.Var[int], page_count: rx.Var[int], on_page: Callable, id_prefix: str) -> rx.Component:
    return rx.hstack(
        rx.button(rx.icon("chevron-left", size=14), "Назад", size="2", variant="soft", id=f"{id_prefix}-prev",
                  disabled=page == 0, on_click=on_page(page - 1)),
        rx.text(f"Страница {page + 1} из {page_count}", size="2", id=f"{id_prefix}-page"),
        rx.button("Вперёд", rx.icon("chevron-right", size=14), size="2", variant="soft", id=f"{id_prefix}-next",
                  disabled=page + 1 >= page_count, on_click=on_page(page + 1)),
        align="center", justify="center", width="100%", spacing="3",
    )
