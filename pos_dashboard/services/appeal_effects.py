"""What each workflow action does to an appeal besides changing its status. Each effect returns
(event kind, payload) and may refuse with a ServiceError before anything is logged."""

import json
from datetime import date, datetime

from sqlmodel import Session, select

from ..domain import deadlines, limits
from ..domain.enums import AnswerKind, EventKind, ModerationReason, ReviewState, ReworkReason
from ..domain.models import Answer, Appeal, Category, Dispute, Organization, Rating
from ..domain.workflow import LOW_RATING_MAX, TRANSITIONS
from ..settings import region_tz
from . import attachments as attachment_files, routing
from .errors import IllegalTransition, ValidationFailed
from .text_input import bounded_text


def calendar() -> deadlines.RegionCalendar:
    return deadlines.RegionCalendar(region_tz())


def _withdraw(session, appeal, actor, reason, now, params):
    appeal.closed_at, appeal.stage_due_at = now, None
    return EventKind.TRANSITION, None


def _approve_moderation(session, appeal, actor, reason, now, params):
    appeal.stage_due_at = deadlines.stage_due(calendar(), now)
    return EventKind.TRANSITION, None


def _reject(session, appeal, actor, reason, now, params):
    codes = {r.value for r in ModerationReason}
    if reason not in codes:
        raise ValidationFailed("Выберите причину отклонения из перечня правил модерации")
    appeal.closed_at, appeal.stage_due_at = now, None
    return EventKind.TRANSITION, {"reason_code": reason}


def _route(session, appeal, actor, reason, now, params):
    org_id = params.get("organization_id") or routing.find_organization(
        session, category_id=appeal.category_id, territory_id=appeal.territory_id)
    org = session.get(Organization, org_id) if org_id is not None else None
    if org is None:
        raise ValidationFailed("Выберите организацию-исполнителя")
    if not org.is_active:
        raise ValidationFailed(f"Организация «{org.name}» отключена администратором: выберите другую")
    appeal.organization_id, appeal.stage_due_at = org_id, None
    if appeal.deadline_at is None:
        category = session.get(Category, appeal.category_id)
        appeal.deadline_at = deadlines.execution_deadline(
            calendar(), appeal.created_at, category.deadline_days, category.deadline_kind)
    return EventKind.TRANSITION, {"organization_id": org_id}


def _redirect(session, appeal, actor, reason, now, params):
    # The appeal leaves the organisation's queue and waits for the coordinator to route it anew.
    payload = {"from_organization_id": appeal.organization_id}
    appeal.organization_id = None
    appeal.stage_due_at = deadlines.stage_due(calendar(), now)
    return EventKind.REDIRECT, payload


def _request_clarification(session, appeal, actor, reason, now, params):
    appeal.paused_at = now
    return EventKind.TRANSITION, None


def _clarify(session, appeal, actor, reason, now, params):
    if appeal.paused_at is not None and appeal.deadline_at is not None:
        appeal.deadline_at = deadlines.resume_after_pause(appeal.deadline_at, appeal.paused_at, now)
    appeal.paused_at = None
    return EventKind.TRANSITION, None


def _auto_reject_silent(session, appeal, actor, reason, now, params):
    appeal.closed_at, appeal.paused_at = now, None
    return EventKind.TRANSITION, {"reason_code": ModerationReason.NO_CLARIFICATION.value}


def _give_interim_answer(session, appeal, actor, reason, now, params):
    planned = params.get("planned_date")
    if not isinstance(planned, date) or isinstance(planned, datetime) or planned < calendar().local_date(now):
        raise ValidationFailed("Укажите плановую дату выполнения (не раньше сегодняшней)")
    answer = _new_answer(session, appeal, actor, params, AnswerKind.INTERIM, now, planned)
    answer.review_state = ReviewState.APPROVED  # interim answers reach the citizen directly
    appeal.first_answer_at = appeal.first_answer_at or now
    return EventKind.TRANSITION, {"answer_id": answer.id, "planned_date": planned.isoformat()}


def _give_answer(session, appeal, actor, reason, now, params):
    answer = _new_answer(session, appeal, actor, params, AnswerKind.FINAL, now)
    appeal.stage_due_at = deadlines.stage_due(calendar(), now)
    return EventKind.TRANSITION, {"answer_id": answer.id}


def _review_answer(approve: bool):
    def apply(session, appeal, actor, reason, now, params):
        code = params.get("rework_code")
        if not approve and code not in ReworkReason._value2member_map_:
            raise ValidationFailed("Выберите причину возврата на доработку из перечня")
        answer = session.exec(select(Answer).where(
            Answer.appeal_id == appeal.id, Answer.kind == AnswerKind.FINAL,
            Answer.review_state == ReviewState.PENDING).order_by(Answer.id.desc())).first()
        if answer is None:
            raise IllegalTransition("Нет ответа, ожидающего согласования")
        answer.review_state = ReviewState.APPROVED if approve else ReviewState.RETURNED
        answer.review_comment = reason
        appeal.stage_due_at = None
        if approve:
            appeal.final_answer_at = now
            appeal.first_answer_at = appeal.first_answer_at or now
        return EventKind.TRANSITION, {"answer_id": answer.id} | ({} if approve else {"rework_code": code})
    return apply


def _rate(poor: bool):
    def apply(session, appeal, actor, reason, now, params):
        score = params.get("score")
        if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
            raise ValidationFailed("Оценка — целое число от 1 до 5")
        if (score <= LOW_RATING_MAX) != poor:
            raise ValidationFailed("Оценка не соответствует действию: 1–2 — на контроль, 3–5 — завершить")
        # One rating row per (appeal, citizen): after a re-review the citizen rates the new answer and the
        # row takes the latest score; the event log keeps every score given.
        rating = session.exec(select(Rating).where(Rating.appeal_id == appeal.id,
                                                   Rating.citizen_id == actor.user_id)).first()
        if rating is None:
            session.add(Rating(appeal_id=appeal.id, citizen_id=actor.user_id, score=score, comment=reason,
                               created_at=now))
        else:
            rating.score, rating.comment, rating.created_at = score, reason, now
        appeal.rating = score
        if score > LOW_RATING_MAX:
            appeal.closed_at = now
        return EventKind.TRANSITION, {"score": score}
    return apply


def _dispute(session, appeal, actor, reason, now, params):
    session.add(Dispute(appeal_id=appeal.id, citizen_id=actor.user_id, text=reason, created_at=now))
    appeal.closed_at = None
    return EventKind.TRANSITION, None


def _close(session, appeal, actor, reason, now, params):
    appeal.closed_at = now
    _resolve_dispute(session, appeal, now, "confirmed")
    return EventKind.TRANSITION, None


def _re_review(session, appeal, actor, reason, now, params):
    category = session.get(Category, appeal.category_id)
    appeal.deadline_at = deadlines.execution_deadline(
        calendar(), now, min(category.deadline_days, deadlines.EXPEDITED_EXECUTION_DAYS), category.deadline_kind)
    appeal.closed_at = None
    _resolve_dispute(session, appeal, now, "re_review")
    return EventKind.TRANSITION, None


APPLY = {
    "withdraw": _withdraw, "reject": _reject, "approve_moderation": _approve_moderation, "route": _route, "redirect": _redirect,
    "request_clarification": _request_clarification, "clarify": _clarify,
    "auto_reject_silent": _auto_reject_silent, "give_interim_answer": _give_interim_answer,
    "give_answer": _give_answer, "approve_answer": _review_answer(True),
    "return_for_rework": _review_answer(False), "rate_good": _rate(False), "rate_poor": _rate(True),
    "dispute": _dispute, "auto_close": _close, "re_review": _re_review, "confirm_closure": _close,
}
assert set(APPLY) == set(TRANSITIONS), "every transition needs its effect"


def _new_answer(session, appeal, actor, params, kind, now, planned=None) -> Answer:
    text = bounded_text(params.get("text"), limit=limits.ANSWER_TEXT_MAX, minimum=limits.ANSWER_TEXT_MIN,
                        what="Текст ответа")
    attachments = params.get("attachments")
    answer = Answer(appeal_id=appeal.id, organization_id=appeal.organization_id, author_id=actor.user_id,
                    kind=kind, text=text, planned_date=planned, created_at=now,
                    attachments=json.dumps(attachments, ensure_ascii=False) if attachments else None)
    session.add(answer)
    session.flush()
    attachment_files.attach(session, actor=actor, appeal_id=appeal.id, answer_id=answer.id,
                            files=list(params.get("files") or ()), now=now)
    return answer


def _resolve_dispute(session: Session, appeal: Appeal, now: datetime, outcome: str) -> None:
    for dispute in session.exec(select(Dispute).where(Dispute.appeal_id == appeal.id, Dispute.resolved_at.is_(None))):
        dispute.resolved_at, dispute.outcome = now, outcome
