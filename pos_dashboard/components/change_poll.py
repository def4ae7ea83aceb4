"""The hidden pair through which assets/queue_poll.js follows a page's data: `#<page>-version`
holds the change mark the view was read at, `#<page>-poll` sends the page's poll event. Every 3 s
the script compares the mark with GET /api/queue/version and, when they differ, presses the button."""

import reflex as rx


def change_poll(page: str, mark: rx.Var, on_poll) -> list[rx.Component]:
    return [
        rx.el.span(id=f"{page}-version", custom_attrs={"data-version": mark}, hidden=True),
        rx.el.button(id=f"{page}-poll", on_click=on_poll, hidden=True, tab_index=-1, aria_hidden="true"),
    ]
