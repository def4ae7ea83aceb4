"""/kpi — the officials' KPI dashboard (officials, coordinators and administrators)."""

import reflex as rx

from ..components.change_poll import change_poll
from ..components.kpi_cards import cards
from ..components.kpi_charts import charts
from ..components.kpi_filters import filters
from ..components.kpi_tables import tables
from ..components.layout import page_frame
from ..states.kpi import KpiState


def kpi_page() -> rx.Component:
    return page_frame(
        rx.vstack(
            rx.hstack(
                rx.heading("Показатели работы с обращениями", size="6", as_="h1"),
                rx.cond(KpiState.loading, rx.spinner(size="2", id="kpi-loading")),
                rx.spacer(),
                rx.text("обновлено ", KpiState.updated_at, size="1", color=rx.color("gray", 11), id="kpi-updated"),
                *change_poll("kpi", KpiState.version_mark, KpiState.poll),  # reloads the view
                width="100%", align="center", wrap="wrap",
            ),
            rx.cond(KpiState.error != "",
                    rx.callout(KpiState.error, icon="triangle-alert", color_scheme="red", id="kpi-error")),
            rx.cond(KpiState.cards.length() > 0, rx.vstack(filters(), cards(), charts(), tables(),
                                                           spacing="4", width="100%")),
            spacing="4", width="100%",
        )
    )
