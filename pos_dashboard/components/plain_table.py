"""A small read-only table in a labelled region that keyboard users can scroll sideways (Radix's
table scrolls inside an element that cannot take focus, which axe rightly flags)."""

import reflex as rx


def plain_table(label: str, headers: list[str], body, id_: str) -> rx.Component:
    """`body`: the rows (rx.el.tr …), e.g. from rx.foreach."""
    return rx.el.div(
        rx.el.table(
            rx.el.thead(rx.el.tr(*[rx.el.th(h, scope="col") for h in headers])),
            rx.el.tbody(body),
            id=id_, class_name="plain-table",
        ),
        tab_index=0, role="region", aria_label=label, class_name="table-region",
    )


def cell(*children, hint=None, **props) -> rx.Component:
    """A cell with an optional smaller line under the value."""
    return rx.el.td(*children, *([rx.el.span(hint, class_name="hint")] if hint is not None else []), **props)
