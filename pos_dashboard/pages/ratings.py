"""/ratings — organisations ranked by the rating index among peers of the same type."""

import reflex as rx

from ..components.layout import page_frame
from ..components.ratings import filters, formula_block, table, table_footer
from ..states.ratings import RatingsState


def ratings_page() -> rx.Component:
    return page_frame(
        rx.vstack(
            rx.hstack(rx.heading("Рейтинг организаций", size="6", as_="h1"),
                      rx.cond(RatingsState.loading, rx.spinner(size="2")), rx.spacer(),
                      rx.link("Как считается индекс ↓", href="#formula", size="2"), align="center", width="100%"),
            rx.cond(RatingsState.error != "",
                    rx.callout(RatingsState.error, icon="triangle-alert", color_scheme="red", id="rating-error"),
                    rx.vstack(filters(), table(), table_footer(), spacing="3", width="100%")),
            formula_block(),
            spacing="4", width="100%",
        )
    )
