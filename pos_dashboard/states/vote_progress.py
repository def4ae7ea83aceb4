"""The public progress page of a finished vote (/participate/[vote_id]/progress). Anyone may read
it; the stage form is offered to coordinators, and services.accountability refuses anyone else."""

import asyncio

import reflex as rx

from ..analytics import accountability as views
from ..db import session_scope
from ..domain.types import utcnow
from ..services import accountability
from ..services.actors import Actor
from ..services.errors import ServiceError
from .base import AppState
from .participate import _vote_id

FORM_LIMITS = {"title": accountability.STAGE_TITLE_MAX, "status": 20, "planned_on": 10, "done_on": 10,
               "contractor": accountability.CONTRACTOR_MAX, "note": 2000}
_EMPTY_FORM = {"option_id": "", "stage_id": "", "title": "", "status": "planned", "planned_on": "", "done_on": "",
               "contractor": "", "note": ""}


def _load(actor: Actor | None, vote_id: int) -> dict:
    with session_scope() as session:
        return views.vote_progress(session, actor=actor, vote_id=vote_id, now=utcnow())


def _save(actor: Actor | None, form: dict) -> None:
    stage = accountability.StageInput(**{name: form.get(name, "") for name in FORM_LIMITS})
    with session_scope() as session:
        if form.get("stage_id"):
            accountability.update_stage(session, actor=actor, stage_id=_vote_id(form["stage_id"]), stage=stage)
        else:
            accountability.add_stage(session, actor=actor, option_id=_vote_id(form.get("option_id")), stage=stage)


class ProgressState(AppState):
    view: dict = {}
    places: list[views.PlaceRow] = []
    form: dict[str, str] = {}
    error: str = ""
    form_error: str = ""
    notice: str = ""

    @rx.event
    async def load(self):
        actor = await self._actor()  # None is fine: the page is public
        self.view, self.places, self.form, self.error, self.form_error, self.notice = {}, [], {}, "", "", ""
        await self._reload(actor)

    async def _reload(self, actor: Actor | None) -> None:
        try:
            view = await asyncio.to_thread(_load, actor, _vote_id(self.vote_id))
        except ServiceError as exc:
            self.error = exc.message
            return
        self.places = view.pop("places")
        self.view = view

    @rx.event
    def new_stage(self, option_id: int):
        if isinstance(option_id, int) and self.view.get("can_edit"):
            self.form, self.form_error = {**_EMPTY_FORM, "option_id": str(option_id)}, ""

    @rx.event
    def edit_stage(self, stage_id: int):
        stage = next((s for p in self.places for s in p["stages"] if s["id"] == stage_id), None)
        if stage is not None and self.view.get("can_edit"):
            self.form, self.form_error = {**_EMPTY_FORM, "stage_id": str(stage_id), "title": stage["title"],
                                          "status": stage["status"], "planned_on": stage["planned_value"],
                                          "done_on": stage["done_value"], "contractor": stage["contractor"],
                                          "note": stage["note"]}, ""

    @rx.event
    def cancel(self):
        self.form, self.form_error = {}, ""

    @rx.event
    def set_field(self, name: str, value: str):
        if name in FORM_LIMITS and isinstance(value, str) and self.form:
            self.form = {**self.form, name: value[:FORM_LIMITS[name]]}

    @rx.event
    async def save(self):
        actor = await self._actor()
        try:  # the form keeps what was typed on a refusal
            await asyncio.to_thread(_save, actor, dict(self.form))
        except ServiceError as exc:
            self.form_error = exc.message
            return
        self.form, self.form_error, self.notice = {}, "", "Ход работ обновлён"
        await self._reload(actor)
