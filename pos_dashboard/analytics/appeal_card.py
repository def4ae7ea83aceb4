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
from .formatting import category_path, duration, full_place, local_time
from . import imported_events as imported, rework, snapshot

_ACTION_LABELS = {name: t.label for name, t in TRANSITIONS.items()} | {
    "submit": "Обращение подано",
    "extend": "Срок продлён",
    "change_category": "Категория изменена",
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
    citizen_view = actor.role == Role.CITIZEN
    events = _events(session, appeal.id)
    payloads = [payload for _, payload, _, _ in events if payload.get("source_event")]
    from_source = appeal.external_ref is not None and bool(payloads)
    as_of = snapshot.data_as_of(session) if appeal.source_history else None
    note = _deadline_note(appeal, as_of or utcnow())
    return {
        "id": appeal.id,
        "number": display_number(appeal.id, appeal.external_ref),
        "external_ref": appeal.external_ref or "",
        "history_note": "история источника: платформа не меняет это обращение" if appeal.source_history else "",
        "status_label": (from_source and imported.closing_kind(payloads)) or STATUS_LABELS[Status(appeal.status)],
        "category": category_path(category.name, parent.name if parent else None),
        "deadline_rule": _deadline_rule(category, from_source),
        "territory": full_place(territory.name if territory else None, district.name if district else None),
        "organization": organization.name if organization else
        (imported.NOT_STATED if from_source else "не назначен"),
        "source_parties": imported.source_parties(payloads) if from_source else "",
        "address": appeal.address or "—",
        "point": f"{appeal.latitude:.5f}, {appeal.longitude:.5f}" if appeal.latitude is not None else "—",
        "channel": CHANNEL_LABELS.get(Channel(appeal.channel), appeal.channel),
        "text": appeal.text,
        "created": local_time(appeal.created_at),
        "deadline": local_time(appeal.deadline_at) if appeal.deadline_at else "—",
        "deadline_note": note,
        "data_as_of": f"данные источника на {local_time(as_of)}" if as_of and note else "",
        "extended": imported.deadline_changes(payloads) if from_source else ("да" if appeal.extended else "нет"),
        "rating": str(appeal.rating) if appeal.rating else "—",
        "answers": _answers(session, appeal.id, citizen_view=citizen_view, from_source=from_source),
        "timeline": _timeline(events, citizen_view=citizen_view),
        "actions": card_actions(appeal, actor),
    }


def _deadline_rule(category: Category, from_source: bool) -> str:
    """The category's rule; for an imported category only a rule its source states (spb_rules)."""
    if from_source and not category.deadline_stated:
        return imported.NOT_STATED
    rule = f"{category.deadline_days} {'раб.' if category.deadline_kind == 'working' else 'календ.'} дн."
    return rule + (" (ускоренная)" if category.expedited else "") + (" (по срокам источника)" if from_source else "")


def _deadline_note(appeal: Appeal, now) -> str:
    if Status(appeal.status) not in OPEN_STATUSES or appeal.deadline_at is None:
        return ""
    if is_overdue(appeal.deadline_at, now):
        return "просрочено на " + duration(now - appeal.deadline_at)
    return ("срок истекает: осталось " if is_at_risk(appeal.deadline_at, now) else "осталось ") + \
        duration(appeal.deadline_at - now)


def _answers(session: Session, appeal_id: int, *, citizen_view: bool, from_source: bool = False) -> list[dict]:
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
        # an imported answer was never reviewed here, and the source says nothing of a review
        "review": "" if from_source and answer.author_id is None else
        {"pending": "на согласовании", "approved": "согласован", "returned": "возвращён на доработку"}[answer.review_state],
        "text": answer.text or (imported.NO_ANSWER_TEXT if from_source and answer.author_id is None else ""),
        "rework": returned.get(answer.id, "") if answer.review_state == ReviewState.RETURNED else "",
    } for answer, org_name in rows]


def _events(session: Session, appeal_id: int) -> list[tuple]:
    """(event, payload, actor's name, actor's organisation) in time order."""
    rows = session.exec(select(AppealEvent, User.full_name, Organization.name)
                        .outerjoin(User, User.id == AppealEvent.actor_id)
                        .outerjoin(Organization, Organization.id == User.organization_id)
                        .where(AppealEvent.appeal_id == appeal_id).order_by(AppealEvent.at, AppealEvent.id)).all()
    return [(event, json.loads(event.payload) if event.payload else {}, name, org) for event, name, org in rows]


def _timeline(events: list[tuple], *, citizen_view: bool) -> list[dict]:
    shown, answered_by = [], None
    for event, payload, actor_name, org_name in events:
        if imported.is_imported(event.action):
            if payload.get("source_event") == "answer":
                answered_by = payload.get("detail", "").partition(" | ")[2].strip() or answered_by
            shown.append(_imported(event, payload, answered_by))
        else:
            shown.append(_event(event, payload, _public_actor(event, org_name) if citizen_view else actor_name))
    return shown


def _imported(event: AppealEvent, payload: dict, answered_by: str | None) -> dict:
    """An event of the source: its own words, one line, who acted as the source names it."""
    rendered = imported.imported_event(event.action, payload, answered_by)
    change = ""
    if event.to_status:
        source = STATUS_LABELS[Status(event.from_status)] + " → " if event.from_status else ""
        change = source + STATUS_LABELS[Status(event.to_status)]
    return {"at": local_time(event.at), "title": rendered["title"], "change": change, "actor": rendered["actor"],
            "reason": "", "detail": rendered["detail"]}


def _public_actor(event: AppealEvent, org_name: str | None) -> str:
    """Who acted, as a citizen is told: the organisation or «ЦУР», never a staff member's name."""
    role = Role(event.actor_role)
    if role == Role.ORG_STAFF:
        return org_name or "Организация-исполнитель"
    if role in (Role.COORDINATOR, Role.ADMIN):
        return CUR_LABEL
    return ROLE_LABELS.get(role, event.actor_role)


def _event(event: AppealEvent, payload: dict, actor_name: str | None) -> dict:
    title = _KIND_LABELS.get(event.kind) or _ACTION_LABELS.get(event.action) or event.action
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
