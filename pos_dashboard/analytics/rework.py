"""Why answers were returned for rework: the fixed reason's label and the coordinator's comment, read
from the return events (their payload keeps the code of domain.enums.ReworkReason)."""

import json

from sqlmodel import Session, select

from ..domain.enums import rework_text
from ..domain.models import AppealEvent

ACTION = "return_for_rework"
# the events that decide whether an answer is owed again: a return, and what ends it
REVIEW_ACTIONS = (ACTION, "approve_answer", "give_answer")


def _events(session: Session, appeal_ids: list[int]):
    if not appeal_ids:
        return []
    return session.exec(select(AppealEvent.appeal_id, AppealEvent.reason, AppealEvent.payload)
                        .where(AppealEvent.appeal_id.in_(appeal_ids), AppealEvent.action == ACTION)
                        .order_by(AppealEvent.at, AppealEvent.id)).all()


def event_text(reason: str | None, payload: dict) -> str:
    return rework_text(payload.get("rework_code"), reason) if payload.get("rework_code") else (reason or "")


def by_answer(session: Session, appeal_id: int) -> dict[int, str]:
    """answer id → why it was returned, for the answers of one appeal."""
    found = {}
    for _, reason, payload in _events(session, [appeal_id]):
        data = json.loads(payload) if payload else {}
        if "answer_id" in data:
            found[data["answer_id"]] = event_text(reason, data)
    return found


def last_by_appeal(session: Session, appeal_ids: list[int]) -> dict[int, str]:
    """appeal id → why its latest returned answer was returned (one query for a page of rows)."""
    found = {}
    for appeal_id, reason, payload in _events(session, appeal_ids):
        found[appeal_id] = event_text(reason, json.loads(payload) if payload else {})
    return found


def pending_in(events) -> dict[int, str]:
    """appeal id → why its answer was returned, for appeals whose latest review was a return (the
    organisation still owes the reworked answer), from their events already read: (appeal id,
    action, reason, payload) in time order per appeal; events of other actions are passed over."""
    last = {appeal_id: (action, reason, payload) for appeal_id, action, reason, payload in events
            if action in REVIEW_ACTIONS}
    return {appeal_id: event_text(reason, json.loads(payload) if payload else {})
            for appeal_id, (action, reason, payload) in last.items() if action == ACTION}
