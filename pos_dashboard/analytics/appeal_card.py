"""The appeal card: the appeal, its answers and its full timeline, ready to show."""

import json

from sqlmodel import Session, select

from ..domain.enums import (CHANNEL_LABELS, MODERATION_REASON_LABELS, ROLE_LABELS, STATUS_LABELS, AnswerKind,
                            Channel, EventKind, ModerationReason, OPEN_STATUSES, ReviewState, Role, Status)
from ..domain.models import Answer, Appeal, AppealEvent, Category, Organization, Territory, User
from ..domain.numbers import display_number
from ..domain.workflow import TRANSITIONS
from ..services.actors import Actor
from ..services.card_actions import card_actions
from ..services.errors import NotFound, PermissionDenied
from ..domain.deadlines import is_at_risk, is_overdue
from ..domain.limits import is_out_of_id_range
from ..domain.types import utcnow
from .formatting import duration, full_place, local_time
from . import rework

_ACTION_LABELS = {name: t.label for name, t in TRANSITIONS.items()} | {
    "submit": "Обращение подано",
    "extend": "Срок продлён",
    "change_category": "Категория изменена",
}
# Events imported from another portal keep that portal's own event type and status name.
_IMPORTED_EVENT_LABELS = {
    "petition": "Сообщение заявителя", "answer": "Ответ организации", "route": "Переадресация по принадлежности",
    "problem_change": "Смена категории", "conclusion": "Заключение", "petition.on_moderation": "Сообщение на модерации",
    "execution_date_change": "Изменение срока", "execution_date_change.reopen": "Изменение срока (возобновление)",
}
ACTION_LABELS = _ACTION_LABELS  # the audit page names workflow actions the same way
CUR_LABEL = "ЦУР"  # coordinators act in the name of the regional management centre
_KIND_LABELS = {EventKind.REDIRECT: "Переадресация по принадлежности", EventKind.CATEGORY_CHANGE: "Смена категории"}


def can_view(actor: Actor, appeal: Appeal) -> bool:
    if actor.role in {Role.COORDINATOR, Role.OFFICIAL, Role.ADMIN}:
        return True
    if actor.role == Role.ORG_STAFF:
        return appeal.organization_id == actor.organization_id
    return actor.role == Role.CITIZEN and appeal.citizen_id == actor.user_id


def load_card(session: Session, appeal_id: int, *, actor: Actor) -> dict:
    appeal = None if is_out_of_id_range(appeal_id) else session.get(Appeal, appeal_id)
    if appeal is None:
        raise NotFound("Обращение не найдено")
    if not can_view(actor, appeal):
        raise PermissionDenied("Нет доступа к этому обращению")
    category = session.get(Category, appeal.category_id)
    parent = session.get(Category, category.parent_id) if category.parent_id else None
    territory = session.get(Territory, appeal.territory_id) if appeal.territory_id else None
    district = session.get(Territory, territory.parent_id) if territory and territory.parent_id else None
    organization = session.get(Organization, appeal.organization_id) if appeal.organization_id else None
    return {
        "id": appeal.id,
        "number": display_number(appeal.id, appeal.external_ref),
        "external_ref": appeal.external_ref or "",
        "history_note": "история источника: платформа не меняет это обращение" if appeal.source_history else "",
        "status_label": STATUS_LABELS[Status(appeal.status)],
        "category": f"{parent.name} / {category.name}" if parent else category.name,
        "deadline_rule": f"{category.deadline_days} {'раб.' if category.deadline_kind == 'working' else 'календ.'} дн."
                         + (" (ускоренная)" if category.expedited else ""),
        "territory": full_place(territory.name if territory else None, district.name if district else None),
        "organization": organization.name if organization else "не назначен",
        "address": appeal.address or "—",
        "point": f"{appeal.latitude:.5f}, {appeal.longitude:.5f}" if appeal.latitude is not None else "—",
        "channel": CHANNEL_LABELS.get(Channel(appeal.channel), appeal.channel),
        "text": appeal.text,
        "created": local_time(appeal.created_at),
        "deadline": local_time(appeal.deadline_at) if appeal.deadline_at else "—",
        "deadline_note": _deadline_note(appeal, utcnow()),
        "extended": "да" if appeal.extended else "нет",
        "rating": str(appeal.rating) if appeal.rating else "—",
        "answers": _answers(session, appeal.id, citizen_view=actor.role == Role.CITIZEN),
        "timeline": _timeline(session, appeal.id, citizen_view=actor.role == Role.CITIZEN),
        "actions": card_actions(appeal, actor),
    }


def _deadline_note(appeal: Appeal, now) -> str:
    if Status(appeal.status) not in OPEN_STATUSES or appeal.deadline_at is None:
        return ""
    if is_overdue(appeal.deadline_at, now):
        return "просрочено на " + duration(now - appeal.deadline_at)
    return ("срок истекает: осталось " if is_at_risk(appeal.deadline_at, now) else "осталось ") + \
        duration(appeal.deadline_at - now)


def _answers(session: Session, appeal_id: int, *, citizen_view: bool) -> list[dict]:
    stmt = (select(Answer, Organization.name).outerjoin(Organization, Organization.id == Answer.organization_id)
            .where(Answer.appeal_id == appeal_id).order_by(Answer.created_at, Answer.id))
    if citizen_view:  # a final answer reaches the citizen only after the coordinator approved it
        stmt = stmt.where(Answer.review_state == ReviewState.APPROVED)
    rows = session.exec(stmt).all()
    returned = rework.by_answer(session, appeal_id)
    return [{
        "id": answer.id,
        "kind": "Промежуточный ответ" if answer.kind == AnswerKind.INTERIM else "Ответ",
        "organization": org_name or "—",
        "created": local_time(answer.created_at),
        "planned": answer.planned_date.strftime("%d.%m.%Y") if answer.planned_date else "",
        "review": {"pending": "на согласовании", "approved": "согласован", "returned": "возвращён на доработку"}
        [answer.review_state],
        "text": answer.text,
        "rework": returned.get(answer.id, "") if answer.review_state == ReviewState.RETURNED else "",
    } for answer, org_name in rows]


def _imported_title(payload: dict) -> str | None:
    source = payload.get("source_event")
    if source == "status":
        return f"Статус на портале: «{payload.get('status_name', '')}»"
    return _IMPORTED_EVENT_LABELS.get(source)


def _timeline(session: Session, appeal_id: int, *, citizen_view: bool) -> list[dict]:
    rows = session.exec(select(AppealEvent, User.full_name, Organization.name)
                        .outerjoin(User, User.id == AppealEvent.actor_id)
                        .outerjoin(Organization, Organization.id == User.organization_id)
                        .where(AppealEvent.appeal_id == appeal_id).order_by(AppealEvent.at, AppealEvent.id)).all()
    return [_event(event, _public_actor(event, org_name) if citizen_view else actor_name)
            for event, actor_name, org_name in rows]


def _public_actor(event: AppealEvent, org_name: str | None) -> str:
    """Who acted, as a citizen is told: the organisation or «ЦУР», never a staff member's name."""
    role = Role(event.actor_role)
    if role == Role.ORG_STAFF:
        return org_name or "Организация-исполнитель"
    if role in (Role.COORDINATOR, Role.ADMIN):
        return CUR_LABEL
    return ROLE_LABELS.get(role, event.actor_role)


def _event(event: AppealEvent, actor_name: str | None) -> dict:
    payload = json.loads(event.payload) if event.payload else {}
    title = _KIND_LABELS.get(event.kind) or _ACTION_LABELS.get(event.action) or _imported_title(payload) \
        or event.action
    reason = event.reason or ""
    if reason in ModerationReason._value2member_map_:
        reason = MODERATION_REASON_LABELS[ModerationReason(reason)]
    if event.action == rework.ACTION:
        reason = rework.event_text(event.reason, payload)
    change = ""
    if event.to_status:
        source = STATUS_LABELS[Status(event.from_status)] + " → " if event.from_status else ""
        change = source + STATUS_LABELS[Status(event.to_status)]
    return {
        "at": local_time(event.at),
        "title": title,
        "change": change,
        "actor": actor_name or ROLE_LABELS.get(Role(event.actor_role), event.actor_role),
        "reason": reason,
        "detail": payload.get("detail", ""),
    }
