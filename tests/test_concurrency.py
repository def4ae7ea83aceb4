"""Simultaneous actions on one appeal, with real threads and one session each (as the app's
worker threads have): exactly one wins, the others get a Russian refusal, nothing is doubled.
Runs on SQLite and, with POS_TEST_DATABASE_URL, on PostgreSQL.

The race window is widened on purpose: each service call pauses right after it has read the
appeal (`_slow_reads`), so every thread has seen the same state before the first one commits.
That is the moment two browser tabs clicking together hit; without the pause the threads would
often run one after another and the test could pass by luck."""

import threading
import time

import pytest
from sqlmodel import Session, select

from pos_dashboard.domain.enums import Status
from pos_dashboard.domain.models import Answer, AppealEvent, Rating
from pos_dashboard.domain.workflow import AUTO_CLOSE_AFTER
from pos_dashboard.services import appeals, timers
from pos_dashboard.services.errors import ServiceError

from .factories import ANSWER_TEXT, T0, build_region, count, fresh_appeal, hours, submit

THREADS = 6
PAUSE_S = 0.3


@pytest.fixture()
def region(session):
    return build_region(session)


@pytest.fixture()
def _slow_reads(monkeypatch):
    original = appeals._load

    def slow(session, appeal_id):
        appeal = original(session, appeal_id)
        time.sleep(PAUSE_S)
        return appeal
    monkeypatch.setattr(appeals, "_load", slow)


def race(engine, calls) -> list[str]:
    """Run each call in its own thread with its own session, all released at once; returns
    "ok" or the refusal message per call. Anything but a ServiceError fails the test."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[str | BaseException] = [""] * len(calls)

    def run(i, call):
        with Session(engine, expire_on_commit=False) as session:
            barrier.wait()
            try:
                call(session)
                outcomes[i] = "ok"
            except ServiceError as exc:
                outcomes[i] = exc.message
            except BaseException as exc:  # noqa: BLE001  (reported below, with its type)
                outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    errors = [o for o in outcomes if isinstance(o, BaseException)]
    assert not errors, f"unexpected errors: {errors!r}"
    return outcomes


def _events(session, appeal_id, action) -> int:
    session.expire_all()
    return len(session.exec(select(AppealEvent.id).where(AppealEvent.appeal_id == appeal_id,
                                                         AppealEvent.action == action)).all())


def _assert_one_winner(outcomes):
    assert outcomes.count("ok") == 1, outcomes
    refusals = [o for o in outcomes if o != "ok"]
    assert all(o and o[0].isupper() and any("а" <= ch <= "я" for ch in o.lower()) for o in refusals), refusals


def _in_work(session, r, now=T0) -> int:
    appeal_id = submit(session, r, now=now)
    appeals.perform(session, actor=r.coordinator, appeal_id=appeal_id, action="approve_moderation",
                    now=now + hours(1))
    assert fresh_appeal(session, appeal_id).status == Status.IN_WORK
    return appeal_id


def _answered(session, r, now=T0) -> int:
    appeal_id = _in_work(session, r, now)
    staff = r.staff[r.o_uk]
    appeals.perform(session, actor=staff, appeal_id=appeal_id, action="give_answer", now=now + hours(2),
                    text=ANSWER_TEXT)
    appeals.perform(session, actor=r.coordinator, appeal_id=appeal_id, action="approve_answer",
                    now=now + hours(3))
    return appeal_id


@pytest.mark.usefixtures("_slow_reads")
def test_simultaneous_answer_submits_give_one_answer_for_review(engine, session, region):
    appeal_id = _in_work(session, region)
    staff = region.staff[region.o_uk]
    outcomes = race(engine, [
        lambda s: appeals.perform(s, actor=staff, appeal_id=appeal_id, action="give_answer",
                                  now=T0 + hours(2), text=ANSWER_TEXT)
    ] * THREADS)
    _assert_one_winner(outcomes)
    assert fresh_appeal(session, appeal_id).status == Status.ANSWER_REVIEW
    assert _events(session, appeal_id, "give_answer") == 1
    assert count(session, Answer, appeal_id) == 1


@pytest.mark.usefixtures("_slow_reads")
def test_simultaneous_approve_and_return_one_decision(engine, session, region):
    appeal_id = _in_work(session, region)
    appeals.perform(session, actor=region.staff[region.o_uk], appeal_id=appeal_id, action="give_answer",
                    now=T0 + hours(2), text=ANSWER_TEXT)
    coordinator = region.coordinator
    outcomes = race(engine, [
        lambda s: appeals.perform(s, actor=coordinator, appeal_id=appeal_id, action="approve_answer",
                                  now=T0 + hours(3)),
        lambda s: appeals.perform(s, actor=coordinator, appeal_id=appeal_id, action="return_for_rework",
                                  now=T0 + hours(3), reason="Нет фото результата", rework_code="no_evidence"),
    ] * (THREADS // 2))
    _assert_one_winner(outcomes)
    decisions = _events(session, appeal_id, "approve_answer") + _events(session, appeal_id, "return_for_rework")
    assert decisions == 1
    assert fresh_appeal(session, appeal_id).status in {Status.ANSWERED, Status.IN_WORK}


@pytest.mark.usefixtures("_slow_reads")
def test_simultaneous_ratings_one_rating(engine, session, region):
    appeal_id = _answered(session, region)
    citizen = region.citizen
    outcomes = race(engine, [
        lambda s, score=score: appeals.rate(s, actor=citizen, appeal_id=appeal_id, score=score,
                                            now=T0 + hours(5))
        for score in (5, 1, 4, 2, 5, 3)
    ])
    _assert_one_winner(outcomes)
    assert _events(session, appeal_id, "rate_good") + _events(session, appeal_id, "rate_poor") == 1
    assert count(session, Rating, appeal_id) == 1


@pytest.mark.usefixtures("_slow_reads")
def test_simultaneous_extensions_extend_once(engine, session, region):
    appeal_id = _in_work(session, region)
    staff = region.staff[region.o_uk]
    before = fresh_appeal(session, appeal_id).deadline_at
    outcomes = race(engine, [
        lambda s: appeals.extend_deadline(s, actor=staff, appeal_id=appeal_id, days=10,
                                          reason="Нужна экспертиза", now=T0 + hours(2))
    ] * THREADS)
    _assert_one_winner(outcomes)
    assert _events(session, appeal_id, "extend") == 1
    after = fresh_appeal(session, appeal_id)
    assert after.extended and after.deadline_at > before


@pytest.mark.usefixtures("_slow_reads")
def test_simultaneous_category_changes_one_change(engine, session, region):
    appeal_id = _in_work(session, region)
    coordinator = region.coordinator
    targets = [region.c_heating, region.c_lighting, region.c_potholes] * (THREADS // 3)
    outcomes = race(engine, [
        lambda s, c=c: appeals.change_category(s, actor=coordinator, appeal_id=appeal_id, category_id=c,
                                               reason="Уточнение", now=T0 + hours(2))
        for c in targets
    ])
    _assert_one_winner(outcomes)
    assert _events(session, appeal_id, "change_category") == 1
    winner = targets[outcomes.index("ok")]
    assert fresh_appeal(session, appeal_id).category_id == winner


@pytest.mark.usefixtures("_slow_reads")
def test_timer_racing_a_rating_acts_once(engine, session, region):
    appeal_id = _answered(session, region)
    due = T0 + hours(3) + AUTO_CLOSE_AFTER + hours(1)
    citizen = region.citizen
    outcomes = race(engine, [
        lambda s: appeals.rate(s, actor=citizen, appeal_id=appeal_id, score=2, now=due),
        lambda s: timers.run_due_timers(s, now=due),
        lambda s: timers.run_due_timers(s, now=due),
    ])
    rated, closed = _events(session, appeal_id, "rate_poor"), _events(session, appeal_id, "auto_close")
    assert rated + closed == 1
    status = fresh_appeal(session, appeal_id).status
    if rated:
        assert outcomes[0] == "ok" and status == Status.CONTROL and count(session, Rating, appeal_id) == 1
    else:  # the timer won: the citizen is told, and no rating row was left behind
        assert "изменено" in outcomes[0] or "невозможно" in outcomes[0], outcomes[0]
        assert status == Status.CLOSED and count(session, Rating, appeal_id) == 0


@pytest.mark.usefixtures("_slow_reads")
def test_timers_from_two_workers_close_once(engine, session, region):
    appeal_id = _answered(session, region)
    due = T0 + hours(3) + AUTO_CLOSE_AFTER + hours(1)
    runs = []
    outcomes = race(engine, [lambda s: runs.append(timers.run_due_timers(s, now=due))] * 3)
    assert outcomes == ["ok"] * 3
    assert sum(r.auto_closed for r in runs) == 1
    assert _events(session, appeal_id, "auto_close") == 1
