"""Log-in form. On a refusal the message is shown and the typed login stays in the form."""

import asyncio

import reflex as rx

from ..db import session_scope
from ..outage import DATABASE, failures
from ..services import auth
from ..services.errors import ServiceError
from .base import AppState


def _log_in(login: str, password: str) -> str:
    with session_scope() as session:
        return auth.issue_token(auth.authenticate(session, login=login, password=password))


class LoginState(AppState):
    error: str = ""
    busy: bool = False

    @rx.event
    async def submit(self, form: dict):
        self.busy, self.error = True, ""
        yield
        try:
            token = await asyncio.to_thread(_log_in, form.get("login", ""), form.get("password", ""))
        except ServiceError as exc:
            self.error, self.busy = exc.message, False
            return
        except Exception as exc:  # the form must come back usable, saying why
            reason = "Нет связи с базой данных" if failures.failed(exc, "log-in") == DATABASE else "Ошибка на сервере"
            self.error, self.busy = f"{reason}: вход не выполнен. Повторите через несколько секунд.", False
            return
        self.auth_token, self.busy = token, False
        yield rx.redirect("/")

    @rx.event
    async def redirect_if_logged_in(self):
        if await self._actor() is not None:
            return rx.redirect("/")
