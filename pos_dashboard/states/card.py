"""The appeal card page: /appeals/[appeal_id]."""

import asyncio

import reflex as rx

from ..analytics.appeal_card import load_card
from ..db import session_scope
from ..services.actors import Actor
from ..services.errors import ServiceError
from .base import AppState


def _load(appeal_id: int, actor: Actor) -> dict:
    with session_scope() as session:
        return load_card(session, appeal_id, actor=actor)


class CardState(AppState):
    appeal: dict = {}
    answers: list[dict] = []
    timeline: list[dict] = []
    error: str = ""

    @rx.event
    async def on_load(self):
        actor = await self._actor()
        if actor is None:
            return rx.redirect("/login")
        self.appeal, self.answers, self.timeline, self.error = {}, [], [], ""
        raw_id = str(self.router.page.params.get("appeal_id", ""))
        if not raw_id.isdigit():
            self.error = "Неверный номер обращения"
            return
        try:
            card = await asyncio.to_thread(_load, int(raw_id), actor)
        except ServiceError as exc:
            self.error = exc.message
            return
        self.answers, self.timeline = card.pop("answers"), card.pop("timeline")
        self.appeal = card
