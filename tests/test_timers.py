"""The platform's timers: auto-close of unrated answers, auto-reject after silence."""

from pos_dashboard.domain.enums import Status
from pos_dashboard.domain.workflow import AUTO_CLOSE_AFTER, CLARIFICATION_SILENCE_LIMIT
from pos_dashboard.services import appeals
from pos_dashboard.services.timers import run_due_timers

from .factories import T0, build_region, events, fresh_appeal, hours, submit


def _in_work(session, r, now):
    appeal_id = submit(session, r, now=now)
    appeals.perform(session, actor=r.coordinator, appeal_id=appeal_id, action="approve_moderation", now=now + hours(1))
    return appeal_id


def test_unrated_answers_close_and_silent_clarifications_are_rejected_only_when_due(session):
    r = build_region(session)
    staff = r.staff[r.o_uk]
    answered = _in_work(session, r, T0)
    appeals.perform(session, actor=staff, appeal_id=answered, action="give_answer", now=T0 + hours(2),
                    text="Мусор вывезен, территория убрана")
    appeals.perform(session, actor=r.coordinator, appeal_id=answered, action="approve_answer", now=T0 + hours(3))
    silent = _in_work(session, r, T0)
    appeals.perform(session, actor=staff, appeal_id=silent, action="request_clarification", now=T0 + hours(2),
                    reason="Уточните номер подъезда")

    early = run_due_timers(session, now=T0 + hours(1) + min(AUTO_CLOSE_AFTER, CLARIFICATION_SILENCE_LIMIT))
    assert (early.auto_closed, early.auto_rejected) == (0, 0)
    assert fresh_appeal(session, answered).status == Status.ANSWERED

    later = T0 + hours(4) + max(AUTO_CLOSE_AFTER, CLARIFICATION_SILENCE_LIMIT)
    run = run_due_timers(session, now=later)
    assert (run.auto_closed, run.auto_rejected) == (1, 1)
    assert fresh_appeal(session, answered).status == Status.CLOSED
    assert fresh_appeal(session, silent).status == Status.REJECTED
    assert events(session, answered)[-1].action == "auto_close"
    assert events(session, silent)[-1].action == "auto_reject_silent"
    again = run_due_timers(session, now=later)  # idempotent
    assert (again.auto_closed, again.auto_rejected) == (0, 0)
