"""The survey builder for coordinators and officials: the list (/participate/surveys/manage) with
publish, close early and delete, and the form (/participate/surveys/new, …/[survey_id]/edit). The form
is held as plain strings (services/survey_form.py); every write goes through services.surveys, which
checks the role and the rules again, whatever the browser sends."""

import asyncio

import reflex as rx

from .. import routes
from ..analytics import surveys as survey_views
from ..db import session_scope
from ..domain.surveys import QuestionKind
from ..domain.types import utcnow
from ..services import survey_form, surveys
from ..services.actors import Actor
from ..services.errors import ServiceError
from .base import AppState
from .surveys import survey_number

QUESTION_FIELDS = frozenset({"text", "options", "rows", "max_choices", "scale_max", "condition"})


def _manage(actor: Actor, action: str, survey_id: int) -> list[survey_views.SurveyListItem]:
    with session_scope() as session:
        if action:
            getattr(surveys, action)(session, actor=actor, survey_id=survey_id)
        return survey_views.survey_list(session, actor=actor, now=utcnow(), builder=True)


def _load_form(actor: Actor, survey_id: int | None):
    with session_scope() as session:
        territories = survey_views.territory_choices(session, actor=actor)
        if survey_id is None:
            return territories, survey_form.blank_fields(utcnow()), [survey_form.new_question("single")], True
        survey, rows = survey_views.builder_rows(session, actor=actor, survey_id=survey_id)
        fields, questions = survey_form.form_of(survey, rows)
        return territories, fields, questions, not surveys.has_responses(session, survey.id)


def _save(actor: Actor, survey_id: int | None, fields: dict, questions: list) -> int:
    with session_scope() as session:
        return surveys.save_survey(session, actor=actor, survey_id=survey_id,
                                   data=survey_form.command_of(fields, questions)).id


class SurveyManageState(AppState):
    items: list[survey_views.SurveyListItem] = []
    error: str = ""
    confirming: str = ""  # "<action>:<id>": closing and deleting take a second click


    @rx.event
    async def load(self):
        return await self._do("", 0)

    @rx.event
    async def act(self, action: str, survey_id: int):
        if action not in ("publish_survey", "close_survey_early", "delete_survey") or not isinstance(survey_id, int):
            return
        if action != "publish_survey" and self.confirming != f"{action}:{survey_id}":
            self.confirming = f"{action}:{survey_id}"
            return
        self.confirming = ""
        return await self._do(action, survey_id)

    async def _do(self, action: str, survey_id: int):
        actor = await self._actor()
        if actor is None:
            return rx.redirect(routes.LOGIN)
        if actor.role not in surveys.BUILDER_ROLES:
            return rx.redirect(routes.home_for(actor.role))
        self.error = ""
        try:
            self.items = await asyncio.to_thread(_manage, actor, action, survey_id)
        except ServiceError as exc:
            self.error = exc.message


class SurveyEditorState(AppState):
    fields: dict[str, str] = {}
    questions: list[survey_form.EditQuestion] = []
    territories: list[list[str]] = []
    editable: bool = True
    editing_id: int = 0  # 0: a new survey
    error: str = ""
    busy: bool = False
    _builder: bool = False  # set by load after the role check; the draft-only handlers need it

    @rx.event
    async def load_new(self):
        return await self._load(None)

    @rx.event
    async def load_edit(self):
        return await self._load(survey_number(self.survey_id))

    async def _load(self, survey_id: int | None):
        actor = await self._actor()
        if actor is None:
            return rx.redirect(routes.LOGIN)
        self._builder = actor.role in surveys.BUILDER_ROLES
        if not self._builder:
            return rx.redirect(routes.home_for(actor.role))
        self.error, self.editing_id, self.busy = "", survey_id or 0, False
        try:
            self.territories, self.fields, self.questions, self.editable = await asyncio.to_thread(
                _load_form, actor, survey_id)
        except ServiceError as exc:
            self.error, self.questions, self.editable = exc.message, [], False

    @rx.event
    def set_field(self, name: str, value: str):
        if self._builder and name in self.fields and isinstance(value, str):
            self.fields[name] = value[:survey_form.FIELD_LIMITS.get(name, 40)]

    @rx.event
    def add_question(self, kind: str):
        if self._builder and kind in set(QuestionKind) and len(self.questions) < surveys.QUESTIONS_MAX:
            self.questions = survey_form.decorate([*self.questions, survey_form.new_question(kind)])

    @rx.event
    def remove_question(self, index: int):
        if self._builder and isinstance(index, int) and 0 <= index < len(self.questions):
            self.questions = self._shifted([q for k, q in enumerate(self.questions) if k != index],
                                           {k: k - (k > index) for k in range(len(self.questions)) if k != index})

    @rx.event
    def move_question(self, index: int, delta: int):
        target = index + delta if isinstance(index, int) and delta in (-1, 1) else -1
        if self._builder and 0 <= index < len(self.questions) and 0 <= target < len(self.questions):
            order = list(range(len(self.questions)))
            order[index], order[target] = order[target], order[index]
            self.questions = self._shifted([self.questions[k] for k in order],
                                           {old: new for new, old in enumerate(order)})

    @rx.event
    def set_question(self, index: int, name: str, value):
        if not (self._builder and isinstance(index, int) and 0 <= index < len(self.questions)):
            return
        question = dict(self.questions[index])
        if name == "required" and isinstance(value, bool):
            question["required"] = value
        elif name in QUESTION_FIELDS and isinstance(value, str):
            question[name] = value[:survey_form.FIELD_LIMITS.get(name, 20)]
        else:
            return
        self.questions = survey_form.decorate([*self.questions[:index], question, *self.questions[index + 1:]])

    @rx.event
    async def save(self):
        actor = await self._actor()
        if actor is None or actor.role not in surveys.BUILDER_ROLES:
            yield rx.redirect(routes.LOGIN if actor is None else routes.home_for(actor.role))
            return
        self.busy, self.error = True, ""
        yield
        try:
            saved = await asyncio.to_thread(_save, actor, self.editing_id or None, dict(self.fields),
                                            list(self.questions))
        except ServiceError as exc:  # the form keeps everything typed
            self.error, self.busy = exc.message, False
            return
        self.busy = False
        yield rx.redirect(routes.SURVEY_MANAGE + f"#survey-{saved}")

    @staticmethod
    def _shifted(questions: list, moved: dict[int, int]) -> list:
        """Keep conditions pointing at the same question after a move or removal."""
        result = []
        for question in questions:
            condition = question["condition"]
            if condition:
                position, option = (int(p) for p in condition.split(":"))
                condition = f"{moved[position]}:{option}" if position in moved else ""
            result.append(question | {"condition": condition})
        return survey_form.decorate(result)
