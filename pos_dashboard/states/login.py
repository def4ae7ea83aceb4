"""Log-in form. On a refusal the message is shown and the typed login stays in the form."""

import asyncio

import reflex as rx

from .. import routes
from ..db import session_scope
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
        self.auth_token, self.busy = token, False
        actor = await self._actor()  # each role has its own home page (a citizen is not staff)
        yield rx.redirect(routes.home_for(actor.role if actor else None))

    @rx.event
    async def redirect_if_logged_in(self):
        if (actor := await self._actor()) is not None:
            return rx.redirect(routes.home_for(actor.role))
