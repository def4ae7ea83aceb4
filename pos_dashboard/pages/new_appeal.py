"""/my/new — the citizen's appeal form: category (with search and the deadline rule), text with a
counter and the one-problem hint, territory and address; then the receipt with number and deadline."""

import reflex as rx

from .. import routes, settings
from ..components.following import follow_button
from ..components.point_map import point_map
from ..components.layout import page_frame
from ..components.uploads import upload_zone
from ..domain.limits import APPEAL_TEXT_MIN as TEXT_MIN
from ..states.following import FollowState
from ..states.new_appeal import FIELD_LIMITS, TEXT_MAX, NewAppealState as S


def _label(text: str, for_id: str) -> rx.Component:
    return rx.el.label(text, html_for=for_id, style={"fontWeight": "500", "fontSize": "15px"})


def _option(c) -> rx.Component:
    chosen = S.category_id == c["value"]
    return rx.button(
        rx.vstack(
            rx.hstack(rx.cond(chosen, rx.icon("check", size=16)),
                      rx.text(c["name"], size="2", weight="medium", color=rx.color("gray", 12)), align="center"),
            rx.text(c["group"], " · ", c["rule"], size="1", color=rx.color("gray", 11)),
            rx.cond(c["expedited"] != "", rx.badge(c["expedited"], color_scheme="orange", size="1")),
            spacing="1", align="start", width="100%", text_align="left",
        ),
        variant=rx.cond(chosen, "soft", "surface"), color_scheme=rx.cond(chosen, "blue", "gray"),
        on_click=[S.set_field("category_id", c["value"]), S.check_point], type="button", class_name="category-option",
        width="100%", height="auto", padding_y="8px", justify="start", aria_pressed=chosen,
    )


def _category() -> rx.Component:
    chosen = S.chosen_category
    return rx.vstack(
        _label("Категория проблемы", "category-search"),
        rx.input(placeholder="Поиск: например, яма, освещение, мусор", value=S.category_query,
                 on_change=lambda v: S.set_field("category_query", v), debounce_timeout=250,
                 id="category-search", width="100%", max_length=FIELD_LIMITS["category_query"]),
        rx.box(
            rx.cond(S.category_matches.length() > 0,
                    rx.vstack(rx.foreach(S.category_matches, _option), spacing="1", width="100%"),
                    rx.text("Ничего не найдено: попробуйте другое слово", size="2", color=rx.color("gray", 11))),
            max_height="260px", overflow_y="auto", width="100%", padding="2px", id="category-list",
        ),
        rx.cond(chosen["value"] != "", rx.callout.root(
            rx.callout.icon(rx.icon("check")),
            rx.callout.text("Выбрано: ", rx.text.strong(chosen["group"], " / ", chosen["name"]),
                            ". Срок ответа — ", chosen["rule"], "."),
            rx.cond(chosen["expedited"] != "", rx.badge(chosen["expedited"], color_scheme="orange")),
            color_scheme="green", id="chosen-category", width="100%",
        )),
        spacing="2", width="100%",
    )


def _text() -> rx.Component:
    short, long = S.text_length < TEXT_MIN, S.text_length > TEXT_MAX
    return rx.vstack(
        _label("Опишите проблему", "appeal-text"),
        rx.text("Одно обращение — одна проблема. Если проблем несколько, отправьте их отдельными обращениями: "
                "так каждая быстрее дойдёт до тех, кто её решает.", size="2", color=rx.color("gray", 11),
                id="one-problem-hint"),
        rx.text_area(value=S.text, on_change=lambda v: S.set_field("text", v), debounce_timeout=250,
                     id="appeal-text", rows="6", width="100%", max_length=TEXT_MAX,
                     placeholder="Что случилось, где именно и с какого времени"),
        rx.text(S.text_length, f" из {TEXT_MAX} символов", rx.cond(short, f" (не меньше {TEXT_MIN})", ""),
                size="2", id="text-counter", color=rx.cond(short | long, rx.color("red", 11), rx.color("gray", 11))),
        spacing="2", width="100%",
    )


_CENTER = settings.map_center()


def _nearby(a) -> rx.Component:
    return rx.hstack(
        rx.cond(a["mine"], rx.link("№", a["id"], " (ваше)", href=routes.appeal_url(a["id"])), rx.text("№", a["id"])),
        rx.text(a["status"], size="2"), rx.text(a["distance"], " от точки", size="2", color=rx.color("gray", 11)),
        rx.cond(a["mine"], rx.fragment(), follow_button(a)),
        spacing="2", align="center", wrap="wrap", class_name="nearby-appeal",
    )


def _point() -> rx.Component:
    def coordinate(field: str, label: str, hint: str) -> rx.Component:
        return rx.vstack(
            _label(label, "appeal-" + field),
            rx.input(value=getattr(S, field), id="appeal-" + field, placeholder=hint, inputmode="decimal",
                     on_change=lambda v: [S.set_field(field, v), S.check_point()], debounce_timeout=400,
                     max_length=FIELD_LIMITS[field], width="100%"),
            spacing="1", width="100%",
        )
    return rx.vstack(
        rx.text("Точка на карте (необязательно): щёлкните по карте или введите широту и долготу. "
                "По точке определяется район и проверяется, не сообщили ли о проблеме рядом.",
                size="2", color=rx.color("gray", 11)),
        point_map(tile_url=settings.tile_url(), lat=S.latitude, lon=S.longitude, center_lat=_CENTER[0],
                  center_lon=_CENTER[1], zoom=_CENTER[2], on_pick=S.set_point, id="point-map"),
        rx.hstack(coordinate("latitude", "Широта", "59,7113"), coordinate("longitude", "Долгота", "38,4434"),
                  width="100%"),
        rx.cond(S.point_note != "", rx.text(S.point_note, size="2", id="point-note")),
        rx.cond(S.nearby.length() > 0, rx.callout.root(
            rx.callout.icon(rx.icon("info")),
            rx.callout.text(rx.text.strong("Уже сообщили. "), "Рядом (до 250 м) есть открытые обращения этой "
                            "категории. Если это та же проблема, новое обращение не нужно — её уже решают:"),
            rx.vstack(rx.foreach(S.nearby, _nearby), spacing="1"),
            rx.cond(FollowState.error != "", rx.text(FollowState.error, size="2", color=rx.color("red", 11),
                                                     role="alert", id="follow-error")),
            color_scheme="blue", id="nearby-appeals", width="100%",
        )),
        spacing="2", width="100%",
    )


def _place() -> rx.Component:
    return rx.vstack(
        _point(),
        _label("Район или город", "appeal-territory"),
        rx.select.root(
            rx.select.trigger(placeholder="Выберите из списка", id="appeal-territory", width="100%"),
            rx.select.content(rx.foreach(S.territories, lambda t: rx.select.item(t["label"], value=t["value"]))),
            value=S.territory_id, on_change=lambda v: S.set_field("territory_id", v),
        ),
        _label("Адрес или ориентир", "appeal-address"),
        rx.input(value=S.address, on_change=lambda v: S.set_field("address", v), debounce_timeout=250,
                 id="appeal-address", width="100%", max_length=FIELD_LIMITS["address"],
                 placeholder="Улица, дом, подъезд или ориентир"),
        spacing="2", width="100%",
    )


def _form() -> rx.Component:
    return rx.card(
        rx.vstack(
            _category(), rx.separator(size="4"), _text(), rx.separator(size="4"), _place(),
            rx.separator(size="4"),
            upload_zone("appeal-files", "Фотографии и документы", S.files, S.file_error, S.add_files,
                        S.files_rejected, S.remove_file),
            rx.cond(S.error != "", rx.callout(S.error, icon="triangle-alert", color_scheme="red", id="appeal-error",
                                              width="100%")),
            rx.button("Отправить обращение", on_click=S.submit, loading=S.busy, id="appeal-submit", size="3",
                      width="100%", type="button"),
            spacing="4", width="100%",
        ),
        width="100%",
    )


def _receipt() -> rx.Component:
    sent = S.sent
    return rx.card(
        rx.vstack(
            rx.heading("Обращение №", sent["id"], " отправлено", size="5", id="receipt-title"),
            rx.text("Категория: ", sent["category"], size="2"),
            rx.text("Срок ответа по правилу категории — ", sent["rule"], " со дня подачи: не позднее ",
                    rx.text.strong(sent["deadline"]), ".", size="2", id="receipt-deadline"),
            rx.text("Сначала обращение проверяет модератор (до одного рабочего дня), затем его получает "
                    "ответственная организация. О каждом шаге вы увидите запись в истории обращения.", size="2",
                    color=rx.color("gray", 11)),
            rx.hstack(
                rx.link(rx.button("Открыть обращение", size="2"), href="/appeals/" + sent["id"].to(str),
                        id="receipt-open"),
                rx.link(rx.button("Мои обращения", size="2", variant="soft"), href=routes.MY_APPEALS),
                rx.button("Ещё одно обращение", size="2", variant="outline", on_click=S.start_over),
                wrap="wrap", spacing="2",
            ),
            spacing="3",
        ),
        width="100%", id="appeal-receipt",
    )


def new_appeal_page() -> rx.Component:
    return page_frame(
        rx.vstack(
            rx.link("← К моим обращениям", href=routes.MY_APPEALS, size="2"),
            rx.heading("Новое обращение", size="6"),
            rx.cond(S.sent["id"] > 0, _receipt(), _form()),
            spacing="3", width="100%", max_width="760px", margin_x="auto",
        )
    )
