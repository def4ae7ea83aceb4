"""/admin/audit — the audit log page."""

import reflex as rx

from ..analytics.audit_log import WHO_MAX
from ..components.admin import admin_header, field_select
from ..components.layout import page_frame
from ..components.plain_table import cell, plain_table
from ..states.admin_audit import AdminAuditState as S

ALL = [{"value": "all", "label": "Все"}]


def _labelled_input(label: str, name: str, id_: str, **props) -> rx.Component:
    return rx.vstack(rx.el.label(label, html_for=id_, class_name="field-label"),
                     rx.input(name=name, id=id_, width="100%", **props), spacing="1", width="100%")


def _filters() -> rx.Component:
    v = S.values
    return rx.card(rx.form(rx.vstack(
        rx.grid(
            _labelled_input("Кто: логин или его начало («система» — действия платформы)", "who", "audit-who",
                            default_value=v["who"], max_length=WHO_MAX),
            field_select("Что", "kind", "audit-kind", ALL, v["kind"], more=S.kinds),
            _labelled_input("С даты", "since", "audit-since", type="date", default_value=v["since"]),
            _labelled_input("По дату", "until", "audit-until", type="date", default_value=v["until"]),
            field_select("Объект", "object_type", "audit-object-type", ALL, v["object_type"], more=S.objects),
            _labelled_input("Номер объекта", "object_id", "audit-object-id", default_value=v["object_id"],
                            max_length=12, input_mode="numeric"),
            columns=rx.breakpoints(initial="1", sm="2", lg="3"), spacing="3", width="100%"),
        rx.hstack(rx.button("Показать", type="submit", id="audit-apply"),
                  rx.button("Сбросить отбор", type="button", variant="soft", on_click=S.clear, id="audit-clear")),
        spacing="3", width="100%"),
        on_submit=S.apply, reset_on_submit=False, key=S.form_key.to(str), width="100%"), width="100%")


def _row(row) -> rx.Component:
    return rx.el.tr(
        cell(row["at"]), cell(row["who"], hint=row["role"]), cell(rx.text(row["what"], weight="medium"),
                                                                  hint=row["source"]),
        cell(rx.cond(row["object_url"] != "", rx.link(row["object"], href=row["object_url"]), row["object"])),
        cell(row["details"]),
        class_name="audit-row")


def admin_audit_page() -> rx.Component:
    return page_frame(rx.vstack(
        admin_header("Журнал действий", "Изменения администраторов и все действия с обращениями (подача, модерация, "
                     "маршрутизация, ответы, оценки), новые сверху."),
        rx.cond(S.error != "", rx.callout(S.error, icon="triangle-alert", color_scheme="red", high_contrast=True,
                                          role="alert", id="audit-error", width="100%")),
        _filters(),
        rx.text("Найдено записей: ", S.total_label, size="2", id="audit-total"),
        plain_table("Журнал действий", ["Когда", "Кто", "Что", "Объект", "Подробности"],
                    rx.foreach(S.rows, _row), "audit-table"),
        rx.hstack(
            rx.button(rx.icon("chevron-left", size=14), "Позже", size="1", variant="soft", disabled=S.page_number <= 1,
                      on_click=S.newer, id="audit-newer"),
            rx.text("Страница ", S.page_number, size="2", id="audit-page"),
            rx.button("Раньше", rx.icon("chevron-right", size=14), size="1", variant="soft", disabled=~S.has_older,
                      on_click=S.older, id="audit-older"),
            align="center", aria_label="Страницы журнала"),
        spacing="4", width="100%"))
