"""The appeal life cycle replayed in memory, step by step, exactly as services/appeals.py would
apply it: each action is checked against the transition table (source status, role, reason),
sets the same denormalised fields on the appeal, and writes the same event, answer, rating and
dispute rows. Nothing here touches the database; the rows are inserted in bulk afterwards.

Rows are tuples in the order of their table's columns, with times as epoch seconds (the writer
turns them into the database's format). Payloads are written as `json.dumps` writes them."""

import json
from dataclasses import dataclass, field

from ..domain import deadlines
from ..domain.enums import FINAL_STATUSES, AnswerKind, EventKind, ModerationReason, ReviewState, Role, Status
from ..domain.workflow import LOW_RATING_MAX, TRANSITIONS
from .clock import DemoClock, resume_after_pause, to_datetime
from .routing_plan import Router
from .texts import REWORK_CODES

SYSTEM_ROLE = Role.SYSTEM.value
MODERATION, COORDINATION, IN_WORK = Status.MODERATION.value, Status.COORDINATION.value, Status.IN_WORK.value
TRANSITION, REDIRECT = EventKind.TRANSITION.value, EventKind.REDIRECT.value
PENDING, APPROVED, RETURNED = ReviewState.PENDING.value, ReviewState.APPROVED.value, ReviewState.RETURNED.value
FINAL, INTERIM = AnswerKind.FINAL.value, AnswerKind.INTERIM.value
REASON_CODES = frozenset(reason.value for reason in ModerationReason)
# The transition table with plain strings: action → (sources, target, roles, needs_reason).
_RULES = {action: (frozenset(s.value for s in t.sources), t.target.value, frozenset(r.value for r in t.roles),
                   t.needs_reason) for action, t in TRANSITIONS.items()}


class StopWalk(Exception):
    """The next step would happen after `now`: the appeal stays where it is."""


class IllegalStep(AssertionError):
    """The generator tried something the services would refuse: a bug in the generator."""


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: int | None
    role: str
    organization_id: int | None = None


SYSTEM = Actor(None, SYSTEM_ROLE)


@dataclass(slots=True)
class AppealState:
    """The denormalised fields of one Appeal, times in epoch seconds."""

    id: int
    citizen_id: int | None
    category_id: int
    territory_id: int | None
    created: int
    status: str = MODERATION
    organization_id: int | None = None
    deadline: int | None = None
    stage_due: int | None = None
    paused: int | None = None
    extended: bool = False
    first_answer: int | None = None
    final_answer: int | None = None
    closed: int | None = None
    rating: int | None = None
    updated: int = 0
    last_at: int = 0
    pending_answer: list | None = None  # the final answer row awaiting review
    rating_row: list | None = None  # one Rating row per appeal and citizen, updated by a later rating
    open_disputes: list = field(default_factory=list)


class Lifecycle:
    """Applies actions to AppealStates and collects the rows they produce."""

    def __init__(self, clock: DemoClock, router: Router, category_rules: dict[int, tuple[int, str]],
                 now: int, next_ids: dict[str, int]):
        self.clock, self.router, self.category_rules, self.now = clock, router, category_rules, now
        self.next_ids = next_ids  # table → next free id, advanced as rows are made
        self.events: list[tuple] = []  # AppealEvent rows
        self.answers: list[list] = []
        self.ratings: list[list] = []
        self.disputes: list[list] = []

    def take_rows(self) -> tuple[list, list, list, list]:
        rows = (self.events, self.answers, self.ratings, self.disputes)
        self.events, self.answers, self.ratings, self.disputes = [], [], [], []
        return rows

    # --- what services/appeals.py offers ---

    def submit(self, a: AppealState, actor: Actor, at: int) -> None:
        a.status, a.created, a.updated, a.last_at = MODERATION, at, at, at
        a.stage_due = self.clock.stage_due(at)
        self._log(a, actor, "submit", None, MODERATION, at)

    def act(self, a: AppealState, action: str, actor: Actor, at: int, reason: str | None = None, **params) -> None:
        sources, target, roles, needs_reason = _RULES[action]
        if at < a.last_at:
            at = a.last_at
        if at > self.now:
            raise StopWalk
        if a.status not in sources:
            raise IllegalStep(f"appeal {a.id}: {action} from {a.status}")
        self._authorize(a, actor, roles, action)
        if needs_reason and not reason:
            raise IllegalStep(f"appeal {a.id}: {action} needs a reason")
        kind, payload = _EFFECTS[action](self, a, actor, reason, at, params)
        source, a.status, a.updated, a.last_at = a.status, target, at, at
        self._log(a, actor, action, source, target, at, reason, payload, kind)
        if action == "approve_moderation" and self.router.find(a.category_id, a.territory_id):
            kind, payload = _route(self, a, SYSTEM, None, at, {})
            self._log(a, SYSTEM, "route", COORDINATION, IN_WORK, at, None, payload, kind)
            a.status = IN_WORK

    def rate(self, a: AppealState, actor: Actor, at: int, score: int, comment: str | None = None) -> None:
        self.act(a, "rate_poor" if score <= LOW_RATING_MAX else "rate_good", actor, at, comment, score=score)

    def extend(self, a: AppealState, actor: Actor, at: int, days: int, reason: str) -> None:
        at = max(at, a.last_at)
        if at > self.now:
            raise StopWalk
        self._authorize(a, actor, {Role.ORG_STAFF, Role.COORDINATOR, Role.ADMIN}, "extend")
        if a.deadline is None or a.status not in (Status.IN_WORK, Status.INTERIM_ANSWER) or a.extended:
            raise IllegalStep(f"appeal {a.id}: extend in {a.status}, extended={a.extended}")
        new_deadline = self.clock.extended(a.deadline, days)
        payload = json.dumps({"old_deadline": to_datetime(a.deadline).isoformat(),
                              "new_deadline": to_datetime(new_deadline).isoformat(), "days": days}, ensure_ascii=False)
        a.deadline, a.extended, a.updated, a.last_at = new_deadline, True, at, at
        self._log(a, actor, "extend", None, None, at, reason, payload, EventKind.EXTENSION.value)

    def change_category(self, a: AppealState, actor: Actor, at: int, category_id: int, reason: str | None) -> None:
        at = max(at, a.last_at)
        if at > self.now:
            raise StopWalk
        self._authorize(a, actor, {Role.COORDINATOR, Role.ADMIN}, "change_category")
        if a.status in FINAL_STATUSES:
            raise IllegalStep(f"appeal {a.id}: change_category in {a.status}")
        payload = json.dumps({"old_category_id": a.category_id, "new_category_id": category_id}, ensure_ascii=False)
        a.category_id, a.updated, a.last_at = category_id, at, at
        self._log(a, actor, "change_category", None, None, at, reason, payload, EventKind.CATEGORY_CHANGE.value)

    # --- helpers ---

    def _authorize(self, a: AppealState, actor: Actor, roles, action: str) -> None:
        if actor.role not in roles:
            raise IllegalStep(f"appeal {a.id}: role {actor.role} may not {action}")
        if actor.role == Role.CITIZEN and a.citizen_id != actor.user_id:
            raise IllegalStep(f"appeal {a.id}: another citizen")
        if actor.role == Role.ORG_STAFF and a.organization_id != actor.organization_id:
            raise IllegalStep(f"appeal {a.id}: staff of another organisation")

    def _new_id(self, table: str) -> int:
        value = self.next_ids[table]
        self.next_ids[table] = value + 1
        return value

    def _log(self, a, actor, action, source, target, at, reason=None, payload=None, kind=TRANSITION) -> None:
        """One AppealEvent row; `payload` is already JSON text."""
        event_id = self.next_ids["appealevent"]
        self.next_ids["appealevent"] = event_id + 1
        self.events.append((event_id, a.id, at, actor.user_id, actor.role, kind, action, source, target, reason,
                            payload))

    def _answer(self, a, actor, kind, at, text, planned=None, attachments=None, state=PENDING):
        # Answer columns: id, appeal_id, organization_id, author_id, kind, text, planned_date,
        # attachments, review_state, review_comment, created_at
        row = [self._new_id("answer"), a.id, a.organization_id, actor.user_id, kind, text, planned,
               json.dumps(attachments, ensure_ascii=False) if attachments else None, state, None, at]
        self.answers.append(row)
        return row


# --- action effects, mirroring services/appeals.py: each returns (event kind, JSON payload) ---
# Payloads are formatted as json.dumps formats them ({"key": value} with ", " and ": ").

T = TRANSITION


def _approve_moderation(lc, a, actor, reason, now, params):
    a.stage_due = lc.clock.stage_due(now)
    return T, None


def _reject(lc, a, actor, reason, now, params):
    if reason not in REASON_CODES:
        raise IllegalStep(f"appeal {a.id}: rejection reason {reason!r} is not a moderation reason code")
    a.closed, a.stage_due = now, None
    return T, f'{{"reason_code": "{reason}"}}'


def _route(lc, a, actor, reason, now, params):
    org_id = params.get("organization_id") or lc.router.find(a.category_id, a.territory_id)
    if org_id is None:
        raise IllegalStep(f"appeal {a.id}: route without an organisation")
    a.organization_id, a.stage_due = org_id, None
    if a.deadline is None:
        days, kind = lc.category_rules[a.category_id]
        a.deadline = lc.clock.execution_deadline(a.created, days, kind)
    return T, f'{{"organization_id": {org_id}}}'


def _redirect(lc, a, actor, reason, now, params):
    payload = json.dumps({"from_organization_id": a.organization_id})
    a.organization_id = None
    a.stage_due = lc.clock.stage_due(now)
    return REDIRECT, payload


def _request_clarification(lc, a, actor, reason, now, params):
    a.paused = now
    return T, None


def _clarify(lc, a, actor, reason, now, params):
    if a.paused is not None and a.deadline is not None:
        a.deadline = resume_after_pause(a.deadline, a.paused, now)
    a.paused = None
    return T, None


def _withdraw(lc, a, actor, reason, now, params):
    a.closed, a.stage_due = now, None
    return T, None


def _auto_reject_silent(lc, a, actor, reason, now, params):
    a.closed, a.paused = now, None
    return T, json.dumps({"reason_code": ModerationReason.NO_CLARIFICATION.value})


def _give_interim_answer(lc, a, actor, reason, now, params):
    planned = params["planned_date"]
    if planned < lc.clock.local_date(now):
        raise IllegalStep(f"appeal {a.id}: planned date in the past")
    row = lc._answer(a, actor, INTERIM, now, params["text"], planned, params.get("attachments"), APPROVED)
    a.first_answer = a.first_answer or now
    return T, f'{{"answer_id": {row[0]}, "planned_date": "{planned.isoformat()}"}}'


def _give_answer(lc, a, actor, reason, now, params):
    a.pending_answer = lc._answer(a, actor, FINAL, now, params["text"], None, params.get("attachments"))
    a.stage_due = lc.clock.stage_due(now)
    return T, f'{{"answer_id": {a.pending_answer[0]}}}'


def _review_answer(approve: bool):
    def apply(lc, a, actor, reason, now, params):
        answer = a.pending_answer
        if answer is None:
            raise IllegalStep(f"appeal {a.id}: no answer awaiting review")
        answer[8] = APPROVED if approve else RETURNED
        answer[9] = reason
        a.pending_answer, a.stage_due = None, None
        if approve:
            a.final_answer = now
            a.first_answer = a.first_answer or now
            return T, f'{{"answer_id": {answer[0]}}}'
        return T, f'{{"answer_id": {answer[0]}, "rework_code": "{REWORK_CODES.get(reason, "formal")}"}}'
    return apply


def _rate(lc, a, actor, reason, now, params):
    score = params["score"]
    if a.rating_row is None:  # Rating columns: id, appeal_id, citizen_id, score, comment, created_at
        a.rating_row = [lc._new_id("rating"), a.id, actor.user_id, score, reason, now]
        lc.ratings.append(a.rating_row)
    else:  # after a re-review the citizen rates the new answer: the row takes the latest score
        a.rating_row[3:6] = [score, reason, now]
    a.rating = score
    if score > LOW_RATING_MAX:
        a.closed = now
    return T, f'{{"score": {score}}}'


def _dispute(lc, a, actor, reason, now, params):
    # Dispute columns: id, appeal_id, citizen_id, text, created_at, resolved_at, outcome
    row = [lc._new_id("dispute"), a.id, actor.user_id, reason, now, None, None]
    lc.disputes.append(row)
    a.open_disputes.append(row)
    a.closed = None
    return T, None


def _close(lc, a, actor, reason, now, params):
    a.closed = now
    _resolve_disputes(a, now, "confirmed")
    return T, None


def _re_review(lc, a, actor, reason, now, params):
    days, kind = lc.category_rules[a.category_id]
    a.deadline = lc.clock.execution_deadline(now, min(days, deadlines.EXPEDITED_EXECUTION_DAYS), kind)
    a.closed = None
    _resolve_disputes(a, now, "re_review")
    return T, None


def _resolve_disputes(a: AppealState, now: int, outcome: str) -> None:
    for row in a.open_disputes:
        row[5], row[6] = now, outcome
    a.open_disputes = []


_EFFECTS = {
    "withdraw": _withdraw, "reject": _reject, "approve_moderation": _approve_moderation, "route": _route, "redirect": _redirect,
    "request_clarification": _request_clarification, "clarify": _clarify,
    "auto_reject_silent": _auto_reject_silent, "give_interim_answer": _give_interim_answer,
    "give_answer": _give_answer, "approve_answer": _review_answer(True),
    "return_for_rework": _review_answer(False), "rate_good": _rate, "rate_poor": _rate,
    "dispute": _dispute, "auto_close": _close, "re_review": _re_review, "confirm_closure": _close,
}
assert set(_EFFECTS) == set(TRANSITIONS), "every transition needs its effect"
