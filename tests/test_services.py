"""Appeal services against a real database session (SQLite, or PostgreSQL with POS_TEST_DATABASE_URL).

Every successful call is checked for the exact events it appended and for the stored status agreeing
with the event log; every refused call for its exception type, a Russian message, and for having
changed nothing (appeal row, events, answers, ratings, disputes)."""

import json
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func
from sqlmodel import select

from pos_dashboard.domain.enums import AnswerKind, EventKind, ModerationReason, ReviewState, Role, Status
from pos_dashboard.domain.models import Answer, Appeal, AppealEvent, Dispute, Rating
from pos_dashboard.services import appeals
from pos_dashboard.services.actors import SYSTEM, Actor
from pos_dashboard.services.errors import (IllegalTransition, NotFound, PermissionDenied, ServiceError,
                                           ValidationFailed)

from .factories import (ANSWER_TEXT, INTERIM_TEXT, KAMCHATKA, MSK, T0, assert_consistent,
                        assert_unchanged_after_refusal, build_region, events, fresh_appeal, hours, is_russian,
                        snapshot, submit)


@pytest.fixture()
def region(session):
    return build_region(session)


def msk_end_of_day(y, m, d) -> datetime:
    return datetime(y, m, d, 23, 59, 59, tzinfo=MSK).astimezone(timezone.utc)


# --- helpers: a successful step and a refused step ---

def act(session, appeal_id, action, actor, now, *, expect=None, reason=None, **params) -> Appeal:
    """Perform an action that must succeed; check the events it appended and the status agreement."""
    before = [e.id for e in events(session, appeal_id)]
    old_status = fresh_appeal(session, appeal_id).status
    if action == "rate":
        appeals.rate(session, actor=actor, appeal_id=appeal_id, score=params["score"], comment=reason, now=now)
    elif action == "extend":
        appeals.extend_deadline(session, actor=actor, appeal_id=appeal_id, days=params["days"], reason=reason,
                                now=now)
    elif action == "change_category":
        appeals.change_category(session, actor=actor, appeal_id=appeal_id, category_id=params["category_id"],
                                reason=reason, now=now)
    else:
        appeals.perform(session, actor=actor, appeal_id=appeal_id, action=action, reason=reason, now=now,
                        **params)
    after = events(session, appeal_id)
    assert [e.id for e in after[:len(before)]] == before, "an earlier event was lost or reordered"
    new = after[len(before):]
    expected_actions = expect or [action]
    assert [e.action for e in new] == expected_actions
    assert all(e.at == now for e in new)
    assert new[0].actor_id == actor.user_id and new[0].actor_role == actor.role
    if new[0].to_status is not None:
        assert new[0].from_status == old_status
    assert_consistent(session, appeal_id)
    return fresh_appeal(session, appeal_id)


def refuse(session, appeal_id, exc_type, call, **kwargs) -> ServiceError:
    """Run a call that must be refused; check type, Russian message and that nothing changed."""
    before = snapshot(session, appeal_id)
    with pytest.raises(exc_type) as info:
        call(session, appeal_id=appeal_id, **kwargs)
    assert type(info.value) is exc_type
    # The refusal ended the transaction: no row lock (SELECT … FOR UPDATE) is left held.
    assert not session.in_transaction()
    assert is_russian(info.value.message), info.value.message
    assert str(info.value) == info.value.message
    assert_unchanged_after_refusal(session, appeal_id, before)
    assert_consistent(session, appeal_id)
    return info.value


def perform_refused(session, appeal_id, exc_type, action, actor, now, reason=None, **params):
    return refuse(session, appeal_id, exc_type, appeals.perform, actor=actor, action=action, reason=reason,
                  now=now, **params)


def to_in_work(session, region, *, category_id=None, territory_id=-1, now=T0) -> int:
    """Submit and moderate an appeal that a routing rule sends straight to an organisation."""
    appeal_id = submit(session, region, category_id=category_id, territory_id=territory_id, now=now)
    act(session, appeal_id, "approve_moderation", region.coordinator, now + hours(1),
        expect=["approve_moderation", "route"])
    assert fresh_appeal(session, appeal_id).status == Status.IN_WORK
    return appeal_id


def to_answered(session, region, now=T0) -> tuple[int, datetime]:
    appeal_id = to_in_work(session, region, now=now)
    staff = region.staff[region.o_uk]
    act(session, appeal_id, "give_answer", staff, now + hours(24), text=ANSWER_TEXT)
    act(session, appeal_id, "approve_answer", region.coordinator, now + hours(26))
    return appeal_id, now + hours(26)


def table_count(session, table) -> int:
    return session.exec(select(func.count()).select_from(table)).one()


# --- happy paths ---

def test_happy_path_with_auto_routing(session, region):
    staff = region.staff[region.o_uk]
    appeal_id = submit(session, region, now=T0, latitude=53.02, longitude=158.65, address="ул. Ленина, 5")
    appeal = fresh_appeal(session, appeal_id)
    assert appeal.status == Status.MODERATION
    assert appeal.citizen_id == region.citizen.user_id
    assert appeal.created_at == T0 and appeal.created_at.utcoffset() == timedelta(0)
    assert appeal.stage_due_at == msk_end_of_day(2025, 3, 4)  # moderation: one working day
    assert appeal.deadline_at is None and appeal.organization_id is None
    [ev] = events(session, appeal_id)
    assert (ev.action, ev.from_status, ev.to_status, ev.actor_role) == ("submit", None, Status.MODERATION,
                                                                          Role.CITIZEN)
    assert_consistent(session, appeal_id)

    appeal = act(session, appeal_id, "approve_moderation", region.coordinator, T0 + hours(1),
                 expect=["approve_moderation", "route"])
    assert appeal.status == Status.IN_WORK
    assert appeal.organization_id == region.o_uk
    # 30 working days from Monday 3 March 2025 (no holidays on weekdays in March–April 2025): 14 April.
    assert appeal.deadline_at == msk_end_of_day(2025, 4, 14)
    assert appeal.stage_due_at is None
    route = events(session, appeal_id)[-1]
    assert (route.actor_id, route.actor_role, route.from_status, route.to_status) == (
        None, Role.SYSTEM, Status.COORDINATION, Status.IN_WORK)
    assert json.loads(route.payload) == {"organization_id": region.o_uk}

    appeal = act(session, appeal_id, "give_interim_answer", staff, T0 + hours(24), text=INTERIM_TEXT,
                 planned_date=date(2025, 3, 20))
    assert appeal.status == Status.INTERIM_ANSWER
    assert appeal.first_answer_at == T0 + hours(24)
    interim = session.exec(select(Answer).where(Answer.appeal_id == appeal_id)).one()
    assert (interim.kind, interim.planned_date, interim.review_state) == (
        AnswerKind.INTERIM, date(2025, 3, 20), ReviewState.APPROVED)
    assert json.loads(events(session, appeal_id)[-1].payload)["planned_date"] == "2025-03-20"

    appeal = act(session, appeal_id, "give_answer", staff, T0 + hours(72), text=ANSWER_TEXT,
                 attachments=["photo_after.jpg"])
    assert appeal.status == Status.ANSWER_REVIEW
    assert appeal.stage_due_at == msk_end_of_day(2025, 3, 7)  # review: one working day after Thursday 6th
    final = session.exec(select(Answer).where(Answer.appeal_id == appeal_id, Answer.kind == AnswerKind.FINAL)).one()
    assert final.review_state == ReviewState.PENDING and json.loads(final.attachments) == ["photo_after.jpg"]
    assert final.organization_id == region.o_uk and final.author_id == staff.user_id

    appeal = act(session, appeal_id, "approve_answer", region.coordinator, T0 + hours(75))
    assert appeal.status == Status.ANSWERED
    assert appeal.final_answer_at == T0 + hours(75)
    assert appeal.first_answer_at == T0 + hours(24)  # the interim answer was the first one
    session.refresh(final)
    assert final.review_state == ReviewState.APPROVED

    appeal = act(session, appeal_id, "rate", region.citizen, T0 + hours(100), expect=["rate_good"], score=5,
                 reason="Спасибо, всё убрали")
    assert appeal.status == Status.CLOSED
    assert appeal.rating == 5 and appeal.closed_at == T0 + hours(100)
    rating = session.exec(select(Rating).where(Rating.appeal_id == appeal_id)).one()
    assert (rating.score, rating.citizen_id, rating.comment) == (5, region.citizen.user_id, "Спасибо, всё убрали")

    timeline = events(session, appeal_id)
    assert [e.action for e in timeline] == ["submit", "approve_moderation", "route", "give_interim_answer",
                                           "give_answer", "approve_answer", "rate_good"]
    transitions = [e for e in timeline if e.to_status is not None]
    for prev, nxt in zip(transitions, transitions[1:]):
        assert nxt.from_status == prev.to_status  # the log is a connected path
    assert [e.at for e in timeline] == sorted(e.at for e in timeline)


def test_no_rule_waits_for_coordinator_who_routes_explicitly(session, region):
    appeal_id = submit(session, region, category_id=region.c_misc, now=T0)
    appeal = act(session, appeal_id, "approve_moderation", region.coordinator, T0 + hours(1))
    assert appeal.status == Status.COORDINATION
    assert appeal.organization_id is None and appeal.deadline_at is None
    assert appeal.stage_due_at == msk_end_of_day(2025, 3, 4)

    # without a rule the coordinator (or the system timer) must name the organisation
    perform_refused(session, appeal_id, ValidationFailed, "route", region.coordinator, T0 + hours(2))
    perform_refused(session, appeal_id, ValidationFailed, "route", SYSTEM, T0 + hours(2))
    perform_refused(session, appeal_id, ValidationFailed, "route", region.coordinator, T0 + hours(2),
                    organization_id=987654)
    perform_refused(session, appeal_id, PermissionDenied, "route", region.official, T0 + hours(2),
                    organization_id=region.o_city_admin)

    appeal = act(session, appeal_id, "route", region.coordinator, T0 + hours(3), organization_id=region.o_city_admin)
    assert appeal.status == Status.IN_WORK and appeal.organization_id == region.o_city_admin
    assert appeal.deadline_at == msk_end_of_day(2025, 4, 14)  # the clock counts from submission
    assert json.loads(events(session, appeal_id)[-1].payload) == {"organization_id": region.o_city_admin}


def test_rework_return_then_second_answer_approved(session, region):
    staff = region.staff[region.o_uk]
    appeal_id = to_in_work(session, region)
    act(session, appeal_id, "give_answer", staff, T0 + hours(5), text="Первый вариант ответа без подробностей")
    perform_refused(session, appeal_id, ValidationFailed, "return_for_rework", region.coordinator, T0 + hours(6),
                    reason="Нет фото")  # no code from the fixed list
    perform_refused(session, appeal_id, ValidationFailed, "return_for_rework", region.coordinator, T0 + hours(6),
                    rework_code="no_photo")
    appeal = act(session, appeal_id, "return_for_rework", region.coordinator, T0 + hours(6),
                 reason="Нет фотографии результата", rework_code="no_evidence")
    assert appeal.status == Status.IN_WORK and appeal.stage_due_at is None
    first = session.exec(select(Answer).where(Answer.appeal_id == appeal_id)).one()
    assert first.review_state == ReviewState.RETURNED and first.review_comment == "Нет фотографии результата"
    assert events(session, appeal_id)[-1].reason == "Нет фотографии результата"

    act(session, appeal_id, "give_answer", staff, T0 + hours(8), text=ANSWER_TEXT, attachments=["after.jpg"])
    appeal = act(session, appeal_id, "approve_answer", region.coordinator, T0 + hours(9))
    assert appeal.status == Status.ANSWERED
    answers = session.exec(select(Answer).where(Answer.appeal_id == appeal_id).order_by(Answer.id)).all()
    assert [a.review_state for a in answers] == [ReviewState.RETURNED, ReviewState.APPROVED]
    assert appeal.first_answer_at == appeal.final_answer_at == T0 + hours(9)
    assert [e.action for e in events(session, appeal_id)][-4:] == [
        "give_answer", "return_for_rework", "give_answer", "approve_answer"]


def test_redirect_by_belonging_goes_back_to_coordination_and_is_rerouted(session, region):
    staff = region.staff[region.o_uk]
    appeal_id = to_in_work(session, region)
    deadline = fresh_appeal(session, appeal_id).deadline_at
    perform_refused(session, appeal_id, ValidationFailed, "redirect", staff, T0 + hours(4))

    appeal = act(session, appeal_id, "redirect", staff, T0 + hours(4), reason="Двор обслуживает другая УК")
    assert appeal.status == Status.COORDINATION
    assert appeal.organization_id is None  # out of the first organisation's queue
    assert appeal.stage_due_at == msk_end_of_day(2025, 3, 4)
    assert appeal.deadline_at == deadline  # a redirect does not restart the clock
    redirect = events(session, appeal_id)[-1]
    assert redirect.kind == EventKind.REDIRECT
    assert (redirect.from_status, redirect.to_status) == (Status.IN_WORK, Status.COORDINATION)
    assert json.loads(redirect.payload) == {"from_organization_id": region.o_uk}
    assert redirect.reason == "Двор обслуживает другая УК"

    appeal = act(session, appeal_id, "route", region.coordinator, T0 + hours(6), organization_id=region.o_district_uk)
    assert appeal.status == Status.IN_WORK and appeal.organization_id == region.o_district_uk
    assert appeal.deadline_at == deadline
    # the first organisation no longer works it; the new one does
    perform_refused(session, appeal_id, PermissionDenied, "give_answer", staff, T0 + hours(7), text=ANSWER_TEXT)
    act(session, appeal_id, "give_answer", region.staff[region.o_district_uk], T0 + hours(8), text=ANSWER_TEXT)
    kinds = [(e.action, e.kind) for e in events(session, appeal_id)]
    assert ("redirect", EventKind.REDIRECT) in kinds
    assert sum(1 for e in events(session, appeal_id) if e.kind == EventKind.REDIRECT) == 1


def test_coordinator_may_redirect_from_interim_answer(session, region):
    staff = region.staff[region.o_uk]
    appeal_id = to_in_work(session, region)
    act(session, appeal_id, "give_interim_answer", staff, T0 + hours(3), text=INTERIM_TEXT,
        planned_date=date(2025, 3, 10))
    appeal = act(session, appeal_id, "redirect", region.coordinator, T0 + hours(4), reason="Ошибка маршрутизации")
    assert appeal.status == Status.COORDINATION


def test_clarification_pauses_the_clock_and_resume_moves_the_deadline(session, region):
    staff = region.staff[region.o_uk]
    appeal_id = to_in_work(session, region)
    deadline = fresh_appeal(session, appeal_id).deadline_at
    paused = T0 + hours(5)
    perform_refused(session, appeal_id, ValidationFailed, "request_clarification", staff, paused)
    appeal = act(session, appeal_id, "request_clarification", staff, paused, reason="Уточните номер подъезда")
    assert appeal.status == Status.CLARIFICATION and appeal.paused_at == paused
    assert appeal.deadline_at == deadline

    # while paused the organisation cannot answer, and only the owner may clarify
    perform_refused(session, appeal_id, IllegalTransition, "give_answer", staff, paused + hours(1), text=ANSWER_TEXT)
    perform_refused(session, appeal_id, PermissionDenied, "clarify", region.citizen2, paused + hours(2))
    perform_refused(session, appeal_id, PermissionDenied, "clarify", region.staff[region.o_heat], paused + hours(2))

    resumed = paused + timedelta(days=2, hours=3, minutes=17)
    appeal = act(session, appeal_id, "clarify", region.citizen, resumed, reason="Подъезд №3")
    assert appeal.status == Status.IN_WORK and appeal.paused_at is None
    assert appeal.deadline_at == deadline + (resumed - paused)

    # a second pause, resumed by the organisation itself (e.g. after a phone call)
    act(session, appeal_id, "request_clarification", staff, resumed + hours(1), reason="Нужна фотография")
    appeal = act(session, appeal_id, "clarify", staff, resumed + hours(11))
    assert appeal.deadline_at == deadline + (resumed - paused) + hours(10)


def test_auto_reject_when_the_citizen_stays_silent(session, region):
    staff = region.staff[region.o_uk]
    appeal_id = to_in_work(session, region)
    act(session, appeal_id, "request_clarification", staff, T0 + hours(5), reason="Уточните адрес")
    perform_refused(session, appeal_id, PermissionDenied, "auto_reject_silent", region.coordinator, T0 + hours(200),
                    reason=ModerationReason.NO_CLARIFICATION.value)
    perform_refused(session, appeal_id, ValidationFailed, "auto_reject_silent", SYSTEM, T0 + hours(200))
    appeal = act(session, appeal_id, "auto_reject_silent", SYSTEM, T0 + hours(200),
                 reason="Нет уточнения в течение 5 дней")
    assert appeal.status == Status.REJECTED
    assert appeal.closed_at == T0 + hours(200) and appeal.paused_at is None
    last = events(session, appeal_id)[-1]
    assert last.actor_role == Role.SYSTEM and last.actor_id is None
    assert json.loads(last.payload) == {"reason_code": ModerationReason.NO_CLARIFICATION.value}
    # a rejected appeal is final: nothing more can happen to it
    perform_refused(session, appeal_id, IllegalTransition, "clarify", region.citizen, T0 + hours(201))
    refuse(session, appeal_id, IllegalTransition, appeals.change_category, actor=region.coordinator,
           category_id=region.c_misc)


def test_rejection_on_moderation_with_a_reason_from_the_list(session, region):
    appeal_id = submit(session, region)
    perform_refused(session, appeal_id, ValidationFailed, "reject", region.coordinator, T0 + hours(1))
    perform_refused(session, appeal_id, ValidationFailed, "reject", region.coordinator, T0 + hours(1),
                    reason="Не нравится текст")
    perform_refused(session, appeal_id, PermissionDenied, "reject", region.staff[region.o_uk], T0 + hours(1),
                    reason=ModerationReason.SPAM.value)
    appeal = act(session, appeal_id, "reject", region.admin, T0 + hours(1), reason=ModerationReason.SPAM.value)
    assert appeal.status == Status.REJECTED and appeal.closed_at == T0 + hours(1) and appeal.stage_due_at is None
    assert json.loads(events(session, appeal_id)[-1].payload) == {"reason_code": "spam"}


@pytest.mark.parametrize("score, status", [(1, Status.CONTROL), (2, Status.CONTROL), (3, Status.CLOSED),
                                           (4, Status.CLOSED), (5, Status.CLOSED)])
def test_rating_low_goes_under_control_high_closes(session, region, score, status):
    appeal_id, t = to_answered(session, region)
    expected_action = "rate_poor" if score <= 2 else "rate_good"
    appeal = act(session, appeal_id, "rate", region.citizen, t + hours(1), expect=[expected_action], score=score)
    assert appeal.status == status and appeal.rating == score
    assert (appeal.closed_at is not None) == (status == Status.CLOSED)
    assert table_count(session, Rating) == 1
    # rated once: a second rating of the same answer is refused
    refuse(session, appeal_id, IllegalTransition, appeals.rate, actor=region.citizen, score=5, now=t + hours(2))


def test_low_rating_then_re_review_then_new_rating(session, region):
    """After a re-review the citizen rates the new answer: the rating row is updated, not duplicated."""
    staff = region.staff[region.o_uk]
    appeal_id, t = to_answered(session, region)
    act(session, appeal_id, "rate", region.citizen, t + hours(1), expect=["rate_poor"], score=1,
        reason="Ничего не сделано")
    appeal = act(session, appeal_id, "re_review", region.coordinator, t + hours(2), reason="Проверить на месте")
    assert appeal.status == Status.IN_WORK
    act(session, appeal_id, "give_answer", staff, t + hours(30), text=ANSWER_TEXT)
    act(session, appeal_id, "approve_answer", region.coordinator, t + hours(31))
    appeal = act(session, appeal_id, "rate", region.citizen, t + hours(40), expect=["rate_good"], score=4)
    assert appeal.status == Status.CLOSED and appeal.rating == 4
    ratings = session.exec(select(Rating).where(Rating.appeal_id == appeal_id)).all()
    assert [(r.score, r.created_at) for r in ratings] == [(4, t + hours(40))]
    scores = [json.loads(e.payload)["score"] for e in events(session, appeal_id) if e.action.startswith("rate_")]
    assert scores == [1, 4]  # the history of both ratings stays in the log


def test_dispute_then_re_review_sets_a_new_deadline(session, region):
    appeal_id, t = to_answered(session, region)
    act(session, appeal_id, "rate", region.citizen, t + hours(1), expect=["rate_good"], score=3)
    perform_refused(session, appeal_id, ValidationFailed, "dispute", region.citizen, t + hours(2))
    perform_refused(session, appeal_id, PermissionDenied, "dispute", region.citizen2, t + hours(2),
                    reason="Яма на месте")
    appeal = act(session, appeal_id, "dispute", region.citizen, t + hours(2), reason="Мусор снова не вывозят")
    assert appeal.status == Status.CONTROL and appeal.closed_at is None
    dispute = session.exec(select(Dispute).where(Dispute.appeal_id == appeal_id)).one()
    assert dispute.text == "Мусор снова не вывозят" and dispute.resolved_at is None

    perform_refused(session, appeal_id, ValidationFailed, "re_review", region.coordinator, t + hours(3))
    review_at = datetime(2025, 3, 7, 15, 0, tzinfo=MSK)  # Friday
    appeal = act(session, appeal_id, "re_review", region.coordinator, review_at, reason="Доводы заявителя обоснованы")
    assert appeal.status == Status.IN_WORK and appeal.closed_at is None
    # re-review: min(30, 10) working days from Friday 7 March; 10 March is a working Monday → 21 March
    assert appeal.deadline_at == msk_end_of_day(2025, 3, 21)
    session.refresh(dispute)
    assert dispute.outcome == "re_review" and dispute.resolved_at == review_at


def test_dispute_then_confirm_closure(session, region):
    appeal_id, t = to_answered(session, region)
    appeal = act(session, appeal_id, "dispute", region.citizen, t + hours(2), reason="Ответ не по существу")
    assert appeal.status == Status.CONTROL
    deadline = appeal.deadline_at
    perform_refused(session, appeal_id, PermissionDenied, "confirm_closure", region.citizen, t + hours(3))
    appeal = act(session, appeal_id, "confirm_closure", region.coordinator, t + hours(3))
    assert appeal.status == Status.CLOSED and appeal.closed_at == t + hours(3)
    assert appeal.deadline_at == deadline
    dispute = session.exec(select(Dispute).where(Dispute.appeal_id == appeal_id)).one()
    assert (dispute.outcome, dispute.resolved_at) == ("confirmed", t + hours(3))


def test_one_extension_only_and_it_needs_a_reason(session, region):
    staff = region.staff[region.o_uk]
    appeal_id = to_in_work(session, region)
    deadline = fresh_appeal(session, appeal_id).deadline_at
    assert deadline == msk_end_of_day(2025, 4, 14)
    call = appeals.extend_deadline
    refuse(session, appeal_id, ValidationFailed, call, actor=staff, days=5, reason=None)
    refuse(session, appeal_id, ValidationFailed, call, actor=staff, days=5, reason="  ")
    refuse(session, appeal_id, ValidationFailed, call, actor=staff, days=0, reason="Нужна экспертиза")
    refuse(session, appeal_id, ValidationFailed, call, actor=staff, days=31, reason="Нужна экспертиза")
    refuse(session, appeal_id, PermissionDenied, call, actor=region.citizen, days=5, reason="Хочу")
    refuse(session, appeal_id, PermissionDenied, call, actor=region.staff[region.o_heat], days=5, reason="Чужое")

    appeal = act(session, appeal_id, "extend", staff, T0 + hours(10), expect=["extend"], days=5,
                 reason="Нужна экспертиза подрядчика")
    # five working days after Monday 14 April 2025 → Monday 21 April
    assert appeal.deadline_at == msk_end_of_day(2025, 4, 21)
    assert appeal.extended is True and appeal.status == Status.IN_WORK
    ext = events(session, appeal_id)[-1]
    assert ext.kind == EventKind.EXTENSION and (ext.from_status, ext.to_status) == (None, None)
    assert json.loads(ext.payload)["days"] == 5
    assert datetime.fromisoformat(json.loads(ext.payload)["old_deadline"]) == deadline

    err = refuse(session, appeal_id, IllegalTransition, call, actor=region.coordinator, days=3,
                 reason="Ещё раз")
    assert "один раз" in err.message


def test_extension_only_while_in_work(session, region):
    appeal_id = submit(session, region, category_id=region.c_misc)
    refuse(session, appeal_id, IllegalTransition, appeals.extend_deadline, actor=region.coordinator, days=5,
           reason="Рано")
    act(session, appeal_id, "approve_moderation", region.coordinator, T0 + hours(1))
    refuse(session, appeal_id, IllegalTransition, appeals.extend_deadline, actor=region.coordinator, days=5,
           reason="Ещё не в работе")


def test_change_category_logs_an_event_and_routing_follows_it(session, region):
    appeal_id = submit(session, region, category_id=region.c_misc)
    act(session, appeal_id, "approve_moderation", region.coordinator, T0 + hours(1))
    refuse(session, appeal_id, PermissionDenied, appeals.change_category, actor=region.citizen,
           category_id=region.c_yard)
    refuse(session, appeal_id, ValidationFailed, appeals.change_category, actor=region.coordinator,
           category_id=987654)
    appeal = act(session, appeal_id, "change_category", region.coordinator, T0 + hours(2), category_id=region.c_yard,
                 reason="Это уборка двора")
    assert appeal.category_id == region.c_yard and appeal.status == Status.COORDINATION
    ev = events(session, appeal_id)[-1]
    assert ev.kind == EventKind.CATEGORY_CHANGE and (ev.from_status, ev.to_status) == (None, None)
    assert json.loads(ev.payload) == {"old_category_id": region.c_misc, "new_category_id": region.c_yard}
    # now a rule matches: the timer (system) can route without naming the organisation
    appeal = act(session, appeal_id, "route", SYSTEM, T0 + hours(3))
    assert appeal.organization_id == region.o_uk


# --- refusals ---

def test_refusals_leave_everything_unchanged(session, region):
    appeal_id = submit(session, region)
    later = T0 + hours(1)
    coord, citizen = region.coordinator, region.citizen
    # illegal transitions
    perform_refused(session, appeal_id, IllegalTransition, "approve_answer", coord, later)
    perform_refused(session, appeal_id, IllegalTransition, "route", coord, later, organization_id=region.o_uk)
    perform_refused(session, appeal_id, IllegalTransition, "launch_rocket", coord, later)
    # wrong role
    perform_refused(session, appeal_id, PermissionDenied, "approve_moderation", citizen, later)
    perform_refused(session, appeal_id, PermissionDenied, "approve_moderation", region.official, later)
    perform_refused(session, appeal_id, PermissionDenied, "approve_moderation", region.staff[region.o_uk], later)
    # a moderation rejection needs a reason from the list
    perform_refused(session, appeal_id, ValidationFailed, "reject", coord, later, reason="")
    perform_refused(session, appeal_id, ValidationFailed, "reject", coord, later, reason="оскорбления")

    act(session, appeal_id, "approve_moderation", coord, later, expect=["approve_moderation", "route"])
    staff, other_staff = region.staff[region.o_uk], region.staff[region.o_heat]
    t = later + hours(1)
    # organisation staff of another organisation
    perform_refused(session, appeal_id, PermissionDenied, "give_answer", other_staff, t, text=ANSWER_TEXT)
    perform_refused(session, appeal_id, PermissionDenied, "request_clarification", other_staff, t, reason="Адрес?")
    # too short answer text, missing planned date, a planned date in the past, a datetime instead of a date
    perform_refused(session, appeal_id, ValidationFailed, "give_answer", staff, t, text="  Сделано  ")
    perform_refused(session, appeal_id, ValidationFailed, "give_answer", staff, t)
    perform_refused(session, appeal_id, ValidationFailed, "give_interim_answer", staff, t, text=INTERIM_TEXT)
    perform_refused(session, appeal_id, ValidationFailed, "give_interim_answer", staff, t, text=INTERIM_TEXT,
                    planned_date=date(2025, 3, 2))
    perform_refused(session, appeal_id, ValidationFailed, "give_interim_answer", staff, t, text=INTERIM_TEXT,
                    planned_date=datetime(2025, 3, 20, 12, 0, tzinfo=MSK))
    perform_refused(session, appeal_id, ValidationFailed, "give_interim_answer", staff, t, text="Скоро",
                    planned_date=date(2025, 3, 20))
    # the citizen cannot act for the organisation
    perform_refused(session, appeal_id, PermissionDenied, "give_answer", citizen, t, text=ANSWER_TEXT)
    # today's date is a valid planned date (local today in the region)
    act(session, appeal_id, "give_interim_answer", staff, t, text=INTERIM_TEXT, planned_date=date(2025, 3, 3))

    act(session, appeal_id, "give_answer", staff, t + hours(1), text=ANSWER_TEXT)
    act(session, appeal_id, "approve_answer", coord, t + hours(2))
    t = t + hours(3)
    # bad scores, another citizen, wrong role
    for score in (0, 6, -1, 2.5, "5", None, True):
        refuse(session, appeal_id, ValidationFailed, appeals.rate, actor=citizen, score=score, now=t)
    refuse(session, appeal_id, PermissionDenied, appeals.rate, actor=region.citizen2, score=5, now=t)
    refuse(session, appeal_id, PermissionDenied, appeals.rate, actor=coord, score=5, now=t)
    # the action and the score must agree when perform is called directly
    perform_refused(session, appeal_id, ValidationFailed, "rate_good", citizen, t, score=1)
    perform_refused(session, appeal_id, ValidationFailed, "rate_poor", citizen, t, score=5)
    perform_refused(session, appeal_id, ValidationFailed, "rate_good", citizen, t)
    # the status of a reviewed answer cannot be reviewed again
    perform_refused(session, appeal_id, IllegalTransition, "approve_answer", coord, t)
    assert table_count(session, Rating) == 0 and table_count(session, Dispute) == 0


def test_unknown_appeal_is_not_found(session, region):
    with pytest.raises(NotFound) as info:
        appeals.perform(session, actor=region.coordinator, appeal_id=424242, action="approve_moderation", now=T0)
    assert is_russian(info.value.message) and "424242" in info.value.message
    with pytest.raises(NotFound):
        appeals.extend_deadline(session, actor=region.coordinator, appeal_id=424242, days=3, reason="Причина")


def test_anonymous_actors_cannot_act_on_appeals_without_an_owner(session, region):
    """A coordinator's appeal (phone channel) has no citizen; an actor without an identity must not pass
    as its owner, nor an org-staff account without an organisation as its executor."""
    appeal_id = submit(session, region, actor=region.coordinator, category_id=region.c_misc)
    assert fresh_appeal(session, appeal_id).citizen_id is None
    act(session, appeal_id, "approve_moderation", region.coordinator, T0 + hours(1))
    act(session, appeal_id, "route", region.coordinator, T0 + hours(2), organization_id=region.o_uk)
    act(session, appeal_id, "give_answer", region.staff[region.o_uk], T0 + hours(3), text=ANSWER_TEXT)
    act(session, appeal_id, "approve_answer", region.coordinator, T0 + hours(4))
    nobody = Actor(user_id=None, role=Role.CITIZEN)
    refuse(session, appeal_id, PermissionDenied, appeals.rate, actor=nobody, score=5, now=T0 + hours(5))
    perform_refused(session, appeal_id, PermissionDenied, "dispute", nobody, T0 + hours(5), reason="Не согласен")

    appeal_id = submit(session, region, actor=region.coordinator, category_id=region.c_misc)
    act(session, appeal_id, "approve_moderation", region.coordinator, T0 + hours(1))
    orgless = Actor(user_id=region.citizen.user_id, role=Role.ORG_STAFF, organization_id=None)
    refuse(session, appeal_id, PermissionDenied, appeals.extend_deadline, actor=orgless, days=5, reason="Причина")


@pytest.mark.parametrize("kwargs, exc", [
    ({"text": "Ямы"}, ValidationFailed),
    ({"text": "   коротко   "}, ValidationFailed),
    ({"text": "а" * 5001}, ValidationFailed),
    ({"latitude": 91.0, "longitude": 30.0}, ValidationFailed),
    ({"latitude": 59.9, "longitude": -180.5}, ValidationFailed),
    ({"latitude": 59.9}, ValidationFailed),
    ({"longitude": 30.3}, ValidationFailed),
    ({"latitude": float("nan"), "longitude": 30.3}, ValidationFailed),
    ({"category_id": 987654}, ValidationFailed),
    ({"territory_id": 987654}, ValidationFailed),
    ({"actor": "staff"}, PermissionDenied),
    ({"actor": "official"}, PermissionDenied),
])
def test_submit_refusals_create_nothing(session, region, kwargs, exc):
    kwargs = dict(kwargs)
    if kwargs.get("actor") == "staff":
        kwargs["actor"] = region.staff[region.o_uk]
    elif kwargs.get("actor") == "official":
        kwargs["actor"] = region.official
    with pytest.raises(exc) as info:
        submit(session, region, **kwargs)
    assert is_russian(info.value.message), info.value.message
    session.commit()
    assert table_count(session, Appeal) == 0 and table_count(session, AppealEvent) == 0


def test_submit_accepts_boundaries(session, region):
    a = submit(session, region, text="а" * 10, latitude=-90.0, longitude=180.0)
    b = submit(session, region, text="  " + "б" * 5000 + "  ", territory_id=None)
    assert fresh_appeal(session, a).latitude == -90.0
    assert len(fresh_appeal(session, b).text) == 5000  # stripped
    assert fresh_appeal(session, b).territory_id is None
    c = submit(session, region, actor=region.coordinator)
    assert fresh_appeal(session, c).citizen_id is None
    for appeal_id in (a, b, c):
        assert_consistent(session, appeal_id)


def test_expedited_and_calendar_categories(session, region):
    heating = to_in_work(session, region, category_id=region.c_heating)
    # expedited: 10 working days from Monday 3 March 2025 → Monday 17 March
    assert fresh_appeal(session, heating).deadline_at == msk_end_of_day(2025, 3, 17)
    assert fresh_appeal(session, heating).organization_id == region.o_heat
    # 20 calendar days from 26 April 2025 → 16 May (a Friday, a working day)
    created = datetime(2025, 4, 26, 12, 0, tzinfo=MSK)
    lighting = to_in_work(session, region, category_id=region.c_lighting, now=created)
    assert fresh_appeal(session, lighting).deadline_at == msk_end_of_day(2025, 5, 16)
    # 20 calendar days from 12 April 2025 → Friday 2 May, a day off (moved from 4 January); 3–4 May is a
    # weekend, so the deadline moves to Monday 5 May
    created = datetime(2025, 4, 12, 12, 0, tzinfo=MSK)
    lighting = to_in_work(session, region, category_id=region.c_lighting, now=created)
    assert fresh_appeal(session, lighting).deadline_at == msk_end_of_day(2025, 5, 5)


def test_region_time_zone_comes_from_the_settings(session, region, monkeypatch):
    """A Kamchatka deployment counts days in Kamchatka time (UTC+12)."""
    created = datetime(2025, 12, 29, 13, 0, tzinfo=timezone.utc)  # 30 Dec 01:00 in Kamchatka, 29 Dec in Moscow
    monkeypatch.setenv("POS_REGION_TZ", "Asia/Kamchatka")
    kam = to_in_work(session, region, category_id=region.c_heating, now=created)
    # from 30 Dec: 31 Dec and 1–11 Jan are days off → 10th working day is Friday 23 Jan 2026, 23:59:59 local
    assert fresh_appeal(session, kam).deadline_at == datetime(2026, 1, 23, 23, 59, 59, tzinfo=KAMCHATKA)
    assert fresh_appeal(session, kam).deadline_at == datetime(2026, 1, 23, 11, 59, 59, tzinfo=timezone.utc)
    # "today" for a planned date is the region's today: 31 Dec 13:00 UTC is already 1 Jan in Kamchatka
    now = datetime(2025, 12, 31, 13, 0, tzinfo=timezone.utc)
    perform_refused(session, kam, ValidationFailed, "give_interim_answer", region.staff[region.o_heat], now,
                    text=INTERIM_TEXT, planned_date=date(2025, 12, 31))
    act(session, kam, "give_interim_answer", region.staff[region.o_heat], now, text=INTERIM_TEXT,
        planned_date=date(2026, 1, 1))

    monkeypatch.setenv("POS_REGION_TZ", "Europe/Moscow")
    msk = to_in_work(session, region, category_id=region.c_heating, now=created)
    # from 29 Dec in Moscow: 30 Dec is a working Tuesday, then 12–16, 19–22 Jan → Thursday 22 Jan
    assert fresh_appeal(session, msk).deadline_at == msk_end_of_day(2026, 1, 22)


def test_every_status_change_is_an_event_in_a_long_history(session, region):
    """A long, winding history: the stored status agrees with the log after every step (checked by act)
    and the log is a connected path from submission to closure."""
    staff = region.staff[region.o_uk]
    appeal_id = to_in_work(session, region)
    t = T0 + hours(2)
    steps = [
        ("request_clarification", staff, {"reason": "Адрес?"}),
        ("clarify", region.citizen, {}),
        ("give_interim_answer", staff, {"text": INTERIM_TEXT, "planned_date": date(2025, 4, 1)}),
        ("redirect", staff, {"reason": "Не наш дом"}),
        ("route", region.coordinator, {"organization_id": region.o_uk}),
        ("give_answer", staff, {"text": ANSWER_TEXT}),
        ("return_for_rework", region.coordinator, {"reason": "Нет фото", "rework_code": "no_evidence"}),
        ("give_answer", staff, {"text": ANSWER_TEXT}),
        ("approve_answer", region.coordinator, {}),
        ("dispute", region.citizen, {"reason": "Не убрано"}),
        ("re_review", region.coordinator, {"reason": "Проверка"}),
        ("give_answer", staff, {"text": ANSWER_TEXT}),
        ("approve_answer", region.coordinator, {}),
        ("auto_close", SYSTEM, {}),
        ("dispute", region.citizen, {"reason": "Опять мусор"}),
        ("confirm_closure", region.admin, {}),
    ]
    for action, actor, params in steps:
        t += hours(7)
        act(session, appeal_id, action, actor, t, **params)
    timeline = events(session, appeal_id)
    transitions = [e for e in timeline if e.to_status is not None]
    assert transitions[0].from_status is None
    for prev, nxt in zip(transitions, transitions[1:]):
        assert nxt.from_status == prev.to_status
    assert fresh_appeal(session, appeal_id).status == Status.CLOSED
    assert len(timeline) == 3 + len(steps)
