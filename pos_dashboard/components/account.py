"""The account page's parts: the table of the user's sessions and the password form."""

import reflex as rx

from ..services.auth import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from ..states.account import AccountState


def _session_row(row) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row["created"]),
        rx.table.cell(row["last_seen"]),
        rx.table.cell(rx.text(row["client"], size="2", color=rx.color("gray", 12))),
        rx.table.cell(rx.cond(
            row["current"],
            rx.badge("этот сеанс", color_scheme="green", variant="surface", size="2"),
            rx.button("Завершить", size="1", variant="outline", color_scheme="red",
                      on_click=AccountState.end_session(row["id"]), id="end-session-" + row["id"].to(str),
                      aria_label="Завершить сеанс от " + row["created"].to(str)),
        )),
        class_name=rx.cond(row["current"], "session-row session-current", "session-row"),
    )


def sessions_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading("Активные сеансы", size="4"),
                rx.spacer(),
                rx.button("Завершить все остальные", size="2", variant="soft", color_scheme="red",
                          on_click=AccountState.end_other_sessions, id="end-other-sessions",
                          disabled=AccountState.sessions.length() < 2),
                width="100%", align="center",
            ),
            rx.text("Сеанс завершается после 2 ч бездействия и через 12 ч после входа.", size="2",
                    color=rx.color("gray", 11)),
            rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(title) for title in
                                               ("Вход", "Последняя активность", "Устройство и адрес", "")])),
                rx.table.body(rx.foreach(AccountState.sessions, _session_row)),
                width="100%", id="sessions-table",
            ),
            rx.cond(AccountState.notice != "", rx.callout(AccountState.notice, icon="check", color_scheme="green",
                                                          id="sessions-notice")),
            rx.cond(AccountState.error != "", rx.callout(AccountState.error, icon="triangle-alert",
                                                         color_scheme="red", id="sessions-error")),
            spacing="3", width="100%",
        ),
        width="100%",
    )


def _password_input(name: str, label: str) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=name, class_name="field-label"),
        rx.input(name=name, id=name, type="password", width="100%", max_length=MAX_PASSWORD_LENGTH,
                 auto_complete="current-password" if name == "current_password" else "new-password"),
        spacing="1", width="100%",
    )


def password_card() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("Смена пароля", size="4"),
                rx.text(f"Не короче {MIN_PASSWORD_LENGTH} символов. После смены все другие сеансы завершатся.",
                        size="2", color=rx.color("gray", 11)),
                _password_input("current_password", "Текущий пароль"),
                _password_input("new_password", "Новый пароль"),
                _password_input("new_password_again", "Новый пароль ещё раз"),
                rx.cond(AccountState.password_error != "", rx.callout(
                    AccountState.password_error, icon="triangle-alert", color_scheme="red", id="password-error")),
                rx.cond(AccountState.password_notice != "", rx.callout(
                    AccountState.password_notice, icon="check", color_scheme="green", id="password-notice")),
                rx.button("Сменить пароль", type="submit", loading=AccountState.password_busy, id="password-submit"),
                spacing="3", width="100%",
            ),
            on_submit=AccountState.change_password, reset_on_submit=False,
        ),
        width="100%", max_width="480px",
    )
