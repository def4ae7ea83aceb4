"""/participate/[vote_id]/progress — the public progress of the winning places of a finished vote:
stages, dates, contractor; coordinators add and update the stages here."""

import reflex as rx

from .. import routes
from ..components.layout import page_frame
from ..states.vote_progress import FORM_LIMITS, ProgressState as S


def _label(text: str, for_id: str) -> rx.Component:
    return rx.el.label(text, html_for=for_id, style={"fontWeight": "500", "fontSize": "14px"})


def _stage(stage) -> rx.Component:
    return rx.el.tr(
        rx.el.th(stage["title"], scope="row"), rx.el.td(stage["status_label"]), rx.el.td(stage["planned_on"]),
        rx.el.td(stage["done_on"]), rx.el.td(stage["contractor"]), rx.el.td(stage["note"]),
        rx.cond(S.view["can_edit"].to(bool), rx.el.td(rx.button(
            "Изменить", size="1", variant="soft", on_click=S.edit_stage(stage["id"]),
            aria_label="Изменить этап " + stage["title"]))),
        class_name="progress-stage")


def _place(place) -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading(place["title"], size="4", as_="h2"),
        rx.text(rx.cond(place["address"] != "", place["address"], "Адрес не указан"),
                rx.cond(place["municipality"] != "", " · " + place["municipality"], ""), size="2"),
        rx.cond(place["description"] != "", rx.text(place["description"], size="2")),
        rx.text("Голосов: ", place["votes"], " · выполнено этапов: ", place["done"], " из ", place["total"], size="2",
                weight="medium"),
        rx.cond(place["total"] > 0, rx.box(rx.el.table(
            rx.el.thead(rx.el.tr(*[rx.el.th(h, scope="col") for h in
                                   ("Этап", "Состояние", "План", "Выполнено", "Подрядчик", "Комментарий")],
                                 rx.cond(S.view["can_edit"].to(bool), rx.el.th("Действие", scope="col")))),
            rx.el.tbody(rx.foreach(place["stages"], _stage)), class_name="plain-table"),
            overflow_x="auto", width="100%", tab_index=0, role="region", aria_label="Этапы: " + place["title"]),
            rx.text("Этапы работ пока не внесены", size="2")),
        rx.cond(S.view["can_edit"].to(bool), rx.button(
            "Добавить этап", size="2", variant="soft", on_click=S.new_stage(place["option_id"]),
            aria_label="Добавить этап: " + place["title"], class_name="progress-add")),
        spacing="2", width="100%"), width="100%", class_name="progress-place")


def _field(label: str, name: str, **props) -> rx.Component:
    field_id = f"stage-{name.replace('_', '-')}"
    return rx.vstack(_label(label, field_id),
                     rx.input(value=S.form[name], on_change=lambda v: S.set_field(name, v), id=field_id, width="100%",
                              max_length=FORM_LIMITS[name], **props), spacing="1", width="100%")


def _form() -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading(rx.cond(S.form["stage_id"] != "", "Изменить этап", "Новый этап"), size="4", as_="h2"),
        _field("Этап (например, «Проектирование», «Работы», «Приёмка»)", "title"),
        rx.vstack(_label("Состояние", "stage-status"), rx.el.select(
            rx.el.option("Запланировано", value="planned"), rx.el.option("Идут работы", value="in_progress"),
            rx.el.option("Выполнено", value="done"), value=S.form["status"], id="stage-status",
            class_name="native-select", on_change=lambda v: S.set_field("status", v)), spacing="1", width="100%"),
        rx.grid(_field("Плановая дата", "planned_on", type="date"), _field("Дата выполнения", "done_on", type="date"),
                columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%"),
        _field("Подрядчик", "contractor"),
        _field("Комментарий", "note"),
        rx.cond(S.form_error != "", rx.callout(S.form_error, icon="triangle-alert", color_scheme="red", role="alert",
                                               id="stage-error", width="100%")),
        rx.hstack(rx.button("Сохранить этап", on_click=S.save, id="stage-save"),
                  rx.button("Отмена", variant="soft", color_scheme="gray", on_click=S.cancel)),
        spacing="3", width="100%"), width="100%", id="stage-form")


def progress_page() -> rx.Component:
    return page_frame(rx.vstack(
        rx.link("← Все голосования", href=routes.VOTES, size="2"),
        rx.cond(S.error != "", rx.callout(S.error, icon="info", role="alert", id="progress-error")),
        rx.cond(S.view.contains("id"), rx.vstack(
            rx.heading("Ход работ: ", S.view["title"], size="6", id="progress-title"),
            rx.text("Голосование завершено ", S.view["closed_at"], ". Здесь — как благоустраивают места-победители.",
                    size="2", color=rx.color("gray", 11)),
            rx.cond(S.notice != "", rx.callout(S.notice, icon="check", color_scheme="green", high_contrast=True,
                                               role="status", id="progress-notice")),
            rx.cond(S.form.contains("option_id"), _form()),
            rx.cond(S.places.length() > 0, rx.foreach(S.places, _place),
                    rx.text("В голосовании не было голосов: мест-победителей нет.")),
            spacing="3", width="100%"),
            rx.cond(S.error == "", rx.spinner(aria_label="Загрузка"))),
        spacing="3", width="100%", max_width="1000px",
    ))
