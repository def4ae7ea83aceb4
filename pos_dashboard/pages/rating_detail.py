"""/ratings/[organization_id] — one organisation's rating: how it is made up and how to improve it."""

import reflex as rx

from .. import routes
from ..components.layout import page_frame
from ..components.rating_detail import (categories_block, components_table, header_stats, low_rated_block,
                                        trend_block)
from ..components.ratings import formula_block, period_select
from ..states.rating_detail import RatingDetailState as S


def rating_detail_page() -> rx.Component:
    return page_frame(
        rx.vstack(
            rx.link("← Рейтинг организаций", href=routes.RATINGS, size="2"),
            rx.cond(
                S.error != "",
                rx.callout(S.error, icon="triangle-alert", color_scheme="red", id="detail-error"),
                rx.cond(
                    S.organization.contains("name"),
                    rx.vstack(
                        rx.flex(
                            rx.vstack(rx.heading(S.organization["name"], size="6", as_="h1", id="detail-title"),
                                      rx.text(S.organization["type"], size="2", color=rx.color("gray", 11)),
                                      spacing="1"),
                            rx.spacer(),
                            period_select(S.period, S.set_period, "detail-period"),
                            rx.cond(S.loading, rx.spinner(size="2")),
                            wrap="wrap", spacing="3", width="100%", align="end"),
                        header_stats(),
                        rx.heading("Составляющие индекса", size="4", as_="h2"),
                        components_table(),
                        trend_block(),
                        categories_block(),
                        low_rated_block(),
                        formula_block(),
                        spacing="4", width="100%",
                    ),
                    rx.spinner(margin="24px"),
                ),
            ),
            spacing="3", width="100%",
        )
    )
