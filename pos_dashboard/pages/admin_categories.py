"""/admin/categories — the administrator's category tree and deadline rules."""

import reflex as rx

from .. import routes
from ..components.admin import admin_header, bounded_field, field_select, messages, search_box, state_badge
from ..components.layout import page_frame
from ..components.paging import pager
from ..components.plain_table import cell, plain_table
from ..domain.limits import CATEGORY_NAME_MAX, DEADLINE_DAYS_MAX, SEARCH_MAX
from ..states.admin_categories import AdminCategoriesState as S
from ..states.admin_lists import NONE

KINDS = [{"value": "working", "label": "рабочих дней"}, {"value": "calendar", "label": "календарных дней"}]


def _form() -> rx.Component:
    e = S.editing
    return rx.card(rx.form(rx.vstack(
        rx.heading(rx.cond(S.editing_id == 0, "Новая категория", "Изменение категории"), size="4"),
        rx.grid(
            bounded_field("Название", "name", "category-name", CATEGORY_NAME_MAX, default=e["name"]),
            field_select("Родительская категория", "parent", "category-parent",
                         [{"value": NONE, "label": "— верхний уровень —"}],
                         rx.cond(e["parent_id"] != "", e["parent_id"], NONE), more=S.parents),
            rx.vstack(rx.el.label("Срок рассмотрения, дней", html_for="category-days", class_name="field-label"),
                      rx.input(name="deadline_days", id="category-days", type="number", min=1, max=DEADLINE_DAYS_MAX,
                               default_value=e["deadline_days"].to(str), width="100%"),
                      rx.text(f"от 1 до {DEADLINE_DAYS_MAX}", size="1", color=rx.color("gray", 11)),
                      spacing="1", width="100%"),
            field_select("Дни считаются", "deadline_kind", "category-kind", KINDS, e["deadline_kind"]),
            columns=rx.breakpoints(initial="1", md="2"), spacing="3", width="100%"),
        rx.flex(
            rx.checkbox("Срочная категория («часы»: короткий срок)", name="expedited", id="category-expedited",
                        default_checked=e["expedited"]),
            rx.checkbox("В ответе нужно фото результата", name="evidence_required", id="category-evidence",
                        default_checked=e["evidence_required"]),
            spacing="4", wrap="wrap"),
        rx.hstack(rx.button("Сохранить", type="submit", id="category-save"),
                  rx.cond(S.editing_id != 0, rx.button("Отмена", variant="soft", type="button", on_click=S.edit(0)))),
        spacing="3", width="100%"),
        on_submit=S.save, reset_on_submit=False, key=S.form_key.to(str), width="100%"), width="100%")


def _row(row) -> rx.Component:
    label = " категорию " + row["id"].to(str)
    return rx.el.tr(
        cell(row["id"]), cell(rx.text(row["path"], weight="medium")),
        cell(row["rule"], hint=rx.cond(row["expedited"], "срочная", "")),
        cell(rx.cond(row["evidence_required"], "да", "нет")), cell(state_badge(row["active"])),
        cell(rx.hstack(
            rx.button("Изменить", size="1", variant="soft", on_click=S.edit(row["id"]), aria_label="Изменить" + label),
            rx.cond(row["active"],
                    rx.button("Отключить", size="1", variant="soft", color_scheme="red", high_contrast=True,
                              on_click=S.set_active(row["id"], False), aria_label="Отключить" + label),
                    rx.button("Включить", size="1", variant="soft", on_click=S.set_active(row["id"], True),
                              aria_label="Включить" + label)),
            rx.button("Удалить", size="1", variant="ghost", color_scheme="red", high_contrast=True,
                      on_click=S.delete(row["id"]),
                      aria_label="Удалить" + label),
            rx.link("Журнал", href=routes.audit_url("category", row["id"]), size="1"),
            spacing="2", align="center")),
        class_name="admin-category-row")


def admin_categories_page() -> rx.Component:
    return page_frame(rx.vstack(
        admin_header("Категории и сроки", "Срок рассмотрения считается от подачи обращения по правилу его категории. "
                     "Категорию, по которой есть обращения, удалить нельзя: её отключают, и заявители её больше "
                     "не видят."),
        messages(S.error, S.notice, "categories"), _form(),
        rx.flex(search_box(S.search, "categories-search", "Поиск по названию", SEARCH_MAX),
                rx.text("Найдено: ", S.total, size="2", id="categories-total"), spacing="3", align="center",
                wrap="wrap"),
        plain_table("Категории", ["№", "Категория", "Срок", "Фото результата", "Состояние", "Действия"],
                    rx.foreach(S.rows, _row), "categories-table"),
        pager(S.page, S.page_count, S.set_page, "Страницы категорий", "categories"),
        spacing="4", width="100%"))
