"""A survey's form for a citizen: answers held per question position, conditional questions shown
as answers are given. `services.surveys.submit_response` checks eligibility and every answer at the
moment of submitting; the handlers below only bound what a client may send."""

import asyncio
import secrets

import reflex as rx

from ..analytics import surveys as survey_views
from ..db import session_scope
from ..domain.limits import SURVEY_ANSWER_MAX
from ..domain.surveys import QuestionKind, QuestionSpec, visible_questions
from ..services import surveys
from ..services.actors import Actor
from ..services.errors import ServiceError
from .base import AppState
from .surveys import run_as, survey_number


def _submit(actor: Actor, survey_id: int, answers: dict, token: str) -> surveys.ResponseReceipt:
    with session_scope() as session:
        return surveys.submit_response(session, actor=actor, survey_id=survey_id, answers=answers,
                                       client_token=token)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class SurveyFormState(AppState):
    survey: dict = {}
    questions: list[survey_views.QuestionRow] = []
    my_answers: list[survey_views.MyAnswer] = []
    picked: list[list[int]] = []  # per question: option indices (ranking: in order; matrix: column per row, -1)
    texts: list[str] = []
    visible: list[bool] = []
    numbers: list[int] = []  # the number each shown question carries (hidden ones are not counted)
    error: str = ""
    notice: str = ""
    busy: bool = False
    _token: str = ""  # one per opened form: a retry of the same submission gets the same answer

    @rx.event
    async def load(self):
        actor = await self._actor()
        if actor is None:
            return rx.redirect("/login")
        self.survey, self.questions, self.my_answers, self.error, self.notice = {}, [], [], "", ""
        self._token = secrets.token_urlsafe(18)
        await self._reload(actor)
        self.picked = [[-1] * len(q["rows"]) if q["kind"] == QuestionKind.MATRIX else [] for q in self.questions]
        self.texts = [""] * len(self.questions)
        self._refresh_visible()

    @rx.event
    def pick(self, index: int, option: int):
        if self.busy or not _is_int(index) or not _is_int(option) or not 0 <= index < len(self.questions):
            return
        q, current = self.questions[index], list(self.picked[index])
        kind, size = q["kind"], len(q["options"]) if q["kind"] != QuestionKind.SCALE else len(q["scale_values"])
        if not 0 <= (option - 1 if kind == QuestionKind.SCALE else option) < size:
            return
        self.error = ""
        if kind in (QuestionKind.SINGLE, QuestionKind.SCALE):
            current = [] if current == [option] and not q["required"] else [option]
        elif option in current:
            current.remove(option)
        elif kind == QuestionKind.MULTIPLE and len(current) >= q["max_choices"]:
            self.error = f"В вопросе «{q['text'][:60]}» можно выбрать не больше {q['max_choices']}"
            return
        else:
            current.append(option)
        self.picked[index] = current if kind == QuestionKind.RANKING else sorted(current)
        self._refresh_visible()

    @rx.event
    def pick_cell(self, index: int, row: int, column: int):
        if self.busy or not all(_is_int(v) for v in (index, row, column)) or not 0 <= index < len(self.questions):
            return
        q = self.questions[index]
        if q["kind"] == QuestionKind.MATRIX and 0 <= row < len(q["rows"]) and 0 <= column < len(q["options"]):
            cells = list(self.picked[index])
            cells[row] = column
            self.picked[index] = cells

    @rx.event
    def set_text(self, index: int, value: str):
        if _is_int(index) and 0 <= index < len(self.texts) and isinstance(value, str):
            self.texts[index] = value[:SURVEY_ANSWER_MAX]

    @rx.event
    async def submit(self):
        actor = await self._actor()
        if actor is None:
            yield rx.redirect("/login")
            return
        self.busy, self.error = True, ""
        yield
        try:
            await asyncio.to_thread(_submit, actor, survey_number(self.survey.get("id")), self._answers(), self._token)
        except ServiceError as exc:  # the answers stay; the message says what to fix
            self.error, self.busy = exc.message, False
            return
        self.busy, self.notice = False, "Спасибо! Ваши ответы приняты."
        await self._reload(actor)

    def _answers(self) -> dict[str, object]:
        answers: dict[str, object] = {}
        for k, q in enumerate(self.questions):
            if not self.visible[k]:
                continue
            kind, picked = q["kind"], self.picked[k]
            if kind == QuestionKind.TEXT:
                value = self.texts[k]
            elif kind in (QuestionKind.SINGLE, QuestionKind.SCALE):
                value = picked[0] if picked else None
            elif kind == QuestionKind.MATRIX:
                value = [None if c < 0 else c for c in picked]
            else:
                value = list(picked)
            answers[str(q["id"])] = value
        return answers

    def _refresh_visible(self) -> None:
        specs = [QuestionSpec(id=q["id"], kind=q["kind"], text=q["text"],
                              condition=(q["condition_id"], q["condition_option"]) if q["condition_id"] else None)
                 for q in self.questions]
        given = {q["id"]: (self.picked[k][0] if self.picked[k] else None) if q["kind"] == QuestionKind.SINGLE
                 else self.picked[k] for k, q in enumerate(self.questions)}
        shown = set(visible_questions(specs, given))
        self.visible = [q["id"] in shown for q in self.questions]
        self.numbers = [sum(self.visible[:k + 1]) for k in range(len(self.visible))]

    async def _reload(self, actor: Actor) -> None:
        try:
            view = await asyncio.to_thread(run_as, survey_views.survey_form, actor,
                                           survey_id=survey_number(self.survey_id))
        except ServiceError as exc:
            self.error = exc.message
            return
        self.questions, self.my_answers = view.pop("questions"), view.pop("my_answers")
        self.survey = view
