"""Appeal services: the only code that changes appeals. Every change is checked against the
transition table and the acting user, writes an event row, and keeps the appeal's status equal
to what the event log says. A refused operation raises a ServiceError and writes nothing."""

import functools
import json
from datetime import datetime

from sqlmodel import Session, select

from ..domain import deadlines
from ..domain.enums import STATUS_LABELS, Channel, EventKind, Role, Status
from ..domain.models import Appeal, AppealEvent, Category, Territory
from ..domain.types import utcnow
from ..domain.workflow import LOW_RATING_MAX, SUBMIT_ROLES, TRANSITIONS
from . import appeal_effects as effects
from . import kpi_rollups, routing
from .appeal_effects import TEXT_MAX, TEXT_MIN, calendar
from .actors import SYSTEM, Actor
from .errors import IllegalTransition, NotFound, PermissionDenied, ServiceError, ValidationFailed


def _refusal_rolls_back(service):
    """A refused operation leaves nothing behind: rows an effect flushed and the row lock taken by
    SELECT … FOR UPDATE are released before the error reaches the caller."""
    @functools.wraps(service)
    def wrapper(session: Session, **kwargs):
        try:
            return service(session, **kwargs)
        except ServiceError:
            session.rollback()
            raise
    return wrapper


@_refusal_rolls_back
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


@_refusal_rolls_back
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
    kind, payload = effects.APPLY[action](session, appeal, actor, reason, now, params)
    appeal.status = transition.target
    appeal.updated_at = now
    _log(session, appeal, actor, action, status, transition.target, now, reason, payload, kind)
    if action == "approve_moderation":
        _auto_route(session, appeal, now)
    session.commit()
    return appeal


@_refusal_rolls_back
def rate(session: Session, *, actor: Actor, appeal_id: int, score: int, comment: str | None = None,
         now: datetime | None = None) -> Appeal:
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise ValidationFailed("Оценка — целое число от 1 до 5")
    action = "rate_poor" if score <= LOW_RATING_MAX else "rate_good"
    return perform(session, actor=actor, appeal_id=appeal_id, action=action, reason=comment,
                   now=now, score=score)


@_refusal_rolls_back
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


@_refusal_rolls_back
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


# --- helpers ---

def _load_for_update(session: Session, appeal_id: int) -> Appeal:
    appeal = session.exec(select(Appeal).where(Appeal.id == appeal_id).with_for_update()).first()
    if appeal is None:
        raise NotFound(f"Обращение №{appeal_id} не найдено")
    return appeal


def ownership_refusal(actor: Actor, appeal: Appeal) -> str | None:
    """Why this user may take no action at all on this appeal (not theirs), or None."""
    if actor.role == Role.CITIZEN and (actor.user_id is None or appeal.citizen_id != actor.user_id):
        return "Это обращение подано другим заявителем"
    if actor.role == Role.ORG_STAFF and (actor.organization_id is None
                                         or appeal.organization_id != actor.organization_id):
        return "Обращение направлено другой организации"
    return None


def _authorize(actor: Actor, roles, appeal: Appeal, label: str) -> None:
    if actor.role not in roles:
        raise PermissionDenied(f"Недостаточно прав для действия «{label}»")
    if refusal := ownership_refusal(actor, appeal):
        raise PermissionDenied(refusal)


def _auto_route(session: Session, appeal: Appeal, now: datetime) -> None:
    """After moderation, a matching routing rule sends the appeal straight to the organisation;
    without one it waits in the coordinator's triage queue."""
    if routing.find_organization(session, category_id=appeal.category_id, territory_id=appeal.territory_id):
        kind, payload = effects.APPLY["route"](session, appeal, SYSTEM, None, now, {})
        _log(session, appeal, SYSTEM, "route", Status.COORDINATION, Status.IN_WORK, now, None, payload, kind)
        appeal.status = Status.IN_WORK


def _log(session, appeal, actor, action, from_status, to_status, now, reason=None, payload=None,
         kind=EventKind.TRANSITION) -> None:
    session.add(AppealEvent(appeal_id=appeal.id, at=now, actor_id=actor.user_id, actor_role=actor.role,
                            kind=kind, action=action, from_status=from_status, to_status=to_status,
                            reason=reason, payload=json.dumps(payload, ensure_ascii=False) if payload else None))
    kpi_rollups.appeal_changed(session, appeal.id)


def _label(status: Status) -> str:
    return STATUS_LABELS[status]
