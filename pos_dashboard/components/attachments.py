"""Attached files on the card: photos as thumbnails that open the full image, other files as links
with their size. Every address is a signed link made for the viewer (services/file_links)."""

import reflex as rx


def _photo(f) -> rx.Component:
    return rx.link(
        rx.image(src=f["thumb_url"], alt="Фотография: " + f["name"].to(str), height="120px", width="auto",
                 max_width="200px", object_fit="cover", border_radius="6px", loading="lazy"),
        href=f["url"], is_external=True, class_name="attachment-photo", title=f["name"],
    )


def _document(f) -> rx.Component:
    return rx.link(
        rx.hstack(rx.icon("file-text", size=16, aria_hidden="true"), rx.text(f["name"], size="2"),
                  rx.text(f["size"], size="1", color=rx.color("gray", 11)), align="center", spacing="1"),
        href=f["url"], is_external=True, class_name="attachment-file",
    )


def attachment_list(files, answer_id, element_id: str | None = None) -> rx.Component:
    """The files of the appeal (answer_id 0) or of one answer."""
    return rx.flex(
        rx.foreach(files, lambda f: rx.cond(
            f["answer_id"] == answer_id,
            rx.cond(f["thumb_url"] != "", _photo(f), _document(f)),
        )),
        wrap="wrap", spacing="2", width="100%", id=element_id, margin_top="4px",
    )
