"""A pager for any server-paged table: it takes the page, the page count and the event to call."""

import reflex as rx


def pager(page, page_count, on_page, label, id_prefix: str) -> rx.Component:
    """`on_page(n)` must return the event that loads page n (0-based)."""
    return rx.hstack(
        rx.button(rx.icon("chevron-left", size=14), "Назад", size="1", variant="soft", disabled=page == 0,
                  on_click=on_page(page - 1), id=f"{id_prefix}-prev"),
        rx.text(f"Страница {page + 1} из {page_count}", size="2", id=f"{id_prefix}-page"),
        rx.button("Вперёд", rx.icon("chevron-right", size=14), size="1", variant="soft",
                  disabled=page + 1 >= page_count, on_click=on_page(page + 1), id=f"{id_prefix}-next"),
        align="center", aria_label=label,
    )
