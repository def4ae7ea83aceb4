"""Read models of surveys: what is open for me and why, the form to fill in (or my answers once
given), the builders' list, and the results — hidden until the survey closes unless it was built
with live results, whatever the browser asks."""

import json
from datetime import datetime
from typing import TypedDict

from sqlalchemy import func
from sqlmodel import Session, select

from ..domain.enums import Role
from ..domain.models import Territory
from ..domain.participation import ResultsVisibility, Survey, SurveyQuestion, SurveyResponse, SurveySubmission
from ..domain.surveys import KIND_LABELS, QuestionKind, QuestionSpec
from ..services.actors import Actor
from ..services.errors import PermissionDenied
from ..services.surveys import BUILDER_ROLES, get_survey, participation_refusal, question_specs, submission_of
from ..services.votes import territory_path
from .formatting import local_time
from .votes import _concerns, _home, _territory_names

LIST_LIMIT = 50
VIEW_ROLES = frozenset({Role.CITIZEN, Role.COORDINATOR, Role.OFFICIAL, Role.ADMIN})
_STATE_LABELS = {"draft": "Черновик", "upcoming": "Скоро", "open": "Идёт опрос", "closed": "Завершён"}


class SurveyListItem(TypedDict):
    id: int
    title: str
    territory: str
    period: str
    state: str  # draft | upcoming | open | closed
    state_label: str
    can_take: bool
    reason: str
    answered: bool
    results_available: bool
    responses: int  # builders' list only (0 for citizens)


class QuestionRow(TypedDict):
    id: int
    number: int
    text: str
    kind: str
    kind_label: str
    required: bool
    options: list[str]
    rows: list[str]
    max_choices: int
    scale_values: list[int]
    condition_id: int  # 0: always shown
    condition_option: int
    condition_label: str  # «если в вопросе 2 ответили «Да»»


class MyAnswer(TypedDict):
    question: str
    answer: str


def require_viewer(actor: Actor) -> None:
    if actor.role not in VIEW_ROLES:
        raise PermissionDenied("Опросы доступны жителям, координаторам ЦУР и сотрудникам министерства")


def state_of(survey: Survey, now: datetime) -> str:
    if survey.published_at is None:
        return "draft"
    return "upcoming" if now < survey.starts_at else "open" if now < survey.closes_at() else "closed"


def results_visible(survey: Survey, now: datetime) -> bool:
    return survey.published_at is not None and (
        survey.results_visibility == ResultsVisibility.LIVE or now >= survey.closes_at())


def survey_list(session: Session, *, actor: Actor, now: datetime, builder: bool = False) -> list[SurveyListItem]:
    """Published surveys newest first: a citizen's territory's (and region-wide) ones and those they
    answered. With `builder`, every survey including drafts, with response counts (builders only)."""
    require_viewer(actor)
    if builder and actor.role not in BUILDER_ROLES:
        raise PermissionDenied("Опросы составляют координаторы ЦУР и сотрудники министерства")
    stmt = select(Survey).order_by(Survey.ends_at.desc(), Survey.id.desc()).limit(LIST_LIMIT * 4)
    if not builder:
        stmt = stmt.where(Survey.published_at.is_not(None))
    surveys = session.exec(stmt).all()
    mine = set(session.exec(select(SurveySubmission.survey_id).where(
        SurveySubmission.respondent_id == actor.user_id)).all()) if actor.user_id is not None else set()
    path = set(territory_path(session, _home(session, actor))) if actor.role == Role.CITIZEN else set()
    names = _territory_names(session, {s.territory_id for s in surveys})
    counts = dict(session.exec(select(SurveySubmission.survey_id, func.count()).where(
        SurveySubmission.survey_id.in_([s.id for s in surveys])).group_by(SurveySubmission.survey_id)).all()) \
        if builder and surveys else {}
    items = []
    for survey in surveys:
        if actor.role == Role.CITIZEN and survey.id not in mine and not _concerns(survey, path):
            continue
        refusal = participation_refusal(session, actor, survey, now)
        state = state_of(survey, now)
        items.append(SurveyListItem(
            id=survey.id, title=survey.title, territory=names.get(survey.territory_id, "Весь регион"),
            period=f"{local_time(survey.starts_at)} — {local_time(survey.closes_at())}", state=state,
            state_label=_STATE_LABELS[state], can_take=refusal is None and survey.id not in mine,
            reason=refusal or "", answered=survey.id in mine, results_available=results_visible(survey, now),
            responses=counts.get(survey.id, 0)))
        if len(items) == LIST_LIMIT:
            break
    return items


def question_rows(specs: list[QuestionSpec]) -> list[QuestionRow]:
    numbers = {spec.id: k for k, spec in enumerate(specs, start=1)}
    by_id = {spec.id: spec for spec in specs}
    rows = []
    for spec in specs:
        source, option = spec.condition or (0, 0)
        label = ""
        if spec.condition and source in by_id and option < len(by_id[source].options):
            label = f"Вопрос появляется, если в вопросе {numbers[source]} выбрано «{by_id[source].options[option]}»"
        rows.append(QuestionRow(
            id=spec.id, number=numbers[spec.id], text=spec.text, kind=spec.kind,
            kind_label=KIND_LABELS.get(spec.kind, spec.kind), required=spec.required, options=list(spec.options),
            rows=list(spec.rows), max_choices=spec.max_choices or len(spec.options),
            scale_values=list(range(1, (spec.scale_max or 5) + 1)) if spec.kind == QuestionKind.SCALE else [],
            condition_id=source, condition_option=option, condition_label=label))
    return rows


def survey_form(session: Session, *, actor: Actor, survey_id, now: datetime) -> dict:
    """The survey, its questions, whether this user may answer now (and why not), and their answers."""
    require_viewer(actor)
    survey = get_survey(session, survey_id)
    if survey.published_at is None and actor.role not in BUILDER_ROLES:
        raise PermissionDenied("Опрос ещё не опубликован")
    specs = question_specs(session, survey.id)
    submission = submission_of(session, survey.id, actor.user_id)
    refusal = participation_refusal(session, actor, survey, now)
    mine: list[MyAnswer] = []
    if submission is not None:
        given = dict(session.exec(select(SurveyResponse.question_id, SurveyResponse.answer).where(
            SurveyResponse.submission_id == submission.id)).all())
        mine = [MyAnswer(question=spec.text, answer=answer_text(spec, json.loads(given[spec.id])))
                for spec in specs if spec.id in given]
    return {
        "id": survey.id, "title": survey.title, "description": survey.description or "",
        "period": f"{local_time(survey.starts_at)} — {local_time(survey.closes_at())}",
        "state_label": _STATE_LABELS[state_of(survey, now)],
        "can_take": refusal is None and submission is None, "reason": refusal or "",
        "answered": submission is not None,
        "answered_at": local_time(submission.submitted_at) if submission else "",
        "results_available": results_visible(survey, now),
        "questions": question_rows(specs), "my_answers": mine,
    }


def answer_text(spec: QuestionSpec, value) -> str:
    """An answer as a person reads it (also the export's cell)."""
    options = spec.options
    if value is None:
        return ""
    if spec.kind == QuestionKind.SINGLE:
        return options[value] if 0 <= value < len(options) else ""
    if spec.kind == QuestionKind.MULTIPLE:
        return "; ".join(options[v] for v in value if 0 <= v < len(options))
    if spec.kind == QuestionKind.RANKING:
        return "; ".join(f"{k}. {options[v]}" for k, v in enumerate(value, start=1) if 0 <= v < len(options))
    if spec.kind == QuestionKind.MATRIX:
        return "; ".join(f"{row}: {options[v]}" for row, v in zip(spec.rows, value) if v is not None)
    return str(value)


def builder_rows(session: Session, *, actor: Actor, survey_id: int) -> tuple[Survey, list[SurveyQuestion]]:
    """A survey and its question rows for the builder form (builders only)."""
    if actor.role not in BUILDER_ROLES:
        raise PermissionDenied("Опросы составляют координаторы ЦУР и сотрудники министерства")
    survey = get_survey(session, survey_id)
    rows = session.exec(select(SurveyQuestion).where(SurveyQuestion.survey_id == survey.id)
                        .order_by(SurveyQuestion.position, SurveyQuestion.id)).all()
    return survey, list(rows)



def territory_choices(session: Session, *, actor: Actor) -> list[list[str]]:
    """[id, name] of every territory, municipalities first, for the builder's select (builders only)."""
    if actor.role not in BUILDER_ROLES:
        raise PermissionDenied("Опросы составляют координаторы ЦУР и сотрудники министерства")
    rows = session.exec(select(Territory.id, Territory.name, Territory.parent_id)
                        .order_by(Territory.parent_id.is_not(None), Territory.name).limit(2000)).all()
    return [[str(tid), name if parent is None else f"— {name}"] for tid, name, parent in rows]
