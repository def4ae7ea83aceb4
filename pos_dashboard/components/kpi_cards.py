"""KPI cards: the value (a link to the appeals behind it), its definition on hover or focus, the
change against the previous period and the region's value."""

import reflex as rx

from ..states.kpi import KpiState

_TONES = {"good": "grass", "bad": "red", "neutral": "gray"}


def _card(card) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(card["label"], size="2", weight="medium"),
                rx.tooltip(rx.icon_button(rx.icon("info", size=14), size="1", variant="ghost",
                                          aria_label="Определение: " + card["definition"]),
                           content=card["definition"]),
                justify="between", width="100%", align="start",
            ),
            rx.link(card["value"], href=card["href"], size="6", weight="bold", id="kpi-value-" + card["name"],
                    class_name="kpi-value", title="Открыть обращения в очереди"),
            rx.text(card["delta"], size="1", color=rx.match(card["tone"], *[(k, rx.color(v, 11)) for k, v in _TONES.items()],
                                                              rx.color("gray", 11))),
            rx.text("Регион: ", card["region"], size="1", color=rx.color("gray", 11), id="kpi-region-" + card["name"]),
            spacing="1", width="100%",
        ),
        title=card["definition"], id="kpi-card-" + card["name"],
    )


def cards() -> rx.Component:
    return rx.grid(rx.foreach(KpiState.cards, _card), columns=rx.breakpoints(initial="2", sm="3", lg="5"),
                   spacing="3", width="100%", id="kpi-cards")
