"""/participate/votes — the builder's list of votes; /participate/votes/new and
/participate/votes/[vote_id] — the builder of one vote: places as options, schedule, eligibility,
results visibility; publish, close early, delete (only without ballots), and manipulation signals."""

import reflex as rx

from .. import routes
from ..components.layout import page_frame
from ..services.vote_form import FORM_LIMITS, OPTION_LIMITS
from ..states.vote_builder import BuilderListState, VoteBuilderState as S
from .participate import ballot_url
from .vote_signals import signals_section


def _label(text: str, for_id) -> rx.Component:
    return rx.el.label(text, html_for=for_id, style={"fontWeight": "500", "fontSize": "14px"})


def _messages(error, notice) -> rx.Component:
    return rx.fragment(
        rx.cond(error != "", rx.callout(error, icon="triangle-alert", color_scheme="red", role="alert",
                                        id="builder-error", width="100%")),
        rx.cond(notice != "", rx.callout(notice, icon="check", color_scheme="green", high_contrast=True,
                                         role="status", id="builder-notice", width="100%")))


def _row(row) -> rx.Component:
    return rx.el.tr(
        rx.el.th(rx.link(row["title"], href=routes.VOTE_BUILDER_LIST + "/" + row["id"].to(str)), scope="row"),
        rx.el.td(row["territory"]), rx.el.td(row["period"]), rx.el.td(row["state_label"]), rx.el.td(row["ballots"]),
        class_name="builder-row")


def builder_list_page() -> rx.Component:
    return page_frame(rx.vstack(
        rx.link("← Голосования", href=routes.VOTES, size="2"),
        rx.heading("Конструктор голосований", size="6"),
        rx.link(rx.button("Новое голосование", size="2", tab_index=-1), href=routes.VOTE_BUILDER_NEW,
                id="builder-new"),
        _messages(BuilderListState.error, ""),
        rx.el.table(
            rx.el.thead(rx.el.tr(*[rx.el.th(h, scope="col") for h in
                                   ("Голосование", "Территория", "Сроки", "Состояние", "Голосов")])),
            rx.el.tbody(rx.foreach(BuilderListState.rows, _row)),
            class_name="plain-table", id="builder-table"),
        spacing="3", width="100%", max_width="1100px",
    ))


def _input(label: str, name: str, **props) -> rx.Component:
    field_id = f"vote-{name.replace('_', '-')}"
    return rx.vstack(
        _label(label, field_id),
        rx.input(value=S.form[name], on_change=lambda v: S.set_field(name, v), id=field_id, width="100%",
                 max_length=FORM_LIMITS[name], disabled=~S.info["editable"].to(bool), **props),
        spacing="1", width="100%")


def _select(label: str, name: str, choices, field_id: str, on_change, value) -> rx.Component:
    return rx.vstack(
        _label(label, field_id),
        rx.el.select(*choices, value=value, on_change=on_change, id=field_id, class_name="native-select",
                     disabled=~S.info["editable"].to(bool)),
        spacing="1", width="100%")


def _territory_options(first: str):
    return [rx.el.option(first, value=""),
            rx.foreach(S.territories, lambda t: rx.el.option(t["label"], value=t["value"]))]


def _option_input(label: str, index, name: str, **props) -> rx.Component:
    field_id = "option-" + name + "-" + index.to(str)
    return rx.vstack(
        _label(label, field_id),
        rx.input(value=S.options[index][name], on_change=lambda v: S.set_option(index, name, v), id=field_id,
                 width="100%", max_length=OPTION_LIMITS[name], disabled=~S.info["editable"].to(bool), **props),
        spacing="1", width="100%")


def _option_card(option, index) -> rx.Component:
    return rx.card(rx.vstack(
        rx.hstack(rx.heading("Место ", index + 1, size="3", as_="h3"), rx.spacer(),
                  rx.cond(S.info["editable"].to(bool),
                          rx.button("Убрать", variant="soft", color_scheme="gray", size="1",
                                    on_click=S.remove_option(index), aria_label="Убрать место " + (index + 1).to(str))),
                  width="100%"),
        _option_input("Название места", index, "title"),
        _option_input("Описание", index, "description"),
        _option_input("Адрес", index, "address"),
        rx.grid(_option_input("Широта", index, "latitude", placeholder="55,751244"),
                _option_input("Долгота", index, "longitude", placeholder="37,618423"),
                columns="2", spacing="3", width="100%"),
        _select("Муниципалитет", "territory_id", _territory_options("Не указан"), "option-territory-" + index.to(str),
                lambda e: S.set_option(index, "territory_id", e), S.options[index]["territory_id"]),
        spacing="2", width="100%"), width="100%", class_name="builder-option")


def _form() -> rx.Component:
    return rx.vstack(
        _input("Название голосования", "title"),
        _input("Описание", "description"),
        rx.grid(_input("Начало", "starts", type="datetime-local"), _input("Окончание", "ends", type="datetime-local"),
                columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%"),
        _select("Территория", "territory_id", _territory_options("Весь регион"), "vote-territory-id",
                lambda e: S.set_field("territory_id", e), S.form["territory_id"]),
        _select("Кто может голосовать", "eligibility",
                [rx.el.option("Жители территории и её частей", value="residents"),
                 rx.el.option("Все жители региона", value="everyone")], "vote-eligibility",
                lambda e: S.set_field("eligibility", e), S.form["eligibility"]),
        rx.grid(_input("Минимальный возраст на день окончания", "min_age", type="number", min="0", max="120"),
                _input("Сколько мест можно выбрать", "max_choices", type="number", min="1", max="50"),
                columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%"),
        _select("Результаты", "results_visibility",
                [rx.el.option("После окончания голосования", value="after_close"),
                 rx.el.option("Сразу, по ходу голосования", value="live")], "vote-results-visibility",
                lambda e: S.set_field("results_visibility", e), S.form["results_visibility"]),
        rx.heading("Места для голосования", size="4", as_="h2"),
        rx.text("Фотографии мест пока не загружаются: укажите описание, адрес и точку на карте.", size="2",
                color=rx.color("gray", 11)),
        rx.foreach(S.options, _option_card),
        rx.cond(S.info["editable"].to(bool), rx.button("Добавить место", variant="soft", on_click=S.add_option,
                                                       id="builder-add-option")),
        spacing="3", width="100%")


def _actions() -> rx.Component:
    info = S.info
    return rx.hstack(
        rx.cond(info["editable"].to(bool), rx.button("Сохранить", on_click=S.save, id="builder-save")),
        rx.cond(info["can_publish"].to(bool), rx.button("Опубликовать", color_scheme="grass", high_contrast=True, on_click=S.publish,
                                                        id="builder-publish")),
        rx.cond(info["can_close"].to(bool), rx.button("Завершить досрочно", color_scheme="orange", high_contrast=True,
                                                      on_click=S.close_early, id="builder-close")),
        rx.cond(info["can_delete"].to(bool), rx.button("Удалить", color_scheme="red", variant="soft", high_contrast=True,
                                                       on_click=S.delete, id="builder-delete")),
        rx.cond(info["id"].to(int) > 0, rx.link("Результаты", href=ballot_url(info["id"]) + "/results")),
        rx.cond(info["closed"].to(bool), rx.link("Ход работ", href=ballot_url(info["id"]) + "/progress")),
        spacing="3", wrap="wrap", align="center")


def builder_page() -> rx.Component:
    return page_frame(rx.vstack(
        rx.link("← Конструктор голосований", href=routes.VOTE_BUILDER_LIST, size="2"),
        rx.cond(S.info.contains("id"), rx.vstack(
            rx.hstack(rx.heading(rx.cond(S.form["title"] != "", S.form["title"], "Новое голосование"), size="6",
                                 id="builder-title"),
                      rx.badge(S.info["state_label"], high_contrast=True, id="builder-state"), align="center",
                      wrap="wrap"),
            rx.text("Голосов: ", S.info["ballots"], size="2", id="builder-ballots"),
            rx.cond(~S.info["editable"].to(bool), rx.text(
                "Голосование началось или в нём есть голоса: изменить его нельзя, можно только завершить досрочно.",
                size="2")),
            _form(), _messages(S.error, S.notice), _actions(),
            rx.cond(S.info["id"].to(int) > 0, signals_section()),
            spacing="3", width="100%"),
            rx.cond(S.error != "", _messages(S.error, ""), rx.spinner(aria_label="Загрузка"))),
        spacing="3", width="100%", max_width="900px",
    ))
