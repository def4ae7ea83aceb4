"""Public votes for citizens (list, ballot) and their results. Every rule lives below: the read
models refuse by themselves and `services.votes.cast_ballot` checks eligibility at the moment of casting."""

import asyncio
import secrets

import reflex as rx
from reflex_base.utils.form import FormData

from ..analytics import votes as vote_views
from ..db import session_scope
from ..domain.types import utcnow
from ..services import sessions, vote_form, votes
from ..services.actors import Actor
from ..services.errors import ServiceError
from .. import routes
from .base import AppState


def _list(actor: Actor) -> list[vote_views.VoteListItem]:
    with session_scope() as session:
        return vote_views.vote_list(session, actor=actor, now=utcnow())


def _open(auth_token: str, vote_id: int):
    """Check the session and read the ballot's view in one worker thread and one database session:
    None without a valid session, else (actor, name, view or None, the read model's refusal)."""
    with session_scope() as session:
        resolved = sessions.resolve(session, auth_token)
        if resolved is None:
            return None
        actor, name = Actor.of(resolved[0]), resolved[0].full_name
        try:
            return actor, name, vote_views.ballot_view(session, actor=actor, vote_id=vote_id, now=utcnow()), ""
        except ServiceError as exc:
            return actor, name, None, exc.message


def _cast(auth_token: str, vote_id: int, option_ids, token: str, address: str):
    """Check the session and cast the ballot (committed by the service) in one worker thread and one
    database session. None without a valid session; a refused cast raises ServiceError."""
    with session_scope() as session:
        resolved = sessions.resolve(session, auth_token)
        if resolved is None:
            return None
        actor = Actor.of(resolved[0])
        receipt = votes.cast_ballot(session, actor=actor, vote_id=vote_id, option_ids=option_ids,
                                    client_token=token, client_address=address)
        return actor, resolved[0].full_name, receipt


def _results(actor: Actor, vote_id: int) -> dict:
    with session_scope() as session:
        return vote_views.vote_results(session, actor=actor, vote_id=vote_id, now=utcnow())


def _vote_id(raw) -> int:
    text = str(raw or "")
    return int(text) if text.isdigit() and len(text) < 10 else 0


def _page_vote_id(path: str) -> int:
    """The vote of the ballot page's address (/participate/<id>), which the browser sends with every
    event. The cast takes its vote from here, not from the state: with several workers a tab's state
    can fall back to an older one (a Redis lock that expired under load), which may be another vote's."""
    prefix = routes.VOTES + "/"
    return _vote_id(path[len(prefix):].strip("/")) if path.startswith(prefix) else 0


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
    """The ballot page. The choice lives in the page's form (radio buttons or checkboxes) and travels
    with «Отправить голос»: one event per cast, no event per click."""
    vote: dict = {}
    options: list[vote_views.OptionRow] = []
    error: str = ""
    notice: str = ""
    busy: bool = False
    _token: str = ""  # one per opened ballot: a retry of the same submission gets the same answer

    @rx.event
    async def load(self):
        self.vote, self.options, self.error, self.notice, self.busy = {}, [], "", "", False
        self._token = secrets.token_urlsafe(18)
        opened = await asyncio.to_thread(_open, self.auth_token, _vote_id(self.vote_id)) if self.auth_token else None
        if opened is None:
            return rx.redirect("/login")
        actor, name, view, self.error = opened
        self._remember(actor, name)
        if view is not None:
            self.options = view.pop("options")
            self.vote = view

    @rx.event
    async def cast(self, form: FormData):
        if not self.auth_token:
            yield rx.redirect("/login")
            return
        self.busy, self.error = True, ""
        yield
        vote_id = _page_vote_id(self.router.url.path)
        try:
            cast = await asyncio.to_thread(_cast, self.auth_token, vote_id, vote_form.ballot_choice(form),
                                           self._token, self.router.session.client_ip)
        except ServiceError as exc:  # the form keeps the choice; the message says what to do
            self.error, self.busy = exc.message, False
            return
        if cast is None:  # the session ended meanwhile: nothing was cast
            self.busy = False
            yield rx.redirect("/login")
            return
        actor, name, receipt = cast
        self._remember(actor, name)
        self.busy, self.notice = False, "Ваш голос принят. Спасибо за участие!"
        if _vote_id(self.vote.get("id")) == vote_id:
            self.vote = vote_views.view_after_cast(self.vote, self.options, receipt.option_ids, receipt.cast_at)
            return
        opened = await asyncio.to_thread(_open, self.auth_token, vote_id)  # the state was another page's
        if opened is not None and opened[2] is not None:
            self.options, self.vote = opened[2].pop("options"), opened[2]


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
