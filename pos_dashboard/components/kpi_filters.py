"""The dashboard's filters: period presets and dates, several territories and categories (each
added from a list and removed by its chip), organisation type and organisations."""

import reflex as rx

from ..analytics.dashboard_filter import PERIOD_LABELS
from ..states.kpi import KpiState

NONE = "none"
# Radix draws a select's placeholder in gray 10, below WCAG AA contrast: ours read as values ("Добавить…").
_PLACEHOLDER = {"& .rt-SelectTriggerInner": {"color": rx.color("gray", 12)}}


def _adder(kind: str, options, label: str) -> rx.Component:
    """A select that adds one more id of `kind` to the filter (and then shows its placeholder again)."""
    return rx.vstack(
        rx.text(label, as_="label", html_for=f"kpi-add-{kind}", size="1", color=rx.color("gray", 11)),
        rx.select.root(
            rx.select.trigger(placeholder="Добавить…", width="230px", id=f"kpi-add-{kind}", aria_label=label,
                              style=_PLACEHOLDER),
            rx.select.content(rx.foreach(options, lambda o: rx.select.item(o["label"], value=o["value"]))),
            value="", on_change=lambda v: KpiState.set_filter(kind, "+" + v),
        ),
        spacing="1",
    )


def _chips() -> rx.Component:
    return rx.flex(
        rx.foreach(KpiState.chips, lambda chip: rx.badge(
            chip["label"],
            rx.icon_button(rx.icon("x", size=12), size="1", variant="ghost", aria_label="Убрать фильтр: " + chip["label"],
                           on_click=rx.cond(chip["kind"] == "org_type", KpiState.set_filter("org_type", ""),
                                            KpiState.set_filter(chip["kind"], "-" + chip["value"]))),
            size="2", variant="surface", class_name="kpi-chip")),
        wrap="wrap", spacing="2",
    )


def _date(name: str, value, label: str) -> rx.Component:
    return rx.vstack(
        rx.text(label, as_="label", html_for=f"kpi-{name}", size="1", color=rx.color("gray", 11)),
        rx.debounce_input(rx.input(type="date", value=value, id=f"kpi-{name}", aria_label=label,
                                   on_change=lambda v: KpiState.set_filter(name, v)), debounce_timeout=600),
        spacing="1",
    )


def filters() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.vstack(
                rx.text("Период", size="1", color=rx.color("gray", 11)),
                rx.segmented_control.root(
                    *[rx.segmented_control.item(label, value=value) for value, label in PERIOD_LABELS.items()
                      if value != "custom"],
                    value=KpiState.period, on_change=lambda v: KpiState.set_filter("period", v), id="kpi-period"),
                spacing="1",
            ),
            _date("from", KpiState.date_from, "С даты"),
            _date("to", KpiState.date_to, "По дату"),
            _adder("territory", KpiState.options["territories"], "Территория"),
            _adder("category", KpiState.options["categories"], "Категория"),
            rx.vstack(
                rx.text("Тип организации", as_="label", html_for="kpi-org-type", size="1", color=rx.color("gray", 11)),
                rx.select.root(
                    rx.select.trigger(placeholder="Все типы", width="230px", id="kpi-org-type",
                                      aria_label="Тип организации", style=_PLACEHOLDER),
                    rx.select.content(rx.select.item("Все типы", value=NONE),
                                      rx.foreach(KpiState.options["org_types"],
                                                 lambda o: rx.select.item(o["label"], value=o["value"]))),
                    value="", on_change=lambda v: KpiState.set_filter("org_type", rx.cond(v == NONE, "", v)),
                ),
                spacing="1",
            ),
            _adder("organization", KpiState.options["organizations"], "Организация"),
            wrap="wrap", spacing="4", align="end",
        ),
        rx.hstack(rx.text("Период: ", KpiState.period_text, size="2", id="kpi-period-text"), _chips(),
                  rx.link("Сбросить фильтры", href="/kpi", size="2"), wrap="wrap", align="center", spacing="3"),
        spacing="3", width="100%",
    )
