"""The triage view's parts: stage tabs, the organisation picker, the bulk bar, per-row results and
the table. Pure functions of TriageState's vars."""

import reflex as rx

from .. import routes
from ..analytics.triage import VIEWS
from ..domain.limits import ORGANIZATION_QUERY_MAX
from ..states.triage import TriageState as S

_GRAY = rx.color("gray", 11)
_WRAPPING = {"height": "auto", "min_height": "24px", "white_space": "normal", "text_align": "left",
             "padding_top": "4px", "padding_bottom": "4px"}  # long organisation names wrap inside the button
_BULK_VIEW = (S.view == "moderation") | (S.view == "coordination")  # the views with bulk actions


def tabs() -> rx.Component:
    return rx.flex(*[rx.button(
        title, rx.badge(S.counts.get(view, 0), variant="surface", radius="full"),
        size="2", variant=rx.cond(S.view == view, "solid", "outline"), aria_pressed=S.view == view,
        on_click=S.set_view(view), id=f"triage-tab-{view}",
    ) for view, (_, title) in VIEWS.items()], wrap="wrap", spacing="2")


def org_picker() -> rx.Component:
    return rx.card(rx.vstack(
        rx.el.label("Организация для направления (поиск по названию)", html_for="triage-org-search",
                    class_name="field-label"),
        rx.debounce_input(rx.input(id="triage-org-search", placeholder="Например: управляющая компания",
                                   value=S.org_query, max_length=ORGANIZATION_QUERY_MAX, width="100%",
                                   on_change=S.search_orgs), debounce_timeout=300),
        rx.flex(rx.foreach(S.org_options, lambda o: rx.button(
            o["name"], size="1", variant="soft", on_click=S.pick_org(o["id"].to(str)),
            class_name="triage-org-option")), wrap="wrap", spacing="2"),
        rx.cond(S.picked_org_id != 0, rx.text("Выбрана: ", rx.text.strong(S.picked_org_name), size="2",
                                              id="triage-picked")),
        spacing="2", width="100%"), width="100%")


def bulk_bar() -> rx.Component:
    n = S.selected.length()
    return rx.cond(_BULK_VIEW, rx.hstack(
        rx.text("Отмечено: ", n, size="2", id="triage-selected"),
        rx.cond(S.view == "moderation", rx.button("Принять на модерации: ", n, size="2", disabled=n == 0,
                                                  on_click=S.bulk_approve, id="bulk-approve")),
        rx.cond(S.view == "coordination", rx.button(
            "Направить отмеченные", rx.cond(S.picked_org_id != 0, ": " + S.picked_org_name, " (выберите организацию)"),
            size="2", disabled=(n == 0) | (S.picked_org_id == 0), on_click=S.bulk_route, id="bulk-route")),
        align="center", wrap="wrap", spacing="3",
    ))


def results() -> rx.Component:
    return rx.box(
        rx.cond(S.error != "", rx.callout(S.error, icon="triangle-alert", color_scheme="red", high_contrast=True,
                                          role="alert", id="triage-error")),
        rx.cond(S.results.length() > 0, rx.card(rx.vstack(
            rx.heading("Результат по каждому обращению", size="3"),
            rx.foreach(S.results, lambda r: rx.hstack(
                rx.badge(rx.cond(r["ok"], "выполнено", "отказ"), color_scheme=rx.cond(r["ok"], "green", "red"),
                         high_contrast=True),
                rx.text("№", r["id"].to(str), " — ", r["message"], size="2"),
                class_name=rx.cond(r["ok"], "triage-result done", "triage-result refused"), align="center")),
            spacing="2"), width="100%")),
        role="status", aria_live="polite", width="100%", id="triage-results",
    )


def _detail(row) -> rx.Component:
    return rx.match(
        S.view,
        ("coordination", rx.vstack(
            rx.cond(row["suggestion_id"] != 0, rx.vstack(
                rx.text("По правилу маршрутизации: ", rx.text.strong(row["suggestion"]), size="2"),
                rx.button("Направить: ", row["suggestion"], size="1", class_name="route-suggested", style=_WRAPPING,
                          on_click=S.route_one(row["id"], row["suggestion_id"])), spacing="1"),
                rx.text("Правило маршрутизации не найдено", size="2", color=_GRAY)),
            rx.cond(S.picked_org_id != 0, rx.button("Направить: ", S.picked_org_name, size="1", variant="outline",
                                                    class_name="route-picked", style=_WRAPPING,
                                                    on_click=S.route_one(row["id"], S.picked_org_id))),
            spacing="2")),
        ("review", rx.vstack(
            rx.text(row["answer"], size="2", white_space="pre-wrap"),
            rx.cond(row["rework"] != "", rx.text("Прежний возврат: ", row["rework"], size="1", color=_GRAY)),
            rx.link("Проверить ответ", href=routes.appeal_url(row["id"]), size="2"), spacing="1")),
        ("control", rx.vstack(
            rx.cond(row["rating"] != "", rx.text("Оценка заявителя: ", rx.text.strong(row["rating"]), " из 5",
                                                 size="2")),
            rx.cond(row["rating_comment"] != "", rx.text("Комментарий: «", row["rating_comment"], "»", size="2")),
            rx.cond(row["dispute"] != "", rx.text("Обжалование: «", row["dispute"], "»", size="2")),
            rx.text("Доступно: ", row["actions"], size="1", color=_GRAY),
            rx.link("Рассмотреть", href=routes.appeal_url(row["id"]), size="2"), spacing="1")),
        rx.link("Открыть карточку", href=routes.appeal_url(row["id"]), size="2"),
    )


def _row(row) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.cond(_BULK_VIEW, rx.checkbox(
            checked=S.selected.contains(row["id"]), on_change=lambda c: S.toggle(row["id"], c),
            aria_label="Отметить обращение №" + row["number"].to(str)))),
        rx.table.cell(rx.link("№", row["number"], href=routes.appeal_url(row["id"]), weight="bold"),
                      rx.text(row["created"], size="1", color=_GRAY)),
        rx.table.cell(rx.text(row["category"], size="2"), rx.text(row["territory"], size="1", color=_GRAY),
                      max_width="220px"),
        rx.table.cell(rx.text(row["text"], size="2"), rx.text(row["address"], size="1", color=_GRAY),
                      max_width="360px"),
        rx.table.cell(_detail(row), max_width="320px"),
        class_name="triage-row", id="triage-row-" + row["id"].to(str),
    )


def table() -> rx.Component:
    return rx.cond(S.rows.length() > 0, rx.table.root(
        rx.table.header(rx.table.row(
            rx.table.column_header_cell(rx.cond(_BULK_VIEW, rx.checkbox(
                checked=(S.selected.length() == S.rows.length()) & (S.rows.length() > 0),
                on_change=S.toggle_all, aria_label="Отметить все обращения на странице"),
                rx.text("—", aria_label="Отметка недоступна"))),
            *[rx.table.column_header_cell(h) for h in ("Номер", "Категория, территория", "Суть", "Решение")])),
        rx.table.body(rx.foreach(S.rows, _row)),
        variant="surface", size="1", width="100%", id="triage-table"),
        rx.text("В этом разделе обращений нет", color=_GRAY, id="triage-empty"))


def pager() -> rx.Component:
    return rx.hstack(
        rx.text("Всего: ", S.total, size="2"), rx.spacer(),
        rx.button("Назад", size="1", variant="soft", disabled=S.page == 0, on_click=S.set_page(S.page - 1)),
        rx.text("Страница ", S.page + 1, " из ", S.page_count, size="2"),
        rx.button("Вперёд", size="1", variant="soft", disabled=S.page + 1 >= S.page_count,
                  on_click=S.set_page(S.page + 1)),
        width="100%", align="center")
