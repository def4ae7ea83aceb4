"""The platform's own clocks: answers nobody rated close after AUTO_CLOSE_AFTER, and appeals whose
citizen never answered a clarification request are rejected after CLARIFICATION_SILENCE_LIMIT.
Safe to run from several workers at once and beside people's actions: each appeal goes through
the services' version claim, and one that another worker or a person moved meanwhile is skipped.
Organisations are warned of answers due within 24 hours (services/notifications.py), once each."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_
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
    closing_cutoff = now - AUTO_CLOSE_AFTER
    for appeal_id in _due(session, closing_cutoff, Appeal.status == Status.ANSWERED.value,
                          Appeal.final_answer_at <= closing_cutoff):
        run.auto_closed += _act(session, appeal_id, "auto_close", None, now)
    silence_cutoff = now - CLARIFICATION_SILENCE_LIMIT
    for appeal_id in _due(session, silence_cutoff, Appeal.status == Status.CLARIFICATION.value,
                          Appeal.paused_at <= silence_cutoff):
        run.auto_rejected += _act(session, appeal_id, "auto_reject_silent", SILENCE_REASON, now)
    run.deadline_warnings = notifications.warn_due_deadlines(session, now=now)
    return run


def _due(session: Session, cutoff: datetime, *conditions) -> list[int]:
    """Appeals the platform owns whose clock ran out: never imported history, and an adopted appeal
    only once its clock, started at adoption, has run out too."""
    owned = [Appeal.source_history.is_(False), or_(Appeal.adopted_at.is_(None), Appeal.adopted_at <= cutoff)]
    return list(session.exec(select(Appeal.id).where(*owned, *conditions).order_by(Appeal.id).limit(BATCH)).all())


def _act(session: Session, appeal_id: int, action: str, reason: str | None, now: datetime) -> int:
    try:
        appeals.perform(session, actor=SYSTEM, appeal_id=appeal_id, action=action, reason=reason, now=now)
    except ServiceError:  # moved meanwhile by a person or another worker
        return 0
    return 1
