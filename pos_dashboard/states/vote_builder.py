"""The vote builder (/participate/votes, /participate/votes/new, /participate/votes/[vote_id]).
Thin: every rule — who may build, what may change once a vote started or has ballots — is in
services.votes and analytics.vote_builder, which refuse by themselves whatever the browser sends."""

import asyncio
from datetime import timedelta

import reflex as rx

from .. import routes
from ..analytics import vote_builder as views
from ..db import session_scope
from ..domain.types import utcnow
from ..services import votes
from ..services.actors import Actor
from ..services.errors import ServiceError
from ..services.vote_form import EMPTY_OPTION, FORM_LIMITS, OPTION_LIMITS, local_input, parse_vote_form
from .base import AppState
from .participate import _vote_id


def _run(fn, actor: Actor, **kwargs):
    with session_scope() as session:
        return fn(session, actor=actor, **kwargs)


def _save(actor: Actor, vote_id: int, form: dict, options: list) -> int:
    fields = parse_vote_form(form, options).as_kwargs()
    with session_scope() as session:
        if vote_id:
            return votes.update_vote(session, actor=actor, vote_id=vote_id, **fields).id
        return votes.create_vote(session, actor=actor, publish=False, **fields).id


def _blank_form() -> dict[str, str]:
    start = (utcnow() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    return {"title": "", "description": "", "territory_id": "", "starts": local_input(start),
            "ends": local_input(start + timedelta(days=14)), "max_choices": "1", "eligibility": "residents",
            "min_age": "14", "results_visibility": "after_close"}


class BuilderListState(AppState):
    rows: list[views.BuilderRow] = []
    error: str = ""

    @rx.event
    async def load(self):
        actor = await self._actor()
        if actor is None:
            return rx.redirect(routes.LOGIN)
        self.rows, self.error = [], ""
        try:
            self.rows = await asyncio.to_thread(_run, views.builder_votes, actor, now=utcnow())
        except ServiceError as exc:
            self.error = exc.message


class VoteBuilderState(AppState):
    form: dict[str, str] = {}
    options: list[dict[str, str]] = []
    info: dict = {}
    territories: list[views.Choice] = []
    error: str = ""
    notice: str = ""
    busy: bool = False

    @rx.event
    async def load(self):
        actor = await self._actor()
        if actor is None:
            return rx.redirect(routes.LOGIN)
        self.error, self.notice, self.busy, self.info = "", "", False, {}
        try:
            self.territories = await asyncio.to_thread(_run, views.territory_choices, actor)
            await self._reload(actor)
        except ServiceError as exc:
            self.form, self.options, self.error = {}, [], exc.message

    async def _reload(self, actor: Actor) -> None:
        vote_id = _vote_id(self.vote_id)
        if not vote_id:
            self.form, self.options = _blank_form(), [dict(EMPTY_OPTION), dict(EMPTY_OPTION)]
            self.info = {"id": 0, "state_label": "Не сохранено", "ballots": 0, "editable": True}
            return
        view = await asyncio.to_thread(_run, views.builder_vote, actor, vote_id=vote_id, now=utcnow())
        self.form, self.options, self.info = view["form"], view["options"], view["info"]

    @rx.event
    def set_field(self, name: str, value: str):
        if name in FORM_LIMITS and isinstance(value, str):  # a client may send any name and size
            self.form = {**self.form, name: value[:FORM_LIMITS[name]]}

    @rx.event
    def set_option(self, index: int, name: str, value: str):
        if (isinstance(index, int) and 0 <= index < len(self.options) and name in OPTION_LIMITS
                and isinstance(value, str)):
            self.options = [{**o, name: value[:OPTION_LIMITS[name]]} if k == index else o
                            for k, o in enumerate(self.options)]

    @rx.event
    def add_option(self):
        if len(self.options) < votes.OPTIONS_MAX:
            self.options = [*self.options, dict(EMPTY_OPTION)]

    @rx.event
    def remove_option(self, index: int):
        if isinstance(index, int) and 0 <= index < len(self.options) and len(self.options) > 1:
            self.options = [o for k, o in enumerate(self.options) if k != index]

    @rx.event
    async def save(self):
        actor = await self._actor()
        if actor is None:
            return rx.redirect(routes.LOGIN)
        try:  # the form keeps what was typed on a refusal
            vote_id = await asyncio.to_thread(_save, actor, _vote_id(self.vote_id), self.form, self.options)
        except ServiceError as exc:
            self.error, self.notice = exc.message, ""
            return
        if not _vote_id(self.vote_id):
            return rx.redirect(f"{routes.VOTE_BUILDER_LIST}/{vote_id}")
        self.error, self.notice = "", "Изменения сохранены"
        await self._reload(actor)

    @rx.event
    async def publish(self):
        return await self._act(votes.publish_vote, "Голосование опубликовано: жители его видят")

    @rx.event
    async def close_early(self):
        return await self._act(votes.close_early, "Голосование завершено досрочно")

    @rx.event
    async def delete(self):
        return await self._act(votes.delete_vote, "")

    async def _act(self, service, notice: str):
        actor = await self._actor()
        if actor is None:
            return rx.redirect(routes.LOGIN)
        try:
            await asyncio.to_thread(_run, service, actor, vote_id=_vote_id(self.vote_id))
        except ServiceError as exc:
            self.error, self.notice = exc.message, ""
            return None
        if not notice:  # deleted
            return rx.redirect(routes.VOTE_BUILDER_LIST)
        self.error, self.notice = "", notice
        await self._reload(actor)
        return None
