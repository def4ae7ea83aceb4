"""/ — the coordinator's appeal queue (organisation staff see their organisation's queue)."""

import reflex as rx

from ..components.layout import page_frame
from ..components.change_poll import change_poll
from ..components.queue_export import export_buttons
from ..components.queue_table import filters, pager, status_chips, table
from ..states.queue import QueueState


def queue_page() -> rx.Component:
    return page_frame(
        rx.vstack(
            rx.hstack(
                rx.heading("Очередь обращений", size="6"),
                rx.cond(QueueState.loading, rx.spinner(size="2", aria_label="Загрузка", id="queue-loading")),
                rx.spacer(),
                rx.cond(QueueState.as_of != "", rx.badge(QueueState.as_of, color_scheme="amber", size="2",
                                                         id="queue-as-of")),
                rx.text("обновлено ", QueueState.updated_at, size="1", color=rx.color("gray", 11)),
                *change_poll("queue", QueueState.version_mark, QueueState.poll),  # reloads the rows
                width="100%", align="center",
            ),
            rx.cond(QueueState.error != "", rx.callout(QueueState.error, icon="triangle-alert", color_scheme="red",
                                                   high_contrast=True, role="alert", id="queue-error")),
            rx.cond(QueueState.drill_text != "", rx.hstack(
                rx.text("Отбор с панели показателей: ", QueueState.drill_text, size="2", id="queue-drill",
                        padding="4px 8px", border_radius="6px", background=rx.color("accent", 3)),
                rx.button(rx.icon("x", size=14), "Снять отбор", size="1", variant="ghost",
                          on_click=QueueState.clear_drill),
                align="center", wrap="wrap")),
            status_chips(),
            filters(),
            table(),
            pager(),
            export_buttons(),
            spacing="4", width="100%",
        )
    )
