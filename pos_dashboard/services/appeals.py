"""Appeal services: the only code that changes appeals. Every change is checked against the
transition table and the acting user, writes an event row, and keeps the appeal's status equal
to what the event log says. A refused operation raises a ServiceError and writes nothing."""

import functools
import json
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from ..domain import deadlines
from ..domain import limits
from ..domain.enums import FINAL_STATUSES, STATUS_LABELS, Channel, EventKind, Role, Status
from ..domain.models import Appeal, AppealEvent, Category, Territory
from ..domain.search_words import document_words
from ..domain.types import utcnow
from ..domain.workflow import LOW_RATING_MAX, SUBMIT_ROLES, TRANSITIONS
from . import appeal_effects as effects
from . import queue_counters  # noqa: F401  (its flush hook keeps the queue's version and tallies)
from . import attachments, kpi_rollups, notifications, routing
from .appeal_effects import calendar
from .actors import SYSTEM, Actor
from .errors import Conflict, IllegalTransition, NotFound, PermissionDenied, ServiceError, ValidationFailed
from .text_input import bounded_text

HISTORY_REFUSAL = ("Обращение импортировано из источника как история: платформа его не изменяет "
                   "(передать его в работу можно импортом с ключом --adopt)")


def _refusal_rolls_back(service):
    """A refused operation leaves nothing behind: rows an effect flushed and the write lock taken
    by `_claim` are released before the error reaches the caller."""
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
                  channel: Channel = Channel.WEB, now: datetime | None = None, files: list = ()) -> Appeal:
    """`files`: checked files (services/file_checks, or staged by the form) stored with the appeal."""
    if actor.role not in SUBMIT_ROLES:
        raise PermissionDenied("Подать обращение может только заявитель или координатор")
    text = bounded_text(text, limit=limits.APPEAL_TEXT_MAX, minimum=limits.APPEAL_TEXT_MIN, what="Текст обращения")
    address = bounded_text(address, limit=limits.ADDRESS_MAX, what="Адрес") or None
    category = session.get(Category, category_id)
    if category is None or not category.is_active:
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
                    search_words=document_words(text),
                    latitude=latitude, longitude=longitude, channel=channel, status=Status.MODERATION,
                    created_at=now, updated_at=now, stage_due_at=deadlines.stage_due(calendar(), now))
    session.add(appeal)
    session.flush()
    _log(session, appeal, actor, "submit", None, Status.MODERATION, now)
    attachments.attach(session, actor=actor, appeal_id=appeal.id, files=list(files), now=now)
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
    appeal = _load(session, appeal_id)
    status = Status(appeal.status)
    if status not in transition.sources:
        raise IllegalTransition(f"Действие «{transition.label}» невозможно в статусе «{_label(status)}»")
    _authorize(actor, transition.roles, appeal, transition.label)
    reason = bounded_text(reason, limit=limits.reason_limit(action), what="Причина или комментарий") or None
    if transition.needs_reason and not reason:
        raise ValidationFailed(f"Для действия «{transition.label}» укажите причину")
    _claim(session, appeal, transition.label)
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
    appeal = _load(session, appeal_id)
    _authorize(actor, {Role.ORG_STAFF, Role.COORDINATOR, Role.ADMIN}, appeal, "Продление срока")
    if appeal.deadline_at is None or Status(appeal.status) not in {Status.IN_WORK, Status.INTERIM_ANSWER}:
        raise IllegalTransition("Продлить срок можно только обращению в работе")
    if appeal.extended:
        raise IllegalTransition("Срок этого обращения уже продлевался: продление допускается один раз")
    reason = bounded_text(reason, limit=limits.REASON_MAX, what="Причина продления")
    if not reason:
        raise ValidationFailed("Укажите причину продления срока")
    try:
        new_deadline = deadlines.extend(calendar(), appeal.deadline_at, days)
    except ValueError as exc:
        raise ValidationFailed(str(exc).capitalize()) from exc
    _claim(session, appeal, "Продление срока")
    now = now or utcnow()
    payload = {"old_deadline": appeal.deadline_at.isoformat(), "new_deadline": new_deadline.isoformat(), "days": days}
    appeal.deadline_at, appeal.extended, appeal.updated_at = new_deadline, True, now
    _log(session, appeal, actor, "extend", None, None, now, reason, payload, EventKind.EXTENSION)
    session.commit()
    return appeal


@_refusal_rolls_back
def change_category(session: Session, *, actor: Actor, appeal_id: int, category_id: int,
                    reason: str | None = None, now: datetime | None = None) -> Appeal:
    appeal = _load(session, appeal_id)
    _authorize(actor, {Role.COORDINATOR, Role.ADMIN}, appeal, "Смена категории")
    reason = bounded_text(reason, limit=limits.REASON_MAX, what="Причина смены категории") or None
    if Status(appeal.status) in FINAL_STATUSES:
        raise IllegalTransition("Категорию завершённого обращения изменить нельзя")
    if session.get(Category, category_id) is None:
        raise ValidationFailed("Выберите категорию из списка")
    _claim(session, appeal, "Смена категории")
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

def _load(session: Session, appeal_id: int) -> Appeal:
    if limits.is_out_of_id_range(appeal_id):
        raise NotFound("Обращение не найдено")
    appeal = session.get(Appeal, appeal_id, populate_existing=True)
    if appeal is None:
        raise NotFound(f"Обращение №{appeal_id} не найдено")
    return appeal


def _claim(session: Session, appeal: Appeal, label: str) -> None:
    """Take the appeal for this transaction, as the first write of it: move its version on, on
    condition that nobody changed it since it was read. Of simultaneous actions exactly one gets
    the row; the others wait for its commit (PostgreSQL's row lock, SQLite's write lock), find the
    version moved and are refused, so every check above was made on the state that is written."""
    table = Appeal.__table__
    claimed = session.execute(update(table).where(table.c.id == appeal.id, table.c.version == appeal.version)
                              .values(version=table.c.version + 1))
    if claimed.rowcount != 1:
        raise Conflict(f"Обращение №{appeal.id} только что изменено другим пользователем. "
                       f"Действие «{label}» не выполнено: обновите страницу и проверьте, нужно ли оно")
    set_committed_value(appeal, "version", appeal.version + 1)


def ownership_refusal(actor: Actor, appeal: Appeal) -> str | None:
    """Why this user may take no action at all on this appeal (not theirs, or imported history), or None."""
    if appeal.source_history:
        return HISTORY_REFUSAL
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
        appeal.status = Status.IN_WORK  # before the event: its notices name the new status
        _log(session, appeal, SYSTEM, "route", Status.COORDINATION, Status.IN_WORK, now, None, payload, kind)


def _log(session, appeal, actor, action, from_status, to_status, now, reason=None, payload=None,
         kind=EventKind.TRANSITION) -> None:
    session.add(AppealEvent(appeal_id=appeal.id, at=now, actor_id=actor.user_id, actor_role=actor.role,
                            kind=kind, action=action, from_status=from_status, to_status=to_status,
                            reason=reason, payload=json.dumps(payload, ensure_ascii=False) if payload else None))
    kpi_rollups.appeal_changed(session, appeal.id)
    # The outbox rows of this event, in this transaction: committed with it or not at all.
    notifications.record(session, appeal, action, reason, payload, now)


def _label(status: Status) -> str:
    return STATUS_LABELS[status]
