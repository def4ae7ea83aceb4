"""/admin — the administrator's start page: the directories, the accounts and the audit log."""

import reflex as rx

from .. import routes
from ..components.admin import admin_header
from ..components.layout import page_frame

_CARDS = [
    (routes.ADMIN_USERS, "Пользователи", "users", "Создание учётных записей, роль и организация, сброс пароля "
     "(созданный пароль показывается один раз), отключение. Отключение и новый пароль завершают все сеансы."),
    (routes.ADMIN_ORGANIZATIONS, "Организации", "building-2", "Исполнители: название, тип, территория, "
     "вышестоящая организация. Организацию отключают, а не удаляют."),
    (routes.ADMIN_CATEGORIES, "Категории и сроки", "list-tree", "Дерево категорий: срок рассмотрения в рабочих или "
     "календарных днях, срочность, фото результата. Категорию с обращениями можно только отключить."),
    (routes.ADMIN_ROUTING, "Маршрутизация", "route", "Правила «категория × территория → организация»: куда "
     "обращение направляется само, без ЦУР."),
    (routes.ADMIN_AUDIT, "Журнал действий", "scroll-text", "Кто, что и когда изменил: действия администраторов "
     "и все действия с обращениями, с отбором по сотруднику, действию, периоду и объекту."),
]


def _card(href: str, title: str, icon: str, text: str) -> rx.Component:
    return rx.link(rx.card(rx.hstack(
        rx.icon(icon, size=28, color=rx.color("accent", 11), flex_shrink="0"),
        rx.vstack(rx.text(title, weight="bold", size="4"), rx.text(text, size="2", color=rx.color("gray", 12)),
                  spacing="1"),
        spacing="3", align="start"), width="100%"), href=href, underline="none", width="100%",
        id="admin-card-" + href.rsplit("/", 1)[-1])


def admin_hub_page() -> rx.Component:
    return page_frame(rx.vstack(
        admin_header("Администрирование", "Справочники и учётные записи платформы. Изменения проверяются на сервере "
                     "и записываются в журнал действий вместе с действиями по обращениям."),
        rx.grid(*[_card(*card) for card in _CARDS], columns=rx.breakpoints(initial="1", md="2"), spacing="4",
                width="100%"),
        spacing="4", width="100%"))
