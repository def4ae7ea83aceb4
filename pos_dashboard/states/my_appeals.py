"""«Мои обращения» (/my): one page of the citizen's own appeals. Every var here belongs to the
logged-in citizen, and each has a default, so `reset()` clears it for the next user of the tab."""

import asyncio

import reflex as rx

from .. import routes
from ..analytics.my_appeals import PAGE_SIZE_MAX, MyAppealRow, MyAppealsPage, fetch_my_appeals
from ..db import session_scope
from ..domain.enums import Role
from ..domain.types import utcnow
from ..services.actors import Actor
from ..analytics.formatting import page_count
from .base import AppState


def _load(actor: Actor, page: int) -> MyAppealsPage:
    with session_scope() as session:
        return fetch_my_appeals(session, actor=actor, page=page, page_size=PAGE_SIZE_MAX, now=utcnow())


class MyAppealsState(AppState):
    rows: list[MyAppealRow] = []
    total: int = 0
    page: int = 0
    loaded: bool = False
    error: str = ""

    @rx.var
    def page_count(self) -> int:
        return page_count(self.total, PAGE_SIZE_MAX)

    @rx.event
    async def on_load(self):
        actor = await self._actor()
        if actor is None:
            return rx.redirect(routes.LOGIN)
        if actor.role != Role.CITIZEN:  # staff have no appeals of their own: send them to their home
            return rx.redirect(routes.home_for(actor.role))
        self.page = 0
        await self._reload(actor)

    @rx.event
    async def set_page(self, page: int):
        actor = await self._actor()
        if actor is None:
            return rx.redirect(routes.LOGIN)
        self.page = max(0, min(int(page), self.page_count - 1))
        await self._reload(actor)

    async def _reload(self, actor: Actor) -> None:
        result = await asyncio.to_thread(_load, actor, self.page)
        self.rows, self.total, self.loaded, self.error = result.rows, result.total, True, ""
