"""The citizen's appeal form (/my/new). What is typed lives here until the server accepts it, so a
refusal shows its message and loses nothing; every var has a default, so `reset()` clears it."""

import asyncio

import reflex as rx

from .. import routes
from ..analytics.appeal_form import (CategoryChoice, Receipt, TerritoryChoice, category_choices,
                                     match_categories, receipt, territory_choices)
from ..analytics.nearby import NearbyAppeal, point_facts
from ..db import session_scope
from ..domain.enums import Role
from ..services.actors import Actor
from ..domain.limits import ADDRESS_MAX, APPEAL_TEXT_MAX as TEXT_MAX
from ..services.appeal_form import submit_from_form
from ..services.errors import ServiceError
from . import uploads
from .base import AppState


def _options(actor: Actor) -> tuple[list[CategoryChoice], list[TerritoryChoice]]:
    with session_scope() as session:
        return category_choices(session, actor=actor), territory_choices(session, actor=actor)


def _submit(actor: Actor, form: dict, staged: list[dict]) -> Receipt:
    with session_scope() as session:
        appeal = submit_from_form(session, actor=actor, form=form, files=uploads.as_files(staged))
        return receipt(session, appeal.id, actor=actor)


def _point(actor: Actor, category_id: str, lat: str, lon: str) -> dict:
    with session_scope() as session:
        return point_facts(session, actor=actor, category_id=category_id, lat=lat, lon=lon)


# What the form keeps of each field (a client may send any size); the service checks the text itself.
FIELD_LIMITS = {"category_query": 100, "category_id": 12, "territory_id": 12, "text": TEXT_MAX,
                "address": ADDRESS_MAX, "latitude": 20, "longitude": 20}
_NO_RECEIPT = Receipt(id=0, category="", rule="", deadline="")


class NewAppealState(AppState):
    category_query: str = ""
    category_id: str = ""
    territory_id: str = ""
    text: str = ""
    address: str = ""
    latitude: str = ""
    longitude: str = ""
    point_note: str = ""  # the territory found from the point
    nearby: list[NearbyAppeal] = []  # «уже сообщили»: open appeals of this category within 250 m
    territories: list[TerritoryChoice] = []
    error: str = ""
    busy: bool = False
    sent: Receipt = _NO_RECEIPT
    files: list[uploads.FileChip] = []
    file_error: str = ""
    _categories: list[CategoryChoice] = []
    _staged: list[dict] = []  # checked files waiting in staging; only the server knows their keys

    @rx.var
    def category_matches(self) -> list[CategoryChoice]:
        return match_categories(self._categories, self.category_query)

    @rx.var
    def chosen_category(self) -> CategoryChoice:
        return next((c for c in self._categories if c["value"] == self.category_id),
                    CategoryChoice(value="", name="", group="", rule="", expedited="", search=""))

    @rx.var
    def text_length(self) -> int:
        return len(self.text.strip())

    @rx.event
    async def on_load(self):
        actor = await self._actor()
        if actor is None:
            return rx.redirect(routes.LOGIN)
        if actor.role != Role.CITIZEN:
            return rx.redirect(routes.home_for(actor.role))
        self._categories, self.territories = await asyncio.to_thread(_options, actor)
        self.error, self.busy = "", False
        self.sent = _NO_RECEIPT  # a receipt shown before is not shown again: a fresh form

    @rx.event
    def set_field(self, name: str, value: str):
        if name in FIELD_LIMITS:  # a client may send any name and any size: only these, and bounded
            setattr(self, name, str(value)[:FIELD_LIMITS[name]])
            self.error = ""

    async def _citizen(self) -> Actor | None:
        actor = await self._actor()
        return actor if actor is not None and actor.role == Role.CITIZEN else None

    @rx.event
    async def add_files(self, files: list[rx.UploadFile]):
        if await self._citizen() is None:
            return
        self._staged, self.file_error = await uploads.stage_uploads(files, self._staged)
        self.files = uploads.chips(self._staged)

    @rx.event
    def files_rejected(self, rejected: list[dict]):
        self.file_error = uploads.rejected_message(rejected)

    @rx.event
    async def remove_file(self, key: str):
        self._staged = await asyncio.to_thread(uploads.without, self._staged, str(key))
        self.files, self.file_error = uploads.chips(self._staged), ""

    @rx.event
    async def set_point(self, lat: float, lon: float):
        """A click on the map: the same fields as typing the numbers."""
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (lat, lon)):
            return
        self.latitude, self.longitude = f"{lat:.6f}"[:20], f"{lon:.6f}"[:20]
        await self.check_point()

    @rx.event
    async def check_point(self):
        """After the point or the category changed: the territory from the point, and who reported nearby."""
        actor = await self._citizen()
        if actor is None:
            return
        facts = await asyncio.to_thread(_point, actor, self.category_id, self.latitude, self.longitude)
        self.nearby, found = facts["nearby"], facts["territory"]
        self.point_note = f"По точке: {found[1]}" if found else ""
        if found:
            self.territory_id = str(found[0])

    @rx.event
    async def submit(self):
        actor = await self._actor()
        if actor is None:
            yield rx.redirect(routes.LOGIN)
            return
        self.busy, self.error = True, ""
        yield
        form = {"category_id": self.category_id, "territory_id": self.territory_id, "text": self.text,
                "address": self.address, "latitude": self.latitude, "longitude": self.longitude}
        try:
            self.sent = await asyncio.to_thread(_submit, actor, form, self._staged)
        except ServiceError as exc:  # everything typed stays in the form
            self.error, self.busy = exc.message, False
            return
        self.category_query = self.category_id = self.territory_id = self.text = self.address = ""
        self.latitude = self.longitude = self.point_note = ""
        self.nearby = []
        await asyncio.to_thread(uploads.forget, self._staged)
        self._staged, self.files, self.file_error, self.busy = [], [], "", False

    @rx.event
    def start_over(self):
        self.sent = _NO_RECEIPT
