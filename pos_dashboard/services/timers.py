"""The platform's own clocks: answers nobody rated close after AUTO_CLOSE_AFTER, and appeals whose
citizen never answered a clarification request are rejected after CLARIFICATION_SILENCE_LIMIT.
Safe to run from several workers at once and beside people's actions: each appeal goes through
the services' version claim, and one that another worker or a person moved meanwhile is skipped.
Organisations are warned of answers due within 24 hours (services/notifications.py), once each."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from ..domain.enums import Status
from ..domain.models import Appeal
from ..domain.workflow import AUTO_CLOSE_AFTER, CLARIFICATION_SILENCE_LIMIT
from . import appeals, notifications
from .actors import SYSTEM
from .errors import ServiceError

BATCH = 500
SILENCE_REASON = "Заявитель не дал уточнений в установленный срок"


@dataclass
class TimerRun:
    auto_closed: int = 0
    auto_rejected: int = 0
    deadline_warnings: int = 0  # outbox rows written


def run_due_timers(session: Session, *, now: datetime) -> TimerRun:
    run = TimerRun()
    for appeal_id in _due(session, Appeal.status == Status.ANSWERED.value,
                          Appeal.final_answer_at <= now - AUTO_CLOSE_AFTER):
        run.auto_closed += _act(session, appeal_id, "auto_close", None, now)
    for appeal_id in _due(session, Appeal.status == Status.CLARIFICATION.value,
                          Appeal.paused_at <= now - CLARIFICATION_SILENCE_LIMIT):
        run.auto_rejected += _act(session, appeal_id, "auto_reject_silent", SILENCE_REASON, now)
    run.deadline_warnings = notifications.warn_due_deadlines(session, now=now)
    return run


def _due(session: Session, *conditions) -> list[int]:
    return list(session.exec(select(Appeal.id).where(*conditions).order_by(Appeal.id).limit(BATCH)).all())


def _act(session: Session, appeal_id: int, action: str, reason: str | None, now: datetime) -> int:
    try:
        appeals.perform(session, actor=SYSTEM, appeal_id=appeal_id, action=action, reason=reason, now=now)
    except ServiceError:  # moved meanwhile by a person or another worker
        return 0
    return 1
