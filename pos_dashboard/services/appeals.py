"""Appeal services: the only code that changes appeals. Every change is checked against the
transition table and the acting user, writes an event row, and keeps the appeal's status equal
to what the event log says. A refused operation raises a ServiceError and writes nothing."""

import json
from datetime import date, datetime

from sqlmodel import Session, select

from ..domain import deadlines
from ..domain.enums import (STATUS_LABELS, AnswerKind, Channel, EventKind, ModerationReason, ReviewState, Role,
                            Status)
from ..domain.models import Answer, Appeal, AppealEvent, Category, Dispute, Organization, Rating, Territory
from ..domain.types import utcnow
from ..domain.workflow import LOW_RATING_MAX, SUBMIT_ROLES, TRANSITIONS
from ..settings import region_tz
from . import routing
from .actors import SYSTEM, Actor
from .errors import IllegalTransition, NotFound, PermissionDenied, ServiceError, ValidationFailed

TEXT_MIN, TEXT_MAX = 10, 5000


def calendar() -> deadlines.RegionCalendar:
    return deadlines.RegionCalendar(region_tz())


def submit_appeal(session: Session, *, actor: Actor, category_id: int, text: str,
                  territory_id: int | None = None, address: str | None = None,
                  latitude: float | None = None, longitude: float | None = None,
                  channel: Channel = Channel.WEB, now: datetime | None = None) -> Appeal:
    if actor.role not in SUBMIT_ROLES:
        raise PermissionDenied("Подать обращение может только заявитель или координатор")
    text = (text or "").strip()
    if not TEXT_MIN <= len(text) <= TEXT_MAX:
        raise ValidationFailed(f"Текст обращения должен содержать от {TEXT_MIN} до {TEXT_MAX} символов")
    category = session.get(Category, category_id)
    if category is None:
        raise ValidationFailed("Выберите категорию из списка")
    if territory_id is not None and session.get(Territory, territory_id) is None:
        raise ValidationFailed("Выберите территорию из списка")
    if (latitude is None) != (longitude is None) or (
        latitude is not None and not (-90 <= latitude <= 90 and -180 <= longitude <= 180)
    ):
        raise ValidationFailed("Точка на карте указана неверно")
    now = now or utcnow()
    appeal = Appeal(citizen_id=actor.user_id if actor.role == Role.CITIZEN else None,
                    category_id=category_id, territory_id=territory_id, text=text, address=address,
                    latitude=latitude, longitude=longitude, channel=channel, status=Status.MODERATION,
                    created_at=now, updated_at=now, stage_due_at=deadlines.stage_due(calendar(), now))
    session.add(appeal)
    session.flush()
    _log(session, appeal, actor, "submit", None, Status.MODERATION, now)
    session.commit()
    return appeal


def perform(session: Session, *, actor: Actor, appeal_id: int, action: str, reason: str | None = None,
            now: datetime | None = None, **params) -> Appeal:
    """Apply one workflow action. `params` are the action's own inputs (organization_id,
    text, planned_date, score, …)."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise IllegalTransition(f"Неизвестное действие: {action}")
    appeal = _load_for_update(session, appeal_id)
    status = Status(appeal.status)
    if status not in transition.sources:
        raise IllegalTransition(f"Действие «{transition.label}» невозможно в статусе «{_label(status)}»")
    _authorize(actor, transition.roles, appeal, transition.label)
    reason = (reason or "").strip() or None
    if transition.needs_reason and not reason:
        raise ValidationFailed(f"Для действия «{transition.label}» укажите причину")
    now = now or utcnow()
    try:
        kind, payload = _APPLY[action](session, appeal, actor, reason, now, params)
    except ServiceError:
        session.rollback()  # an effect may have flushed rows before refusing
        raise
    appeal.status = transition.target
    appeal.updated_at = now
    _log(session, appeal, actor, action, status, transition.target, now, reason, payload, kind)
    if action == "approve_moderation":
        _auto_route(session, appeal, now)
    session.commit()
    return appeal


def rate(session: Session, *, actor: Actor, appeal_id: int, score: int, comment: str | None = None,
         now: datetime | None = None) -> Appeal:
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise ValidationFailed("Оценка — целое число от 1 до 5")
    action = "rate_poor" if score <= LOW_RATING_MAX else "rate_good"
    return perform(session, actor=actor, appeal_id=appeal_id, action=action, reason=comment,
                   now=now, score=score)


def extend_deadline(session: Session, *, actor: Actor, appeal_id: int, days: int, reason: str,
                    now: datetime | None = None) -> Appeal:
    """One extension per appeal, with a reason, by the executing organisation or a coordinator."""
    appeal = _load_for_update(session, appeal_id)
    _authorize(actor, {Role.ORG_STAFF, Role.COORDINATOR, Role.ADMIN}, appeal, "Продление срока")
    if appeal.deadline_at is None or Status(appeal.status) not in {Status.IN_WORK, Status.INTERIM_ANSWER}:
        raise IllegalTransition("Продлить срок можно только обращению в работе")
    if appeal.extended:
        raise IllegalTransition("Срок этого обращения уже продлевался: продление допускается один раз")
    if not (reason or "").strip():
        raise ValidationFailed("Укажите причину продления срока")
    try:
        new_deadline = deadlines.extend(calendar(), appeal.deadline_at, days)
    except ValueError as exc:
        raise ValidationFailed(str(exc).capitalize()) from exc
    now = now or utcnow()
    payload = {"old_deadline": appeal.deadline_at.isoformat(), "new_deadline": new_deadline.isoformat(), "days": days}
    appeal.deadline_at, appeal.extended, appeal.updated_at = new_deadline, True, now
    _log(session, appeal, actor, "extend", None, None, now, reason.strip(), payload, EventKind.EXTENSION)
    session.commit()
    return appeal


def change_category(session: Session, *, actor: Actor, appeal_id: int, category_id: int,
                    reason: str | None = None, now: datetime | None = None) -> Appeal:
    appeal = _load_for_update(session, appeal_id)
    _authorize(actor, {Role.COORDINATOR, Role.ADMIN}, appeal, "Смена категории")
    if Status(appeal.status) in {Status.REJECTED, Status.CLOSED}:
        raise IllegalTransition("Категорию завершённого обращения изменить нельзя")
    if session.get(Category, category_id) is None:
        raise ValidationFailed("Выберите категорию из списка")
    now = now or utcnow()
    payload = {"old_category_id": appeal.category_id, "new_category_id": category_id}
    appeal.category_id, appeal.updated_at = category_id, now
    _log(session, appeal, actor, "change_category", None, None, now, reason, payload, EventKind.CATEGORY_CHANGE)
    session.commit()
    return appeal


def timeline(session: Session, appeal_id: int) -> list[AppealEvent]:
    stmt = select(AppealEvent).where(AppealEvent.appeal_id == appeal_id).order_by(AppealEvent.at, AppealEvent.id)
    return list(session.exec(stmt).all())


def status_from_events(events: list[AppealEvent]) -> Status | None:
    """The status the event log implies: the target of the last transition."""
    targets = [e.to_status for e in events if e.to_status is not None]
    return Status(targets[-1]) if targets else None


# --- action effects: each returns (event kind, payload) and may raise before anything is logged ---

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
    if org_id is None or session.get(Organization, org_id) is None:
        raise ValidationFailed("Выберите организацию-исполнителя")
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
        return EventKind.TRANSITION, {"answer_id": answer.id}
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


_APPLY = {
    "reject": _reject, "approve_moderation": _approve_moderation, "route": _route, "redirect": _redirect,
    "request_clarification": _request_clarification, "clarify": _clarify,
    "auto_reject_silent": _auto_reject_silent, "give_interim_answer": _give_interim_answer,
    "give_answer": _give_answer, "approve_answer": _review_answer(True),
    "return_for_rework": _review_answer(False), "rate_good": _rate(False), "rate_poor": _rate(True),
    "dispute": _dispute, "auto_close": _close, "re_review": _re_review, "confirm_closure": _close,
}
assert set(_APPLY) == set(TRANSITIONS), "every transition needs its effect"


# --- helpers ---

def _load_for_update(session: Session, appeal_id: int) -> Appeal:
    appeal = session.exec(select(Appeal).where(Appeal.id == appeal_id).with_for_update()).first()
    if appeal is None:
        raise NotFound(f"Обращение №{appeal_id} не найдено")
    return appeal


def _authorize(actor: Actor, roles, appeal: Appeal, label: str) -> None:
    if actor.role not in roles:
        raise PermissionDenied(f"Недостаточно прав для действия «{label}»")
    if actor.role == Role.CITIZEN and (actor.user_id is None or appeal.citizen_id != actor.user_id):
        raise PermissionDenied("Это обращение подано другим заявителем")
    if actor.role == Role.ORG_STAFF and (actor.organization_id is None
                                         or appeal.organization_id != actor.organization_id):
        raise PermissionDenied("Обращение направлено другой организации")


def _auto_route(session: Session, appeal: Appeal, now: datetime) -> None:
    """After moderation, a matching routing rule sends the appeal straight to the organisation;
    without one it waits in the coordinator's triage queue."""
    if routing.find_organization(session, category_id=appeal.category_id, territory_id=appeal.territory_id):
        kind, payload = _route(session, appeal, SYSTEM, None, now, {})
        _log(session, appeal, SYSTEM, "route", Status.COORDINATION, Status.IN_WORK, now, None, payload, kind)
        appeal.status = Status.IN_WORK


def _new_answer(session, appeal, actor, params, kind, now, planned=None) -> Answer:
    text = (params.get("text") or "").strip()
    if len(text) < TEXT_MIN:
        raise ValidationFailed(f"Текст ответа должен содержать не меньше {TEXT_MIN} символов")
    attachments = params.get("attachments")
    answer = Answer(appeal_id=appeal.id, organization_id=appeal.organization_id, author_id=actor.user_id,
                    kind=kind, text=text, planned_date=planned, created_at=now,
                    attachments=json.dumps(attachments, ensure_ascii=False) if attachments else None)
    session.add(answer)
    session.flush()
    return answer


def _resolve_dispute(session: Session, appeal: Appeal, now: datetime, outcome: str) -> None:
    for dispute in session.exec(select(Dispute).where(Dispute.appeal_id == appeal.id, Dispute.resolved_at.is_(None))):
        dispute.resolved_at, dispute.outcome = now, outcome


def _log(session, appeal, actor, action, from_status, to_status, now, reason=None, payload=None,
         kind=EventKind.TRANSITION) -> None:
    session.add(AppealEvent(appeal_id=appeal.id, at=now, actor_id=actor.user_id, actor_role=actor.role,
                            kind=kind, action=action, from_status=from_status, to_status=to_status,
                            reason=reason, payload=json.dumps(payload, ensure_ascii=False) if payload else None))


def _label(status: Status) -> str:
    return STATUS_LABELS[status]
