"""Workflow actions offered on the appeal card, and the translation of the card's form into a
service call. What the form may ask is decided here, what is allowed is decided by the services."""

from datetime import date

from sqlmodel import Session

from ..domain import limits
from ..domain.deadlines import EXTENSION_MAX_DAYS
from ..domain.enums import (MODERATION_REASON_LABELS, REWORK_REASON_LABELS, ModerationReason, Role, Status)
from ..domain.models import Appeal
from ..domain.workflow import allowed_actions
from . import appeals
from .actors import Actor
from .errors import ValidationFailed

# Actions the card offers; routing to a chosen organisation lives elsewhere.
CARD_ACTIONS = ("approve_moderation", "reject", "approve_answer", "return_for_rework", "re_review",
                "confirm_closure", "give_interim_answer", "give_answer", "request_clarification", "redirect",
                "clarify", "dispute", "withdraw")
EXTEND = "extend"  # one extension of the deadline with a reason (appeals.extend_deadline), not a transition
_EXTEND_ROLES = {Role.ORG_STAFF, Role.COORDINATOR, Role.ADMIN}
RATE = "rate"  # one offer for rate_good / rate_poor: the score the citizen gives decides which
_RATE_ACTIONS = {"rate_good", "rate_poor"}
_ANSWER_ACTIONS = {"give_interim_answer", "give_answer"}
_CITIZEN_LABELS = {"clarify": "Ответить на запрос уточнения", "dispute": "Обжаловать решение"}
REJECTION_REASONS = [{"value": r.value, "label": MODERATION_REASON_LABELS[r]} for r in ModerationReason
                     if r != ModerationReason.NO_CLARIFICATION]
REWORK_REASONS = [{"value": r.value, "label": label} for r, label in REWORK_REASON_LABELS.items()]


def card_actions(appeal: Appeal, actor: Actor) -> list[dict]:
    """The actions this user may take on this appeal now, with what each needs from the form."""
    if appeals.ownership_refusal(actor, appeal):
        return []
    allowed = allowed_actions(Status(appeal.status), actor.role)
    offers = [{"action": RATE, "label": "Оценить ответ", "needs": "score", "needs_date": False,
               "max_length": limits.REASON_MAX}] \
        if any(t.action in _RATE_ACTIONS for t in allowed) else []
    citizen = actor.role == Role.CITIZEN
    if actor.role in _EXTEND_ROLES and not appeal.extended and appeal.deadline_at is not None \
            and Status(appeal.status) in {Status.IN_WORK, Status.INTERIM_ANSWER}:
        offers.append({"action": EXTEND, "label": "Продлить срок", "needs": "extend", "needs_date": False,
                       "max_length": limits.REASON_MAX})
    return offers + [{
        "action": t.action, "label": _CITIZEN_LABELS.get(t.action, t.label) if citizen else t.label,
        "needs": "reason_code" if t.action == "reject" else "rework_code" if t.action == "return_for_rework"
        else "answer" if t.action in _ANSWER_ACTIONS
        else "reply" if citizen and t.action == "clarify" else "reason" if t.needs_reason else "nothing",
        "needs_date": t.action == "give_interim_answer",
        "max_length": _text_limit(t.action),
    } for t in allowed if t.action in CARD_ACTIONS]


def _text_limit(action: str) -> int:
    return limits.ANSWER_TEXT_MAX if action in _ANSWER_ACTIONS else limits.reason_limit(action)


def perform_from_form(session: Session, *, actor: Actor, appeal_id: int, form: dict, files: list = ()) -> Appeal:
    action = form.get("action") or ""
    if action not in CARD_ACTIONS and action not in (RATE, EXTEND):
        raise ValidationFailed("Выберите действие")
    comment = form.get("comment") or ""
    comment = comment.strip() if isinstance(comment, str) else comment  # the services refuse a non-text
    if action == RATE:
        return appeals.rate(session, actor=actor, appeal_id=appeal_id, score=_parse_score(form.get("score")),
                            comment=comment or None)
    if action == EXTEND:
        return appeals.extend_deadline(session, actor=actor, appeal_id=appeal_id, days=_parse_days(form.get("days")),
                                       reason=comment)
    if action == "clarify" and actor.role == Role.CITIZEN and not comment:
        raise ValidationFailed("Напишите ответ на вопрос исполнителя")
    params: dict = {}
    reason: str | None = comment or None
    if action == "reject":
        reason = form.get("reason_code") or None
    if action == "return_for_rework":
        params["rework_code"] = form.get("rework_code") or None
    if action in _ANSWER_ACTIONS:
        params["text"], params["files"], reason = comment, list(files), None
    if action == "give_interim_answer":
        params["planned_date"] = _parse_date(form.get("planned_date") or "")
    return appeals.perform(session, actor=actor, appeal_id=appeal_id, action=action, reason=reason, **params)


def _parse_score(value) -> int:
    text = str(value or "").strip()
    if text not in {"1", "2", "3", "4", "5"}:
        raise ValidationFailed("Поставьте оценку от 1 до 5")
    return int(text)


def _parse_days(value) -> int:
    text = str(value or "").strip()
    if not text.isdecimal() or not 1 <= int(text) <= EXTENSION_MAX_DAYS:
        raise ValidationFailed(f"Укажите, на сколько рабочих дней продлить срок: от 1 до {EXTENSION_MAX_DAYS}")
    return int(text)


def _parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationFailed("Укажите плановую дату выполнения") from None
