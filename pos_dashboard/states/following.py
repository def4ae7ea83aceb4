"""Following other people's appeals: «Следить» on the «уже сообщили» list of the new-appeal form, and
the followed appeals on «Мои обращения». Only the logged-in citizen's own follows are read or
changed; the service refuses everything else (another role, a bad id, a closed or own appeal)."""

import asyncio

import reflex as rx

from .. import routes
from ..analytics.following import FollowedRow, fetch_followed
from ..db import session_scope
from ..domain.types import utcnow
from ..services import following
from ..services.actors import Actor
from ..services.errors import ServiceError
from .base import AppState


def _load(actor: Actor) -> list[FollowedRow]:
    with session_scope() as session:
        return fetch_followed(session, actor=actor, now=utcnow())


def _change(actor: Actor, appeal_id: object, follow: bool) -> None:
    with session_scope() as session:
        if follow:
            following.follow(session, actor=actor, appeal_id=appeal_id)
        else:
            following.unfollow(session, actor=actor, appeal_id=appeal_id)


class FollowState(AppState):
    rows: list[FollowedRow] = []
    followed_ids: list[int] = []  # followed in this tab since the page opened (the «уже сообщили» list)
    error: str = ""

    @rx.event
    async def load(self):
        actor = await self._actor()
        if actor is None:
            return rx.redirect(routes.LOGIN)
        self.rows, self.error = await asyncio.to_thread(_load, actor), ""
        self.followed_ids = [row["id"] for row in self.rows]

    @rx.event
    async def follow(self, appeal_id: int):
        await self._change(appeal_id, True)

    @rx.event
    async def unfollow(self, appeal_id: int):
        await self._change(appeal_id, False)

    async def _change(self, appeal_id: object, follow: bool):
        actor = await self._actor()
        if actor is None:
            self.error = "Войдите в систему, чтобы следить за обращениями"
            return
        try:
            await asyncio.to_thread(_change, actor, appeal_id, follow)
        except ServiceError as exc:
            self.error = exc.message
            return
        self.rows, self.error = await asyncio.to_thread(_load, actor), ""
        self.followed_ids = [row["id"] for row in self.rows]
