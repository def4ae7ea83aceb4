"""/templates — the organisation's answer templates: list, add, change, delete."""

import reflex as rx

from ..components.layout import page_frame
from ..domain.answer_templates import TITLE_MAX
from ..domain.limits import ANSWER_TEXT_MAX
from ..states.answer_templates import ANY, TemplatesState as S


def _form() -> rx.Component:
    e = S.editing
    return rx.card(rx.form(rx.vstack(
        rx.heading(rx.cond(S.editing_id == 0, "Новый шаблон", "Изменение шаблона"), size="4"),
        rx.el.label("Название", html_for="template-title", class_name="field-label"),
        rx.input(name="title", id="template-title", default_value=e.get("title", ""), max_length=TITLE_MAX,
                 width="100%"),
        rx.el.label("Категория", html_for="template-category", class_name="field-label"),
        rx.select.root(
            rx.select.trigger(id="template-category", aria_label="Категория", width="100%"),
            rx.select.content(rx.select.item("Любая категория", value=ANY),
                              rx.foreach(S.category_options, lambda o: rx.select.item(o["label"], value=o["value"]))),
            name="category", default_value=e.get("category_value", ANY),
        ),
        rx.el.label("Текст ответа", html_for="template-text", class_name="field-label"),
        rx.text_area(name="text", id="template-text", default_value=e.get("text", ""), max_length=ANSWER_TEXT_MAX,
                     rows="6", width="100%"),
        rx.hstack(rx.button("Сохранить", type="submit", id="template-save"),
                  rx.cond(S.editing_id != 0, rx.button("Отмена", variant="soft", type="button", on_click=S.edit(0)))),
        spacing="2", width="100%"),
        on_submit=S.save, reset_on_submit=False, key=S.editing_id.to(str), width="100%"), width="100%")


def _row(row) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row["title"], weight="medium", size="2")),
        rx.table.cell(rx.text(row["category"], size="2")),
        rx.table.cell(rx.text(row["text"], size="2", style={"display": "-webkit-box", "-webkit-line-clamp": "3",
                                                           "-webkit-box-orient": "vertical", "overflow": "hidden"}),
                      max_width="420px"),
        rx.table.cell(rx.hstack(
            rx.button("Изменить", size="1", variant="soft", on_click=S.edit(row["id"]),
                      aria_label="Изменить шаблон «" + row["title"].to(str) + "»"),
            rx.button("Удалить", size="1", variant="soft", color_scheme="red", on_click=S.delete(row["id"]),
                      aria_label="Удалить шаблон «" + row["title"].to(str) + "»"))),
        class_name="template-row")


def templates_page() -> rx.Component:
    return page_frame(rx.vstack(
        rx.heading("Шаблоны ответов организации", size="6"),
        rx.text("Шаблон вставляется в поле ответа на карточке обращения своей категории.", size="2"),
        rx.cond(S.error != "", rx.callout(S.error, icon="triangle-alert", color_scheme="red", high_contrast=True,
                                          role="alert", id="template-error")),
        rx.cond(S.notice != "", rx.callout(S.notice, icon="check", color_scheme="green", high_contrast=True,
                                           role="status", id="template-notice")),
        _form(),
        rx.cond(S.rows.length() > 0, rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h)
                                           for h in ("Название", "Категория", "Текст", "Действия")])),
            rx.table.body(rx.foreach(S.rows, _row)), variant="surface", size="1", width="100%",
            id="templates-table"),
            rx.text("Шаблонов пока нет", color=rx.color("gray", 11))),
        spacing="4", width="100%"))
