"""Manipulation signals of one vote, shown to its builders (analytics.vote_signals refuses anyone else)."""

import asyncio

import reflex as rx

from ..analytics import vote_signals
from ..db import session_scope
from ..domain.types import utcnow
from ..services.actors import Actor
from ..services.errors import ServiceError
from .base import AppState
from .participate import _vote_id


def _signals(actor: Actor, vote_id: int) -> list[vote_signals.Signal]:
    with session_scope() as session:
        return vote_signals.vote_signals(session, actor=actor, vote_id=vote_id, now=utcnow())


class VoteSignalsState(AppState):
    signals: list[vote_signals.Signal] = []
    loaded: bool = False
    error: str = ""

    @rx.event
    async def load(self):
        self.signals, self.loaded, self.error = [], False, ""
        vote_id = _vote_id(self.vote_id)
        actor = await self._actor()
        if actor is None or not vote_id:
            return
        try:
            self.signals = await asyncio.to_thread(_signals, actor, vote_id)
        except ServiceError as exc:
            self.error = exc.message
        self.loaded = True
