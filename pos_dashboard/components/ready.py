"""A marker element that exists once the page has hydrated (websocket connected, state loaded);
browser tests wait for it before they click."""

import reflex as rx


def ready_marker() -> rx.Component:
    return rx.cond(rx.State.is_hydrated, rx.el.span(id="app-ready", display="none"))
