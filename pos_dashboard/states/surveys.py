"""Surveys for citizens: the list beside the votes and the results with exports (the form:
`states/survey_form.py`). Every rule lives below: the read models refuse by themselves."""

import asyncio

import reflex as rx

from ..analytics import survey_results, surveys as survey_views
from ..analytics.figures import plain_figure
from ..analytics.table_export import FORMATS
from ..analytics.votes import BandRow
from ..db import session_scope
from ..domain.types import utcnow
from ..services import surveys
from ..services.actors import Actor
from ..services.errors import ServiceError
from .base import AppState


def run_as(fn, actor: Actor, **kwargs):
    """A read model or service call in its own session, at the current moment."""
    with session_scope() as session:
        return fn(session, actor=actor, now=utcnow(), **kwargs)


def survey_number(raw) -> int:
    """The survey id of the URL (any text a client sends): 0 when it is not a plausible id."""
    text = str(raw or "")
    return int(text) if text.isdigit() and len(text) < 10 else 0


class SurveyListState(AppState):
    items: list[survey_views.SurveyListItem] = []
    has_history: bool = False
    is_builder: bool = False
    error: str = ""

    @rx.event
    async def load(self):
        actor = await self._actor()
        if actor is None:
            return rx.redirect("/login")
        self.items, self.has_history, self.error = [], False, ""
        self.is_builder = actor.role in surveys.BUILDER_ROLES
        try:
            self.items = await asyncio.to_thread(run_as, survey_views.survey_list, actor)
            self.has_history = any(item["answered"] for item in self.items)
        except ServiceError as exc:
            self.error = exc.message


class SurveyResultsState(AppState):
    results: dict = {}
    questions: list[survey_results.QuestionResult] = []
    charts: list[dict] = []
    by_age: list[BandRow] = []
    by_territory: list[BandRow] = []
    error: str = ""

    @rx.event
    async def load(self):
        actor = await self._actor()
        if actor is None:
            return rx.redirect("/login")
        self.results, self.questions, self.charts, self.by_age, self.by_territory, self.error = {}, [], [], [], [], ""
        try:
            results = await asyncio.to_thread(run_as, survey_results.survey_results, actor,
                                              survey_id=survey_number(self.survey_id))
        except ServiceError as exc:
            self.error = exc.message
            return
        self.questions, self.by_age = results.pop("questions"), results.pop("by_age")
        self.charts = [plain_figure(survey_results.question_figure(q)) for q in self.questions]
        self.by_territory = results.pop("by_territory")[:30]
        self.results = results

    @rx.event
    async def export(self, fmt: str):
        actor = await self._actor()
        if actor is None or fmt not in ("csv", "totals.csv", "xlsx"):
            return
        try:
            data, name = await asyncio.to_thread(run_as, survey_results.export_file, actor,
                                                 survey_id=survey_number(self.survey_id), fmt=fmt)
        except ServiceError as exc:
            self.error = exc.message
            return
        return rx.download(data=data, filename=name, mime_type=FORMATS["xlsx" if fmt == "xlsx" else "csv"])
