"""/account: the user's own sessions (end one, end all others) and the password change."""

import asyncio

import reflex as rx

from ..analytics.sessions import SessionRow, session_rows
from ..db import session_scope
from ..services import auth, sessions
from ..services.actors import Actor
from ..services.errors import ServiceError
from .base import AppState

PASSWORD_FIELDS = ("current_password", "new_password", "new_password_again")


def _rows(actor: Actor, token: str) -> list[SessionRow]:
    with session_scope() as session:
        return session_rows(session, actor=actor, current_token=token)


def _end_one(actor: Actor, session_id: int) -> None:
    with session_scope() as session:
        sessions.revoke_own_session(session, actor=actor, session_id=session_id)


def _end_others(actor: Actor, token: str) -> int:
    with session_scope() as session:
        return sessions.revoke_all(session, user_id=actor.user_id, reason=sessions.Reason.ENDED_BY_USER,
                                   keep_token=token)


def _change_password(actor: Actor, form: dict, address: str, user_agent: str) -> str:
    with session_scope() as session:
        return auth.change_password(session, actor=actor, current_password=str(form.get("current_password", "")),
                                    new_password=str(form.get("new_password", "")),
                                    new_password_again=str(form.get("new_password_again", "")),
                                    address=address, user_agent=user_agent)


class AccountState(AppState):
    sessions: list[SessionRow] = []
    notice: str = ""
    error: str = ""
    password_error: str = ""
    password_notice: str = ""
    password_busy: bool = False

    @rx.event
    async def on_load(self):
        actor = await self._actor()
        if actor is None:
            return rx.redirect("/login")
        self.notice, self.error, self.password_error, self.password_notice = "", "", "", ""
        await self._reload(actor)

    @rx.event
    async def end_session(self, session_id: int):
        actor = await self._actor()
        if actor is None:
            return rx.redirect("/login")
        try:
            await asyncio.to_thread(_end_one, actor, int(session_id))
        except (ServiceError, TypeError, ValueError) as exc:  # int() of whatever a client sent
            self.error, self.notice = getattr(exc, "message", "Сеанс не найден или уже завершён"), ""
            return
        self.error, self.notice = "", "Сеанс завершён"
        await self._reload(actor)

    @rx.event
    async def end_other_sessions(self):
        actor = await self._actor()
        if actor is None:
            return rx.redirect("/login")
        ended = await asyncio.to_thread(_end_others, actor, self.auth_token)
        self.error, self.notice = "", f"Завершено сеансов: {ended}"
        await self._reload(actor)

    @rx.event
    async def change_password(self, form: dict):
        actor = await self._actor()
        if actor is None:
            yield rx.redirect("/login")
            return
        self.password_busy, self.password_error, self.password_notice = True, "", ""
        yield
        try:
            token = await asyncio.to_thread(_change_password, actor, form, self.router.session.client_ip,
                                            self.router.headers.user_agent)
        except ServiceError as exc:  # the form keeps what was typed
            self.password_error, self.password_busy = exc.message, False
            return
        self.auth_token, self.password_busy = token, False
        self.password_notice = "Пароль изменён. Все другие сеансы завершены."
        await self._reload(actor)
        for field in PASSWORD_FIELDS:
            yield rx.set_value(field, "")

    async def _reload(self, actor: Actor) -> None:
        self.sessions = await asyncio.to_thread(_rows, actor, self.auth_token)
