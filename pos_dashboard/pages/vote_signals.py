"""The manipulation signals of a vote, as a section of the builder page: each signal with the
ballots behind it (the first 50; the count is complete)."""

import reflex as rx

from ..analytics.vote_signals import ADDRESS_MIN, BURST_MIN, FRESH_MIN, SHOWN_BALLOTS
from ..states.vote_signals import VoteSignalsState as S


def _ballot(b) -> rx.Component:
    return rx.el.tr(rx.el.td(b["id"]), rx.el.td(b["voter_id"]), rx.el.td(b["cast_at"]), rx.el.td(b["registered_at"]),
                    rx.el.td(b["address"]))


def _signal(signal) -> rx.Component:
    return rx.card(rx.vstack(
        rx.text(signal["title"], weight="medium"),
        rx.el.details(
            rx.el.summary("Голоса (", signal["count"], rx.cond(signal["count"] > SHOWN_BALLOTS,
                                                               f", показаны первые {SHOWN_BALLOTS}", ""), ")"),
            rx.el.table(
                rx.el.thead(rx.el.tr(*[rx.el.th(h, scope="col") for h in
                                       ("Голос №", "Участник №", "Время голоса", "Регистрация", "Адрес")])),
                rx.el.tbody(rx.foreach(signal["ballots"], _ballot)), class_name="plain-table")),
        spacing="2", width="100%"), width="100%", class_name="vote-signal")


def signals_section() -> rx.Component:
    return rx.vstack(
        rx.heading("Признаки накрутки", size="4", as_="h2"),
        rx.text(f"Всплеск — от {BURST_MIN} голосов за минуту и в 10 раз больше обычного; недавние учётные записи — "
                f"от {FRESH_MIN} голосов (и от 5 %) от созданных меньше чем за сутки до голоса; один адрес — от "
                f"{ADDRESS_MIN} голосов. Это повод проверить, а не доказательство.", size="2",
                color=rx.color("gray", 11)),
        rx.cond(S.error != "", rx.callout(S.error, icon="triangle-alert", color_scheme="red")),
        rx.cond(S.signals.length() > 0, rx.foreach(S.signals, _signal),
                rx.cond(S.loaded, rx.text("Признаков накрутки не найдено", id="signals-none"))),
        spacing="2", width="100%", id="vote-signals")
