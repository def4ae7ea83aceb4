"""Pieces every administration page uses: the section links, the messages, text fields with a
limit and a live counter (kept in the browser: no round trip per key), the search box."""

import reflex as rx
from reflex.experimental.client_state import ClientStateVar

from .. import routes

SECTIONS = [(routes.ADMIN_USERS, "Пользователи", "admin-nav-users"),
            (routes.ADMIN_ORGANIZATIONS, "Организации", "admin-nav-organizations"),
            (routes.ADMIN_CATEGORIES, "Категории и сроки", "admin-nav-categories"),
            (routes.ADMIN_ROUTING, "Маршрутизация", "admin-nav-routing"),
            (routes.ADMIN_AUDIT, "Журнал действий", "admin-nav-audit")]


def admin_header(title: str, hint: str) -> rx.Component:
    return rx.vstack(
        rx.el.nav(rx.hstack(rx.link("Администрирование", href=routes.ADMIN, size="2", id="admin-nav-hub"),
                            *[rx.link(label, href=href, size="2", id=id_) for href, label, id_ in SECTIONS],
                            spacing="4", wrap="wrap"),
                  aria_label="Разделы администрирования"),
        rx.heading(title, size="6"),
        rx.text(hint, size="2", color=rx.color("gray", 11)),
        spacing="2", width="100%")


def messages(error, notice, prefix: str) -> rx.Component:
    return rx.fragment(
        rx.cond(error != "", rx.callout(error, icon="triangle-alert", color_scheme="red", high_contrast=True,
                                        role="alert", id=f"{prefix}-error", width="100%")),
        rx.cond(notice != "", rx.callout(notice, icon="check", color_scheme="green", high_contrast=True,
                                         role="status", id=f"{prefix}-notice", width="100%")))


def bounded_field(label: str, name: str, id_: str, limit: int, default="", input_type: str = "text",
                  hint: str = "", on_typed=None, **props) -> rx.Component:
    """A labelled input with its limit (max_length) and «набрано N из LIMIT» once something is typed."""
    typed = ClientStateVar.create(f"typed_{id_.replace('-', '_')}", default="")
    return rx.vstack(
        rx.el.label(label, html_for=id_, class_name="field-label"),
        rx.input(name=name, id=id_, default_value=default, max_length=limit, type=input_type, width="100%",
                 on_change=[typed.set, on_typed] if on_typed is not None else typed.set, **props),
        rx.text(rx.cond(typed.value == "", hint or f"не больше {limit} символов",
                        "набрано " + typed.value.to(str).length().to(str) + f" из {limit}"),
                size="1", color=rx.color("gray", 11), id=f"{id_}-counter"),
        spacing="1", width="100%")


def search_box(on_change, id_: str, placeholder: str, limit: int) -> rx.Component:
    return rx.input(placeholder=placeholder, aria_label=placeholder, on_change=on_change.debounce(400),
                    max_length=limit, id=id_, width=rx.breakpoints(initial="100%", sm="320px"), type="search")


def field_select(label: str, name: str, id_: str, options: list[dict], default, placeholder: str = "",
                 more=None) -> rx.Component:
    """A labelled select inside a form: fixed `options` ({value, label}), then `more` (a Var of them)."""
    items = [rx.select.item(o["label"], value=o["value"]) for o in options]
    if more is not None:
        items.append(rx.foreach(more, lambda o: rx.select.item(o["label"], value=o["value"])))
    return rx.vstack(
        rx.el.label(label, html_for=id_, class_name="field-label"),
        rx.select.root(rx.select.trigger(id=id_, aria_label=label, placeholder=placeholder, width="100%"),
                       rx.select.content(*items), name=name, default_value=default),
        spacing="1", width="100%")


def state_badge(active) -> rx.Component:
    return rx.cond(active, rx.badge("действует", color_scheme="green", variant="soft", high_contrast=True),
                   rx.badge("отключена", color_scheme="gray", variant="soft", high_contrast=True))
