"""/triage — «Распределение»: the ЦУР coordinator's moderation, routing, answer review and control."""

import reflex as rx

from ..components.layout import page_frame
from ..components.triage_table import bulk_bar, org_picker, pager, results, table, tabs
from ..states.triage import TriageState


def triage_page() -> rx.Component:
    return page_frame(rx.vstack(
        rx.heading("Распределение обращений", size="6"),
        tabs(),
        rx.cond(TriageState.view == "coordination", org_picker()),
        bulk_bar(),
        results(),
        table(),
        pager(),
        spacing="4", width="100%",
    ))
