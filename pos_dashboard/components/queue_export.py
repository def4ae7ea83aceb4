"""The queue's export buttons: every appeal of the current filter, not only the page shown."""

import reflex as rx

from ..states.queue_export import QueueExportState


def export_buttons() -> rx.Component:
    return rx.hstack(
        rx.text("Выгрузить всё найденное:", size="2", color=rx.color("gray", 11)),
        *[rx.button(rx.icon("download", size=14), label, size="1", variant="soft", id=f"queue-export-{fmt}",
                    on_click=QueueExportState.export(fmt))
          for fmt, label in (("csv", "CSV"), ("xlsx", "Excel (XLSX)"))],
        rx.cond(QueueExportState.export_error != "",
                rx.text(QueueExportState.export_error, size="2", color=rx.color("red", 11), role="alert")),
        align="center", spacing="2", wrap="wrap",
    )
