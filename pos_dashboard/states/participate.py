"""Public votes for citizens (list, ballot) and their results. Every rule lives below: the read
models refuse by themselves and `services.votes.cast_ballot` checks eligibility at the moment of casting."""

import asyncio
import secrets

import reflex as rx

from ..analytics import votes as vote_views
from ..db import session_scope
from ..domain.types import utcnow
from ..services import sessions, votes
from ..services.actors import Actor
from ..services.errors import ServiceError
from .base import AppState


def _list(actor: Actor) -> list[vote_views.VoteListItem]:
    with session_scope() as session:
        return vote_views.vote_list(session, actor=actor, now=utcnow())


def _ballot(actor: Actor, vote_id: int) -> dict:
    with session_scope() as session:
        return vote_views.ballot_view(session, actor=actor, vote_id=vote_id, now=utcnow())


def _cast(auth_token: str, vote_id: int, option_ids: list[int], token: str, address: str):
    """Check the session, cast the ballot (committed by the service) and read the ballot's view
    back, in one worker thread and one database session. None without a valid session; a refused
    cast raises ServiceError; a failure after the commit leaves the ballot cast."""
    with session_scope() as session:
        resolved = sessions.resolve(session, auth_token)
        if resolved is None:
            return None
        actor, name = Actor.of(resolved[0]), resolved[0].full_name
        votes.cast_ballot(session, actor=actor, vote_id=vote_id, option_ids=option_ids,
                          client_token=token, client_address=address)
        try:
            view = vote_views.ballot_view(session, actor=actor, vote_id=vote_id, now=utcnow())
        except ServiceError:
            view = None
        return actor, name, view


def _results(actor: Actor, vote_id: int) -> dict:
    with session_scope() as session:
        return vote_views.vote_results(session, actor=actor, vote_id=vote_id, now=utcnow())


def _vote_id(raw) -> int:
    text = str(raw or "")
    return int(text) if text.isdigit() and len(text) < 10 else 0


class VotesState(AppState):
    items: list[vote_views.VoteListItem] = []
    error: str = ""
    can_build: bool = False  # a link to the builder; the builder's read models check the role themselves

    @rx.event
    async def load_list(self):
        actor = await self._actor()
        if actor is None:
            return rx.redirect("/login")
        self.items, self.error, self.can_build = [], "", actor.role in votes.BUILDER_ROLES
        try:
            self.items = await asyncio.to_thread(_list, actor)
        except ServiceError as exc:
            self.error = exc.message


class BallotState(AppState):
    vote: dict = {}
    options: list[vote_views.OptionRow] = []
    chosen: list[int] = []
    error: str = ""
    notice: str = ""
    busy: bool = False
    _token: str = ""  # one per opened ballot: a retry of the same submission gets the same answer

    @rx.event
    async def load(self):
        actor = await self._actor()
        if actor is None:
            return rx.redirect("/login")
        self.vote, self.options, self.chosen, self.error, self.notice = {}, [], [], "", ""
        self._token = secrets.token_urlsafe(18)
        await self._reload(actor)

    @rx.event
    def toggle(self, option_id: int):
        if not isinstance(option_id, int) or self.busy:
            return
        if option_id in self.chosen:
            self.chosen = [i for i in self.chosen if i != option_id]
        elif int(self.vote.get("max_choices", 1)) == 1:
            self.chosen = [option_id]
        else:
            self.chosen = [*self.chosen, option_id]
        self.error = ""

    @rx.event
    async def cast(self):
        if not self.auth_token:
            yield rx.redirect("/login")
            return
        self.busy, self.error = True, ""
        yield
        try:
            cast = await asyncio.to_thread(_cast, self.auth_token, _vote_id(self.vote.get("id")), list(self.chosen),
                                           self._token, self.router.session.client_ip)
        except ServiceError as exc:  # the choice stays marked; the message says what to do
            self.error, self.busy = exc.message, False
            return
        if cast is None:  # the session ended meanwhile: nothing was cast
            self.busy = False
            yield rx.redirect("/login")
            return
        actor, name, view = cast
        self._remember(actor, name)
        self.busy, self.notice = False, "Ваш голос принят. Спасибо за участие!"
        if view is None:  # cast, but the view could not be read again: reload it on its own
            await self._reload(actor)
        else:
            self.options = view.pop("options")
            self.vote = view

    async def _reload(self, actor: Actor) -> None:
        try:
            view = await asyncio.to_thread(_ballot, actor, _vote_id(self.vote_id))
        except ServiceError as exc:
            self.error = exc.message
            return
        self.options = view.pop("options")
        self.vote = view


class ResultsState(AppState):
    results: dict = {}
    rows: list[vote_views.ResultRow] = []
    by_age: list[vote_views.BandRow] = []
    by_territory: list[vote_views.BandRow] = []
    error: str = ""

    @rx.event
    async def load(self):
        actor = await self._actor()
        if actor is None:
            return rx.redirect("/login")
        self.results, self.rows, self.by_age, self.by_territory, self.error = {}, [], [], [], ""
        try:
            results = await asyncio.to_thread(_results, actor, _vote_id(self.vote_id))
        except ServiceError as exc:
            self.error = exc.message
            return
        self.rows, self.by_age = results.pop("rows"), results.pop("by_age")
        self.by_territory = results.pop("by_territory")[:30]
        self.results = results
