"""/admin/users — the administrator's accounts page."""

import reflex as rx

from .. import routes
from ..components.admin import admin_header, bounded_field, field_select, messages, search_box, state_badge
from ..components.layout import page_frame
from ..components.paging import pager
from ..components.plain_table import cell, plain_table
from ..domain.enums import ROLE_LABELS
from ..domain.limits import ORGANIZATION_NAME_MAX, PASSWORD_INPUT_MAX, SEARCH_MAX
from ..services.accounts import ASSIGNABLE_ROLES, EMAIL_MAX, FULL_NAME_MAX
from ..services.auth import MAX_LOGIN_LENGTH
from ..states.admin_users import AdminUsersState as S

ROLES = [{"value": str(r), "label": ROLE_LABELS[r]} for r in ASSIGNABLE_ROLES]
PASSWORD_HINT = "пусто — пароль будет создан и показан один раз; иначе не короче 8 символов"


def _org_field(id_: str, default="") -> rx.Component:
    return bounded_field("Организация (для сотрудника организации): номер или название", "organization", id_,
                         ORGANIZATION_NAME_MAX + 12, default=default, list="admin-org-choices",
                         hint="начните вводить название и выберите из подсказок", on_typed=S.find_orgs)


def _create_form() -> rx.Component:
    return rx.card(rx.form(rx.vstack(
        rx.heading("Новая учётная запись", size="4"),
        rx.grid(
            bounded_field("Логин", "login", "user-login", MAX_LOGIN_LENGTH,
                          hint="латинские строчные буквы, цифры, . _ -", auto_complete="off"),
            bounded_field("ФИО или название", "full_name", "user-name", FULL_NAME_MAX),
            field_select("Роль", "role", "user-role", ROLES, "org_staff"),
            _org_field("user-org"),
            bounded_field("Электронная почта (необязательно)", "email", "user-email", EMAIL_MAX, input_type="email"),
            bounded_field("Пароль", "password", "user-password", PASSWORD_INPUT_MAX, input_type="password",
                          hint=PASSWORD_HINT, auto_complete="new-password"),
            columns=rx.breakpoints(initial="1", md="2"), spacing="3", width="100%"),
        rx.button("Создать", type="submit", id="user-create"),
        spacing="3", width="100%"),
        on_submit=S.create, reset_on_submit=False, key=S.form_key.to(str), width="100%"), width="100%")


def _password_shown() -> rx.Component:
    return rx.cond(S.new_password != "", rx.callout(
        rx.vstack(
            rx.text("Пароль для «", S.new_password_for, "» показан один раз: передайте его владельцу.", size="2"),
            rx.code(S.new_password, size="4", id="generated-password", high_contrast=True, variant="outline",
                    color_scheme="gray"),
            rx.button("Скрыть пароль", size="1", variant="soft", on_click=S.hide_password, id="hide-password",
                      high_contrast=True, color_scheme="gray"),
            spacing="2"),
        icon="key-round", color_scheme="amber", high_contrast=True, role="status", width="100%"))


def _actions_panel() -> rx.Component:
    u = S.selected
    return rx.cond(u, rx.card(rx.vstack(
        rx.heading("Учётная запись «", u["login"], "»", size="4"),
        rx.form(rx.vstack(
            rx.text("Роль и организация (сеансы учётной записи завершатся)", weight="medium", size="2"),
            rx.grid(field_select("Роль", "role", "selected-role", ROLES, u["role"]),
                    _org_field("selected-org", u["organization"]),
                    columns=rx.breakpoints(initial="1", md="2"), spacing="3", width="100%"),
            rx.button("Сменить роль", type="submit", id="selected-change-role"), spacing="2", width="100%"),
            on_submit=S.change_role, reset_on_submit=False, key="role-" + u["id"].to(str), width="100%"),
        rx.form(rx.vstack(
            rx.text("Новый пароль (все сеансы учётной записи завершатся)", weight="medium", size="2"),
            bounded_field("Пароль", "password", "selected-password", PASSWORD_INPUT_MAX, input_type="password",
                          hint=PASSWORD_HINT, auto_complete="new-password"),
            rx.button("Сбросить пароль", type="submit", id="selected-reset"), spacing="2", width="100%"),
            on_submit=S.reset_password, reset_on_submit=False, key="pw-" + u["id"].to(str), width="100%"),
        rx.hstack(rx.link("Журнал действий с учётной записью", href=routes.audit_url("user", u["id"]), size="2"),
                  rx.button("Закрыть", size="1", variant="soft", on_click=S.select(0))),
        spacing="3", width="100%"), width="100%", id="user-actions"))


def _row(row) -> rx.Component:
    return rx.el.tr(
        cell(rx.text(row["login"], weight="medium"), hint=row["email"]),
        cell(row["full_name"]), cell(row["role_label"], hint=row["organization"]),
        cell(state_badge(row["active"])),
        cell(rx.hstack(
            rx.button("Действия", size="1", variant="soft", on_click=S.select(row["id"]),
                      aria_label="Действия с учётной записью " + row["login"]),
            rx.cond(row["active"],
                    rx.button("Отключить", size="1", variant="soft", color_scheme="red", high_contrast=True,
                              on_click=S.deactivate(row["id"]), aria_label="Отключить " + row["login"]),
                    rx.button("Включить", size="1", variant="soft", on_click=S.activate(row["id"]),
                              aria_label="Включить " + row["login"])),
            spacing="2")),
        class_name="admin-user-row", id="user-row-" + row["login"])


def admin_users_page() -> rx.Component:
    return page_frame(rx.vstack(
        admin_header("Пользователи", "Учётные записи сотрудников и заявителей: создание, роль и организация, "
                     "сброс пароля, отключение. Каждое изменение попадает в журнал действий."),
        messages(S.error, S.notice, "users"), _password_shown(),
        rx.el.datalist(rx.foreach(S.org_choices, lambda o: rx.el.option(value=o)), id="admin-org-choices"),
        _create_form(), _actions_panel(),
        rx.flex(search_box(S.search, "users-search", "Поиск по логину или имени", SEARCH_MAX),
                rx.select.root(rx.select.trigger(aria_label="Роль", id="users-role-filter"),
                               rx.select.content(rx.select.item("Все роли", value="all"),
                                                 *[rx.select.item(r["label"], value=r["value"]) for r in ROLES]),
                               value=S.role_filter, on_change=S.set_role_filter),
                rx.text("Найдено: ", S.total, size="2", id="users-total"), spacing="3", align="center", wrap="wrap"),
        plain_table("Учётные записи", ["Логин", "Имя", "Роль", "Состояние", "Действия"],
                    rx.foreach(S.rows, _row), "users-table"),
        pager(S.page, S.page_count, S.set_page, "Страницы учётных записей", "users"),
        spacing="4", width="100%"))
