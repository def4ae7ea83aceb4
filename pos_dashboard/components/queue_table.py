"""The queue: status chips, filters, the table of one page and the pager."""

import reflex as rx

from ..analytics.queue import COUNT_CAP
from ..domain.limits import ORGANIZATION_QUERY_MAX, SEARCH_MAX
from ..states.queue import ALL, QueueState
from .status import deadline_cell, status_badge

COUNT_CAP_TEXT = f"{COUNT_CAP:,}".replace(",", "\u00a0")
_SORTS = [("deadline", "По сроку"), ("newest", "Сначала новые"), ("oldest", "Сначала старые")]


def status_chips() -> rx.Component:
    return rx.flex(
        rx.foreach(
            QueueState.status_chips,
            lambda chip: rx.button(
                chip["label"], rx.cond(chip["count"] != "", rx.badge(chip["count"], variant="surface", radius="full")),
                size="1", variant=rx.cond(QueueState.status == chip["value"], "solid", "outline"),
                on_click=QueueState.set_filter("status", chip["value"]),
                aria_pressed=QueueState.status == chip["value"],
                id="status-" + chip["value"].to(str),
            ),
        ),
        rx.cond(~QueueState.counts_complete, rx.text(
            f"Совпадений больше {COUNT_CAP_TEXT}: по остальным статусам не считали, уточните поиск",
            size="1", color=rx.color("gray", 11), id="queue-counts-capped", align_self="center")),
        wrap="wrap", spacing="2",
    )


def _select(name: str, value, options, placeholder: str, width: str = "220px") -> rx.Component:
    return rx.select.root(
        rx.select.trigger(placeholder=placeholder, width=width, id=f"filter-{name}", aria_label=placeholder),
        rx.select.content(
            rx.select.item(placeholder, value=ALL),
            rx.foreach(options, lambda o: rx.select.item(o["label"], value=o["value"])),
        ),
        value=value,
        on_change=lambda v: QueueState.set_filter(name, v),
    )


def _text_filter(name: str, value, placeholder: str, icon: str, width: str, max_length: int) -> rx.Component:
    return rx.debounce_input(
        rx.input(
            rx.input.slot(rx.icon(icon, size=16)),
            placeholder=placeholder, value=value, width=width, id=f"filter-{name}", aria_label=placeholder,
            max_length=max_length,
            on_change=lambda v: QueueState.set_filter(name, v),
        ),
        debounce_timeout=400,
    )


def filters() -> rx.Component:
    return rx.flex(
        _text_filter("search", QueueState.search, "№ обращения, текст или адрес", "search", "280px", SEARCH_MAX),
        _select("category", QueueState.category, QueueState.category_options, "Все категории"),
        _select("territory", QueueState.territory, QueueState.territory_options, "Все территории"),
        rx.cond(
            QueueState.own_organization == "",
            _text_filter("organization_query", QueueState.organization_query, "Исполнитель", "building-2", "220px",
                         ORGANIZATION_QUERY_MAX),
            rx.badge(QueueState.own_organization, size="2", variant="surface"),
        ),
        rx.segmented_control.root(
            rx.segmented_control.item("Все сроки", value="any"),
            rx.segmented_control.item(f"Просрочено · {QueueState.overdue_label}", value="overdue"),
            rx.segmented_control.item(f"Срок < 24 ч · {QueueState.at_risk_label}", value="at_risk"),
            value=QueueState.deadline,
            on_change=lambda v: QueueState.set_filter("deadline", v),
            id="filter-deadline",
        ),
        rx.select.root(
            rx.select.trigger(width="170px", id="filter-sort", aria_label="Порядок"),
            rx.select.content(*[rx.select.item(label, value=value) for value, label in _SORTS]),
            value=QueueState.sort,
            on_change=lambda v: QueueState.set_filter("sort", v),
        ),
        rx.button(rx.icon("rotate-ccw", size=14), "Сбросить", variant="ghost", on_click=QueueState.reset_filters),
        wrap="wrap", spacing="3", align="center", class_name="queue-filters",
    )


# Long names and texts are cut to a few lines so that a page of 50 rows stays scannable; the card
# shows them whole.
def _clamped(value, lines: int, **props) -> rx.Component:
    return rx.text(value, size="2", style={"display": "-webkit-box", "-webkit-line-clamp": str(lines),
                                           "-webkit-box-orient": "vertical", "overflow": "hidden"}, **props)


def _found_text(row: rx.Var[dict]) -> rx.Component:
    """The text with the words the search matched marked (pieces from analytics/queue)."""
    return _clamped(_marked(row["text_parts"]), 2)


def _marked(parts: rx.Var) -> rx.Component:
    pieces = parts.to(list[list[str | bool]])
    return rx.foreach(pieces, lambda piece: rx.cond(
        piece[1], rx.el.mark(piece[0].to(str), class_name="queue-found"), piece[0].to(str)))


def _address(row: rx.Var[dict]) -> rx.Component:
    """The address, the search's run in it marked (an address matches the query as a substring)."""
    return rx.text(rx.cond(row["address_parts"].to(list).length() > 0, _marked(row["address_parts"]), row["address"]),
                   size="1", color=rx.color("gray", 11))


def _row(row: rx.Var[dict]) -> rx.Component:
    return rx.table.row(
        # The number is a real link: rows open from the keyboard and screen readers name them.
        rx.table.cell(rx.link("№", row["number"], href="/appeals/" + row["id"].to(str), weight="bold",
                              class_name="queue-row-link")),
        rx.table.cell(rx.text(row["created"], size="2")),
        rx.table.cell(_clamped(row["category"], 2, title=row["category"]), max_width="220px"),
        rx.table.cell(_clamped(row["territory"], 2, title=row["territory_full"]), max_width="160px"),
        rx.table.cell(_clamped(row["organization"], 2, title=row["organization"]), max_width="200px"),
        rx.table.cell(rx.vstack(
            status_badge(row["status"], row["status_label"]),
            rx.cond(row["closing"] != "", rx.text(row["closing"], size="1", color=rx.color("gray", 11),
                                                  class_name="queue-closing")),
            spacing="1", align="start")),
        rx.table.cell(deadline_cell(row)),
        rx.table.cell(
            rx.cond(row["text_parts"].to(list).length() > 0, _found_text(row), _clamped(row["text"], 2)),
            _address(row),
            rx.cond(row["rework"] != "", rx.text("Возвращено на доработку: ", row["rework"], size="1",
                                                 weight="medium", color=rx.color("orange", 12),
                                                 class_name="queue-rework")),
            max_width="380px",
        ),
        on_click=rx.redirect("/appeals/" + row["id"].to(str)),
        cursor="pointer",
        _hover={"background": rx.color("accent", 2)},
        # Urgency at a glance: overdue red, due within 24 h orange, the rest neutral (the deadline
        # cell says it in words too).
        box_shadow=rx.match(row["deadline_state"], ("overdue", "inset 4px 0 0 var(--red-9)"),
                            ("at_risk", "inset 4px 0 0 var(--orange-9)"), "none"),
        background=rx.match(row["deadline_state"], ("overdue", rx.color("red", 2)),
                            ("at_risk", rx.color("orange", 2)), "transparent"),
        class_name="queue-row " + row["deadline_state"].to(str),
    )


def table() -> rx.Component:
    headers = ["Номер", "Поступило", "Категория", "Территория", "Исполнитель", "Статус", "Срок", "Суть обращения"]
    return rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
        rx.table.body(rx.foreach(QueueState.rows, _row)),
        variant="surface", size="1", width="100%", id="queue-table",
    )


def pager() -> rx.Component:
    return rx.hstack(
        # Announced to screen readers when a filter or a live update changes the count.
        rx.text(f"Найдено: {QueueState.total_label}", size="2", id="queue-total", role="status", aria_live="polite"),
        rx.spacer(),
        rx.button(rx.icon("chevron-left", size=14), "Назад", size="1", variant="soft",
                  disabled=QueueState.page == 0, on_click=QueueState.set_page(QueueState.page - 1)),
        rx.text(QueueState.page_label, size="2"),
        rx.button("Вперёд", rx.icon("chevron-right", size=14), size="1", variant="soft",
                  disabled=~QueueState.more_pages,
                  on_click=QueueState.set_page(QueueState.page + 1)),
        width="100%", align="center",
    )
