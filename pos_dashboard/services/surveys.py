"""Surveys: building them (drafts, publishing, closing early, deleting only when unanswered) and
taking part. One response per person and survey: the database's unique (survey, respondent)
constraint decides, and a retry with the same client token gets the same receipt."""

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, delete, select

from ..domain import limits
from ..domain.enums import Role
from ..domain.limits import SURVEY_OPTION_MAX, SURVEY_QUESTION_MAX
from ..domain.models import Territory, User
from ..domain.participation import (Eligibility, ResultsVisibility, Survey, SurveyQuestion, SurveyResponse,
                                    SurveySubmission, age_on)
from ..domain.surveys import (CHOICE_KINDS, OPTION_KINDS, SCALES, AnswerError, QuestionKind, QuestionSpec,
                              check_response, survey_eligibility_refusal)
from ..domain.types import utcnow
from ..settings import region_tz
from .actors import Actor
from .errors import IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from .text_input import bounded_text
from .votes import BUILDER_ROLES, CLIENT_TOKEN, DESCRIPTION_MAX, TITLE_MAX, territory_path

QUESTIONS_MAX = 40
OPTIONS_MAX = 20
ROWS_MAX = 15


@dataclass(frozen=True)
class QuestionInput:
    kind: str
    text: str
    required: bool = True
    options: tuple[str, ...] = ()
    max_choices: int | None = None
    scale_max: int | None = None
    rows: tuple[str, ...] = ()
    condition_position: int | None = None  # index of an earlier question in this list
    condition_option: int | None = None


@dataclass(frozen=True)
class SurveyInput:
    title: str
    description: str
    territory_id: int | None
    starts_at: datetime
    ends_at: datetime
    eligibility: str = Eligibility.RESIDENTS
    min_age: int = 14
    results_visibility: str = ResultsVisibility.AFTER_CLOSE
    questions: tuple[QuestionInput, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ResponseReceipt:
    submission_id: int
    survey_id: int
    submitted_at: datetime
    repeated: bool  # True when this answers a retry of a response already recorded


def require_builder(actor: Actor) -> None:
    if actor.role not in BUILDER_ROLES:
        raise PermissionDenied("Опросы составляют координаторы ЦУР и сотрудники министерства")


def get_survey(session: Session, survey_id) -> Survey:
    survey = session.get(Survey, survey_id) if isinstance(survey_id, int) and limits.is_valid_id(survey_id) else None
    if survey is None:
        raise NotFound("Опрос не найден")
    return survey


def has_responses(session: Session, survey_id: int) -> bool:
    return session.exec(select(SurveySubmission.id).where(SurveySubmission.survey_id == survey_id)
                        .limit(1)).first() is not None


def save_survey(session: Session, *, actor: Actor, data: SurveyInput, survey_id: int | None = None) -> Survey:
    """Create a draft, or replace a survey's settings and questions while nobody has answered it."""
    require_builder(actor)
    if survey_id is not None:
        survey = get_survey(session, survey_id)
        if has_responses(session, survey.id):
            raise IllegalTransition("На опрос уже ответили: менять его нельзя, можно только завершить досрочно")
    else:
        survey = Survey(title="", starts_at=data.starts_at, ends_at=data.ends_at, created_by=actor.user_id,
                        created_at=utcnow())
    title = bounded_text(data.title, limit=TITLE_MAX, what="Название", minimum=3)
    description = bounded_text(data.description, limit=DESCRIPTION_MAX, what="Описание")
    _check_settings(session, data)
    questions = _checked_questions(data.questions)
    survey.title, survey.description, survey.territory_id = title, description or None, data.territory_id
    survey.starts_at, survey.ends_at = data.starts_at, data.ends_at
    survey.eligibility, survey.min_age = str(data.eligibility), data.min_age
    survey.results_visibility = str(data.results_visibility)
    session.add(survey)
    session.flush()
    if survey_id is not None:
        session.exec(delete(SurveyQuestion).where(SurveyQuestion.survey_id == survey.id))  # no answers point here
    rows: list[SurveyQuestion] = []
    for position, question in enumerate(questions):
        row = SurveyQuestion(
            survey_id=survey.id, position=position, text=question.text, kind=question.kind,
            options=json.dumps(list(question.options), ensure_ascii=False) if question.options else None,
            required=question.required, max_choices=question.max_choices, scale_max=question.scale_max,
            matrix_rows=json.dumps(list(question.rows), ensure_ascii=False) if question.rows else None,
            condition_question_id=rows[question.condition_position].id if question.condition_position is not None
            else None, condition_option=question.condition_option)
        session.add(row)
        session.flush()
        rows.append(row)
    session.commit()
    return survey


def publish_survey(session: Session, *, actor: Actor, survey_id: int, now: datetime | None = None) -> Survey:
    require_builder(actor)
    survey = get_survey(session, survey_id)
    now = now or utcnow()
    if survey.published_at is not None:
        raise IllegalTransition("Опрос уже опубликован")
    if now >= survey.ends_at:
        raise ValidationFailed("Дата окончания опроса уже прошла: измените расписание")
    if session.exec(select(SurveyQuestion.id).where(SurveyQuestion.survey_id == survey.id).limit(1)).first() is None:
        raise ValidationFailed("Добавьте хотя бы один вопрос")
    survey.published_at = now
    session.commit()
    return survey


def close_survey_early(session: Session, *, actor: Actor, survey_id: int, now: datetime | None = None) -> Survey:
    require_builder(actor)
    survey = get_survey(session, survey_id)
    now = now or utcnow()
    if survey.published_at is None:
        raise IllegalTransition("Опрос ещё не опубликован")
    if now >= survey.closes_at():
        raise IllegalTransition("Опрос уже завершён")
    survey.closed_early_at = now
    session.commit()
    return survey


def delete_survey(session: Session, *, actor: Actor, survey_id: int) -> None:
    """Only a survey nobody has answered can be deleted; one with responses can only be closed."""
    require_builder(actor)
    survey = get_survey(session, survey_id)
    if has_responses(session, survey.id):
        raise IllegalTransition("На опрос уже ответили: его можно только завершить досрочно")
    session.exec(delete(SurveyQuestion).where(SurveyQuestion.survey_id == survey.id))
    session.delete(survey)
    session.commit()


def question_specs(session: Session, survey_id: int) -> list[QuestionSpec]:
    rows = session.exec(select(SurveyQuestion).where(SurveyQuestion.survey_id == survey_id)
                        .order_by(SurveyQuestion.position, SurveyQuestion.id)).all()
    return [spec_of(row) for row in rows]


def spec_of(row: SurveyQuestion) -> QuestionSpec:
    condition = (row.condition_question_id, row.condition_option) \
        if row.condition_question_id is not None and row.condition_option is not None else None
    return QuestionSpec(id=row.id, kind=row.kind, text=row.text, required=row.required,
                        options=tuple(json.loads(row.options or "[]")), max_choices=row.max_choices,
                        scale_max=row.scale_max, rows=tuple(json.loads(row.matrix_rows or "[]")), condition=condition)


def participation_refusal(session: Session, actor: Actor, survey: Survey, now: datetime) -> str | None:
    """Why this user may not answer this survey now, or None. The page offers what this allows."""
    if actor.role != Role.CITIZEN or actor.user_id is None:
        return "В опросах участвуют жители, вошедшие как заявители"
    if survey.published_at is None:
        return "Опрос ещё не опубликован"
    if now < survey.starts_at:
        return "Опрос ещё не начался"
    if now >= survey.closes_at():
        return "Опрос завершён"
    user = session.get(User, actor.user_id)
    if user is None or not user.is_active:
        return "Учётная запись не найдена"
    return survey_eligibility_refusal(
        eligibility=survey.eligibility, territory_id=survey.territory_id, min_age=survey.min_age,
        birth_date=user.birth_date, territory_path=territory_path(session, user.territory_id),
        closing_day=closing_day(survey))


def submit_response(session: Session, *, actor: Actor, survey_id: int, answers, client_token: str,
                    now: datetime | None = None) -> ResponseReceipt:
    now = now or utcnow()
    if not isinstance(client_token, str) or not CLIENT_TOKEN.fullmatch(client_token):
        raise ValidationFailed("Обновите страницу и отправьте ответы ещё раз")
    survey = get_survey(session, survey_id)
    existing = submission_of(session, survey.id, actor.user_id)
    if existing is not None:
        return _answer_for_existing(existing, client_token)
    if refusal := participation_refusal(session, actor, survey, now):
        raise PermissionDenied(refusal)
    try:
        checked = check_response(question_specs(session, survey.id), answers)
    except AnswerError as exc:
        raise ValidationFailed(str(exc)) from None
    user = session.get(User, actor.user_id)
    submission = SurveySubmission(survey_id=survey.id, respondent_id=actor.user_id, submitted_at=now,
                                  client_token=client_token,
                                  respondent_age=age_on(user.birth_date, closing_day(survey)),
                                  respondent_territory_id=user.territory_id)
    session.add(submission)
    try:
        session.flush()
        for question_id, value in checked.answers.items():
            session.add(SurveyResponse(question_id=question_id, respondent_id=actor.user_id, created_at=now,
                                       answer=json.dumps(value, ensure_ascii=False), submission_id=submission.id))
        session.commit()
    except IntegrityError:  # a concurrent submission of the same person won the race
        session.rollback()
        existing = submission_of(session, survey.id, actor.user_id)
        if existing is None:
            raise
        return _answer_for_existing(existing, client_token)
    return ResponseReceipt(submission.id, survey.id, now, repeated=False)


def submission_of(session: Session, survey_id: int, respondent_id: int | None) -> SurveySubmission | None:
    if respondent_id is None:
        return None
    return session.exec(select(SurveySubmission).where(SurveySubmission.survey_id == survey_id,
                                                       SurveySubmission.respondent_id == respondent_id)).first()


def closing_day(survey: Survey):
    return survey.ends_at.astimezone(region_tz()).date()


def _answer_for_existing(submission: SurveySubmission, client_token: str) -> ResponseReceipt:
    if submission.client_token != client_token:
        raise IllegalTransition("Вы уже ответили на этот опрос: изменить ответы нельзя")
    return ResponseReceipt(submission.id, submission.survey_id, submission.submitted_at, repeated=True)


def _check_settings(session: Session, data: SurveyInput) -> None:
    if not isinstance(data.starts_at, datetime) or not isinstance(data.ends_at, datetime) \
            or data.starts_at.tzinfo is None or data.ends_at.tzinfo is None or data.ends_at <= data.starts_at:
        raise ValidationFailed("Дата окончания должна быть позже даты начала")
    if data.territory_id is not None and session.get(Territory, data.territory_id) is None:
        raise ValidationFailed("Выберите территорию из списка")
    if data.eligibility not in set(Eligibility) or data.results_visibility not in set(ResultsVisibility):
        raise ValidationFailed("Неизвестное правило участия или показа результатов")
    if not isinstance(data.min_age, int) or not 0 <= data.min_age <= 120:
        raise ValidationFailed("Минимальный возраст — от 0 до 120 лет")


def _checked_questions(questions) -> list[QuestionInput]:
    if not 1 <= len(questions) <= QUESTIONS_MAX:
        raise ValidationFailed(f"В опросе должно быть от 1 до {QUESTIONS_MAX} вопросов")
    checked: list[QuestionInput] = []
    for number, q in enumerate(questions, start=1):
        where = f"Вопрос {number}"
        if q.kind not in set(QuestionKind):
            raise ValidationFailed(f"{where}: выберите тип вопроса")
        text = bounded_text(q.text, limit=SURVEY_QUESTION_MAX, what=f"{where}: текст", minimum=3)
        options = tuple(bounded_text(o, limit=SURVEY_OPTION_MAX, what=f"{where}: вариант", minimum=1)
                        for o in q.options) if q.kind in OPTION_KINDS else ()
        rows = tuple(bounded_text(r, limit=SURVEY_OPTION_MAX, what=f"{where}: строка", minimum=1)
                     for r in q.rows) if q.kind == QuestionKind.MATRIX else ()
        if q.kind in OPTION_KINDS and not 2 <= len(options) <= OPTIONS_MAX:
            raise ValidationFailed(f"{where}: нужно от 2 до {OPTIONS_MAX} вариантов")
        if len(set(options)) != len(options) or len(set(rows)) != len(rows):
            raise ValidationFailed(f"{where}: варианты не должны повторяться")
        if q.kind == QuestionKind.MATRIX and not 1 <= len(rows) <= ROWS_MAX:
            raise ValidationFailed(f"{where}: нужно от 1 до {ROWS_MAX} строк матрицы")
        max_choices = None
        if q.kind == QuestionKind.MULTIPLE:
            max_choices = q.max_choices or len(options)
            if not isinstance(max_choices, int) or not 1 <= max_choices <= len(options):
                raise ValidationFailed(f"{where}: число выбираемых вариантов — от 1 до {len(options)}")
        scale_max = None
        if q.kind == QuestionKind.SCALE:
            scale_max = q.scale_max
            if scale_max not in SCALES:
                raise ValidationFailed(f"{where}: шкала 1–5 или 1–10")
        position, option = q.condition_position, q.condition_option
        if position is not None or option is not None:
            if not (isinstance(position, int) and 0 <= position < len(checked)):
                raise ValidationFailed(f"{where}: условие может ссылаться только на один из предыдущих вопросов")
            source = checked[position]
            if source.kind not in CHOICE_KINDS or not (isinstance(option, int) and 0 <= option < len(source.options)):
                raise ValidationFailed(f"{where}: условие — вариант ответа предыдущего вопроса с выбором")
        checked.append(QuestionInput(kind=str(q.kind), text=text, required=bool(q.required), options=options,
                                     max_choices=max_choices, scale_max=scale_max, rows=rows,
                                     condition_position=position, condition_option=option))
    return checked
