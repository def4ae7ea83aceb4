"""/login — log-in form, with the demo accounts listed beside it when the demo region is loaded."""

import reflex as rx

from ..demo.accounts import DEMO_PASSWORD, demo_accounts
from ..components.ready import ready_marker
from ..states.login import LoginState


def _demo_accounts() -> rx.Component:
    return rx.card(
        rx.text("Демонстрационные учётные записи", weight="bold", size="2"),
        rx.text(f"Пароль у всех: {DEMO_PASSWORD}", size="1", color=rx.color("gray", 11)),
        rx.table.root(
            rx.table.body(*[
                rx.table.row(rx.table.cell(rx.code(account.login)), rx.table.cell(rx.text(account.description, size="1")))
                for account in demo_accounts()
            ]),
            size="1",
        ),
        width="100%",
    )


def login_page() -> rx.Component:
    return rx.center(
        ready_marker(),
        rx.el.main(rx.vstack(
            rx.heading("Платформа обратной связи", size="6"),
            rx.text("Вход для заявителей, сотрудников ЦУР, организаций и министерства", color=rx.color("gray", 11)),
            rx.card(
                rx.form(
                    rx.vstack(
                        rx.el.label("Логин", html_for="login", class_name="field-label"),
                        rx.input(name="login", placeholder="ваш логин", width="100%", id="login",
                                 auto_complete="username"),
                        rx.el.label("Пароль", html_for="password", class_name="field-label"),
                        rx.input(name="password", type="password", width="100%", id="password",
                                 auto_complete="current-password"),
                        rx.cond(LoginState.error != "",
                                rx.callout(LoginState.error, icon="triangle-alert", color_scheme="red",
                                           high_contrast=True, id="login-error", role="alert")),
                        rx.button("Войти", type="submit", loading=LoginState.busy, width="100%", id="login-submit"),
                        spacing="2",
                    ),
                    on_submit=LoginState.submit,
                    reset_on_submit=False,
                ),
                width="100%",
            ),
            rx.cond(LoginState.demo_loaded, _demo_accounts()),
            width="100%", spacing="4",
        ), width="100%", max_width="420px", padding="12px"),
        min_height="100vh", background=rx.color("gray", 2),
    )
