"""The upload zone of a form: pick or drop up to 5 files, see each with its size and a remove
button, read why a file was refused. The browser's `accept` only helps the picker: the server
checks every file by its content (states/uploads.py)."""

import reflex as rx

from ..domain.attachments import MAX_FILES
from ..states.uploads import ACCEPT


def _chip(chip, on_remove) -> rx.Component:
    return rx.hstack(
        rx.icon("paperclip", size=16, aria_hidden="true"),
        rx.text(chip["name"], size="2", weight="medium", class_name="file-name"),
        rx.text(chip["size"], size="1", color=rx.color("gray", 11)),
        rx.spacer(),
        rx.button(rx.icon("x", size=14), "Убрать", size="1", variant="ghost", color_scheme="red", type="button",
                  on_click=on_remove(chip["key"]), aria_label="Убрать файл " + chip["name"].to(str)),
        align="center", width="100%", class_name="file-chip",
    )


def upload_zone(upload_id: str, title: str, files, error, on_add, on_rejected, on_remove) -> rx.Component:
    return rx.vstack(
        rx.text(title, weight="medium", size="3", as_="div", id=upload_id + "-title"),
        rx.text(f"До {MAX_FILES} файлов: фотографии JPG или PNG и документы PDF, каждый не больше 10 МБ. "
                "С фотографий убираются сведения о камере и месте съёмки.", size="2", color=rx.color("gray", 11)),
        # The label wraps the dropzone so that its hidden file input has a name; the label's own
        # click opens the picker (the dropzone's click is off, or the picker would open twice).
        rx.el.label(rx.upload(
            rx.vstack(
                rx.icon("image-plus", size=22, aria_hidden="true"),
                rx.text("Перетащите файлы сюда или нажмите, чтобы выбрать", size="2"),
                align="center", spacing="1",
            ),
            id=upload_id, accept=ACCEPT, multiple=True, no_click=True,
            on_drop=on_add(rx.upload_files(upload_id=upload_id)), on_drop_rejected=on_rejected,
            border="1px dashed var(--gray-8)", border_radius="8px", padding="16px", width="100%",
            cursor="pointer",
        ), width="100%", display="block"),
        rx.cond(files.length() > 0, rx.vstack(rx.foreach(files, lambda c: _chip(c, on_remove)), spacing="1",
                                              width="100%", id=upload_id + "-list")),
        rx.cond(error != "", rx.callout(error, icon="triangle-alert", color_scheme="red", width="100%",
                                        id=upload_id + "-error", role="alert")),
        spacing="2", width="100%",
    )
