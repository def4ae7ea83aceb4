"""The bell in the header (unread count, polled) and the /notifications page. Every handler asks
who is logged in on the server and reads or marks only that user's rows (analytics.notifications,
services.inbox): an id of someone else's notification sent by a forged event is refused."""

import asyncio

import reflex as rx

from .. import routes
from ..analytics.notifications import PAGE_SIZE, NotificationRow, NotificationsPage, fetch_page, unread_count
from ..db import session_scope
from ..services import inbox, sessions
from ..services.actors import Actor
from ..services.errors import ServiceError
from ..analytics.formatting import page_count
from .base import AppState


def _unread(token: str) -> int:
    """The bell polls by itself: it reads the session without touching it (services.sessions), so
    an open tab does not keep an idle session alive, and counts that user's unread rows."""
    with session_scope() as session:
        resolved = sessions.resolve(session, token, touch=False)
        return unread_count(session, actor=Actor.of(resolved[0])) if resolved else 0


def _page(actor: Actor, page: int) -> NotificationsPage:
    with session_scope() as session:
        return fetch_page(session, actor=actor, page=page)


def _mark(actor: Actor, notification_id, every: bool) -> None:
    with session_scope() as session:
        if every:
            inbox.mark_all_read(session, actor=actor)
        else:  # whatever the client sent: the service refuses anything but the user's own row id
            inbox.mark_read(session, actor=actor, notification_id=notification_id)


class BellState(AppState):
    unread: int = 0

    @rx.event
    async def refresh(self, _moment: str = ""):
        self.unread = await asyncio.to_thread(_unread, self.auth_token) if self.auth_token else 0


class NotificationsState(BellState):
    rows: list[NotificationRow] = []
    total: int = 0
    page: int = 0
    loaded: bool = False
    error: str = ""

    @rx.var
    def page_count(self) -> int:
        return page_count(self.total, PAGE_SIZE)

    @rx.event
    async def on_load(self):
        actor = await self._actor()
        if actor is None:
            return rx.redirect(routes.LOGIN)
        self.page = 0
        await self._reload(actor)

    @rx.event
    async def set_page(self, page: int):
        actor = await self._actor()
        if actor is None:
            return rx.redirect(routes.LOGIN)
        self.page = max(0, min(int(page), self.page_count - 1))
        await self._reload(actor)

    @rx.event
    async def mark_read(self, notification_id: int):
        await self._mark(notification_id, every=False)

    @rx.event
    async def mark_all_read(self):
        await self._mark(None, every=True)

    async def _mark(self, notification_id, every: bool):
        actor = await self._actor()
        if actor is None:
            return
        try:
            await asyncio.to_thread(_mark, actor, notification_id, every)
        except ServiceError as exc:
            self.error = exc.message
            return
        await self._reload(actor)

    async def _reload(self, actor: Actor) -> None:
        result = await asyncio.to_thread(_page, actor, self.page)
        self.rows, self.total, self.unread, self.loaded, self.error = result.rows, result.total, result.unread, True, ""
