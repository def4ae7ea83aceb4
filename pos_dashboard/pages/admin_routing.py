"""/admin/routing — the administrator's routing rules."""

import reflex as rx

from .. import routes
from ..components.admin import admin_header, bounded_field, field_select, messages, search_box
from ..components.layout import page_frame
from ..components.paging import pager
from ..components.plain_table import cell, plain_table
from ..domain.limits import ORGANIZATION_NAME_MAX, SEARCH_MAX
from ..states.admin_lists import NONE
from ..states.admin_routing import AdminRoutingState as S


def _form() -> rx.Component:
    e = S.editing
    return rx.card(rx.form(rx.vstack(
        rx.heading(rx.cond(S.editing_id == 0, "Новое правило", "Изменение правила"), size="4"),
        rx.grid(
            field_select("Категория", "category", "rule-category", [], e["category_id"], "Выберите категорию",
                         more=S.categories),
            field_select("Территория", "territory", "rule-territory", [{"value": NONE, "label": "— весь регион —"}],
                         rx.cond(e["territory_id"] != "", e["territory_id"], NONE), more=S.territories),
            bounded_field("Организация-исполнитель: номер или название", "organization", "rule-organization",
                          ORGANIZATION_NAME_MAX + 12, default=e["organization"], list="rule-org-choices",
                          hint="начните вводить название и выберите из подсказок", on_typed=S.find_orgs),
            columns=rx.breakpoints(initial="1", md="3"), spacing="3", width="100%"),
        rx.hstack(rx.button("Сохранить", type="submit", id="rule-save"),
                  rx.cond(S.editing_id != 0, rx.button("Отмена", variant="soft", type="button", on_click=S.edit(0)))),
        spacing="3", width="100%"),
        on_submit=S.save, reset_on_submit=False, key=S.form_key.to(str), width="100%"), width="100%")


def _row(row) -> rx.Component:
    label = " правило " + row["id"].to(str)
    return rx.el.tr(
        cell(row["id"]), cell(rx.text(row["category"], weight="medium")), cell(row["territory"]),
        cell(row["organization"], hint=rx.cond(row["organization_active"], "", "организация отключена")),
        cell(rx.hstack(
            rx.button("Изменить", size="1", variant="soft", on_click=S.edit(row["id"]), aria_label="Изменить" + label),
            rx.button("Удалить", size="1", variant="soft", color_scheme="red", high_contrast=True,
                      on_click=S.delete(row["id"]),
                      aria_label="Удалить" + label),
            rx.link("Журнал", href=routes.audit_url("routing_rule", row["id"]), size="1"),
            spacing="2", align="center")),
        class_name="admin-rule-row")


def admin_routing_page() -> rx.Component:
    return page_frame(rx.vstack(
        admin_header("Маршрутизация", "Обращение категории с территории направляется организации по самому точному "
                     "правилу (категория, затем её родитель; территория, затем вышестоящая, затем весь регион). "
                     "Без правила обращение распределяет ЦУР."),
        messages(S.error, S.notice, "routing"),
        rx.el.datalist(rx.foreach(S.org_choices, lambda o: rx.el.option(value=o)), id="rule-org-choices"),
        _form(),
        rx.flex(search_box(S.search, "routing-search", "Поиск по категории, территории, организации", SEARCH_MAX),
                rx.text("Найдено: ", S.total, size="2", id="routing-total"), spacing="3", align="center", wrap="wrap"),
        plain_table("Правила маршрутизации", ["№", "Категория", "Территория", "Организация", "Действия"],
                    rx.foreach(S.rows, _row), "routing-table"),
        pager(S.page, S.page_count, S.set_page, "Страницы правил", "routing"),
        spacing="4", width="100%"))
