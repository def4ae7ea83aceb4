"""/admin/organizations — the administrator's organisations page."""

import reflex as rx

from .. import routes
from ..components.admin import admin_header, bounded_field, field_select, messages, search_box, state_badge
from ..components.layout import page_frame
from ..components.paging import pager
from ..components.plain_table import cell, plain_table
from ..domain.enums import ORG_TYPE_LABELS
from ..domain.limits import ORGANIZATION_NAME_MAX, SEARCH_MAX
from ..states.admin_lists import NONE
from ..states.admin_orgs import AdminOrgsState as S

TYPES = [{"value": str(t), "label": label} for t, label in ORG_TYPE_LABELS.items()]


def _form() -> rx.Component:
    e = S.editing
    return rx.card(rx.form(rx.vstack(
        rx.heading(rx.cond(S.editing_id == 0, "Новая организация", "Изменение организации"), size="4"),
        rx.grid(
            bounded_field("Название", "name", "org-name", ORGANIZATION_NAME_MAX, default=e["name"]),
            field_select("Тип", "org_type", "org-type", TYPES, e["org_type"]),
            field_select("Территория", "territory", "org-territory",
                         [{"value": NONE, "label": "— весь регион —"}],
                         rx.cond(e["territory_id"] != "", e["territory_id"], NONE), more=S.territories),
            bounded_field("Вышестоящая организация: номер или название (необязательно)", "parent", "org-parent",
                          ORGANIZATION_NAME_MAX + 12, default=e["parent"], list="org-parent-choices",
                          hint="начните вводить название и выберите из подсказок", on_typed=S.find_orgs),
            columns=rx.breakpoints(initial="1", md="2"), spacing="3", width="100%"),
        rx.hstack(rx.button("Сохранить", type="submit", id="org-save"),
                  rx.cond(S.editing_id != 0, rx.button("Отмена", variant="soft", type="button", on_click=S.edit(0)))),
        spacing="3", width="100%"),
        on_submit=S.save, reset_on_submit=False, key=S.form_key.to(str), width="100%"), width="100%")


def _row(row) -> rx.Component:
    return rx.el.tr(
        cell(row["id"]), cell(rx.text(row["name"], weight="medium"), hint=row["type_label"]),
        cell(row["territory"]), cell(row["parent"]), cell(state_badge(row["active"])),
        cell(rx.hstack(
            rx.button("Изменить", size="1", variant="soft", on_click=S.edit(row["id"]),
                      aria_label="Изменить организацию " + row["id"].to(str)),
            rx.cond(row["active"],
                    rx.button("Отключить", size="1", variant="soft", color_scheme="red", high_contrast=True,
                              on_click=S.set_active(row["id"], False),
                              aria_label="Отключить организацию " + row["id"].to(str)),
                    rx.button("Включить", size="1", variant="soft", on_click=S.set_active(row["id"], True),
                              aria_label="Включить организацию " + row["id"].to(str))),
            rx.link("Журнал", href=routes.audit_url("organization", row["id"]), size="1"),
            spacing="2", align="center")),
        class_name="admin-org-row")


def admin_orgs_page() -> rx.Component:
    return page_frame(rx.vstack(
        admin_header("Организации", "Исполнители обращений. Организацию, на которую ведут правила маршрутизации, "
                     "отключить нельзя: сначала измените правила."),
        messages(S.error, S.notice, "orgs"),
        rx.el.datalist(rx.foreach(S.org_choices, lambda o: rx.el.option(value=o)), id="org-parent-choices"),
        _form(),
        rx.flex(search_box(S.search, "orgs-search", "Поиск по названию или номеру", SEARCH_MAX),
                rx.text("Найдено: ", S.total, size="2", id="orgs-total"), spacing="3", align="center", wrap="wrap"),
        plain_table("Организации", ["№", "Название и тип", "Территория", "Вышестоящая", "Состояние", "Действия"],
                    rx.foreach(S.rows, _row), "orgs-table"),
        pager(S.page, S.page_count, S.set_page, "Страницы организаций", "orgs"),
        spacing="4", width="100%"))
