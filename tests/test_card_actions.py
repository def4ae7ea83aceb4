"""The card's actions: what each user is offered, and the form turned into service calls."""

from datetime import date, timedelta

import pytest

from pos_dashboard.domain.enums import Status
from pos_dashboard.services.card_actions import card_actions, perform_from_form
from pos_dashboard.services.errors import IllegalTransition, PermissionDenied, ValidationFailed

from .factories import build_region, events, fresh_appeal, submit


def _offered(session, appeal_id, actor) -> set[str]:
    return {a["action"] for a in card_actions(fresh_appeal(session, appeal_id), actor)}


def test_each_user_is_offered_only_what_they_may_do(session):
    r = build_region(session)
    appeal_id = submit(session, r)
    assert _offered(session, appeal_id, r.coordinator) == {"approve_moderation", "reject"}
    assert _offered(session, appeal_id, r.official) == set()
    perform_from_form(session, actor=r.coordinator, appeal_id=appeal_id, form={"action": "approve_moderation"})
    owner = r.staff[fresh_appeal(session, appeal_id).organization_id]
    assert _offered(session, appeal_id, owner) == {"give_interim_answer", "give_answer", "request_clarification",
                                                   "redirect", "extend"}
    assert _offered(session, appeal_id, r.staff[r.o_heat]) == set()


def test_form_values_reach_the_services_and_bad_input_is_refused_in_russian(session):
    r = build_region(session)
    appeal_id = submit(session, r)
    with pytest.raises(ValidationFailed, match="укажите причину"):
        perform_from_form(session, actor=r.coordinator, appeal_id=appeal_id, form={"action": "reject"})
    perform_from_form(session, actor=r.coordinator, appeal_id=appeal_id, form={"action": "approve_moderation"})
    staff = r.staff[fresh_appeal(session, appeal_id).organization_id]
    with pytest.raises(ValidationFailed, match="плановую дату"):
        perform_from_form(session, actor=staff, appeal_id=appeal_id,
                          form={"action": "give_interim_answer", "comment": "Работы запланированы", "planned_date": "завтра"})
    planned = (date.today() + timedelta(days=30)).isoformat()  # the form acts now, not at the factory's T0
    perform_from_form(session, actor=staff, appeal_id=appeal_id,
                      form={"action": "give_interim_answer", "comment": "Работы запланированы", "planned_date": planned})
    assert fresh_appeal(session, appeal_id).status == Status.INTERIM_ANSWER
    assert events(session, appeal_id)[-1].action == "give_interim_answer"
    with pytest.raises(PermissionDenied):
        perform_from_form(session, actor=r.staff[r.o_heat], appeal_id=appeal_id,
                          form={"action": "give_answer", "comment": "Ответ другой организации"})
    with pytest.raises(IllegalTransition):
        perform_from_form(session, actor=r.coordinator, appeal_id=appeal_id, form={"action": "approve_answer"})
    with pytest.raises(ValidationFailed, match="Выберите действие"):
        perform_from_form(session, actor=r.coordinator, appeal_id=appeal_id, form={"action": "route"})


def _to_answered(session, r) -> int:
    from .factories import ANSWER_TEXT
    appeal_id = submit(session, r)
    perform_from_form(session, actor=r.coordinator, appeal_id=appeal_id, form={"action": "approve_moderation"})
    staff = r.staff[fresh_appeal(session, appeal_id).organization_id]
    perform_from_form(session, actor=staff, appeal_id=appeal_id, form={"action": "give_answer", "comment": ANSWER_TEXT})
    perform_from_form(session, actor=r.coordinator, appeal_id=appeal_id, form={"action": "approve_answer"})
    return appeal_id


def test_the_citizen_rates_from_the_card_and_a_low_score_goes_under_control(session):
    from .factories import assert_unchanged_after_refusal, snapshot
    r = build_region(session)
    appeal_id = _to_answered(session, r)
    offers = {a["action"]: a for a in card_actions(fresh_appeal(session, appeal_id), r.citizen)}
    assert set(offers) == {"rate", "dispute"}
    assert (offers["rate"]["needs"], offers["dispute"]["needs"]) == ("score", "reason")
    assert _offered(session, appeal_id, r.citizen2) == set()
    before = snapshot(session, appeal_id)
    for form, error in [({"score": "7"}, ValidationFailed), ({"score": ""}, ValidationFailed)]:
        with pytest.raises(error, match="от 1 до 5"):
            perform_from_form(session, actor=r.citizen, appeal_id=appeal_id, form={"action": "rate", **form})
    with pytest.raises(PermissionDenied):
        perform_from_form(session, actor=r.citizen2, appeal_id=appeal_id, form={"action": "rate", "score": "5"})
    with pytest.raises(PermissionDenied):
        perform_from_form(session, actor=r.coordinator, appeal_id=appeal_id, form={"action": "rate", "score": "5"})
    assert_unchanged_after_refusal(session, appeal_id, before)
    perform_from_form(session, actor=r.citizen, appeal_id=appeal_id,
                      form={"action": "rate", "score": "2", "comment": "Мусор снова не вывезли"})
    appeal = fresh_appeal(session, appeal_id)
    assert (appeal.status, appeal.rating) == (Status.CONTROL, 2)
    last = events(session, appeal_id)[-1]
    assert (last.action, last.reason, last.actor_id) == ("rate_poor", "Мусор снова не вывезли", r.citizen.user_id)


def test_the_citizen_disputes_a_closed_appeal_with_a_reason(session):
    r = build_region(session)
    appeal_id = _to_answered(session, r)
    perform_from_form(session, actor=r.citizen, appeal_id=appeal_id, form={"action": "rate", "score": "4"})
    assert fresh_appeal(session, appeal_id).status == Status.CLOSED
    assert _offered(session, appeal_id, r.citizen) == {"dispute"}
    with pytest.raises(ValidationFailed, match="укажите причину"):
        perform_from_form(session, actor=r.citizen, appeal_id=appeal_id, form={"action": "dispute", "comment": " "})
    with pytest.raises(PermissionDenied):
        perform_from_form(session, actor=r.citizen2, appeal_id=appeal_id,
                          form={"action": "dispute", "comment": "Не согласен"})
    perform_from_form(session, actor=r.citizen, appeal_id=appeal_id,
                      form={"action": "dispute", "comment": "Контейнеры так и стоят переполненные"})
    assert fresh_appeal(session, appeal_id).status == Status.CONTROL


def test_the_citizen_replies_to_a_clarification_request(session):
    r = build_region(session)
    appeal_id = submit(session, r)
    perform_from_form(session, actor=r.coordinator, appeal_id=appeal_id, form={"action": "approve_moderation"})
    staff = r.staff[fresh_appeal(session, appeal_id).organization_id]
    perform_from_form(session, actor=staff, appeal_id=appeal_id,
                      form={"action": "request_clarification", "comment": "Уточните номер подъезда"})
    offers = card_actions(fresh_appeal(session, appeal_id), r.citizen)
    assert [(a["action"], a["label"], a["needs"]) for a in offers] == [
        ("clarify", "Ответить на запрос уточнения", "reply")]
    assert [a["needs"] for a in card_actions(fresh_appeal(session, appeal_id), staff)] == ["nothing"]
    with pytest.raises(ValidationFailed, match="Напишите ответ"):
        perform_from_form(session, actor=r.citizen, appeal_id=appeal_id, form={"action": "clarify", "comment": ""})
    with pytest.raises(PermissionDenied):
        perform_from_form(session, actor=r.citizen2, appeal_id=appeal_id,
                          form={"action": "clarify", "comment": "Подъезд 3"})
    assert fresh_appeal(session, appeal_id).status == Status.CLARIFICATION
    perform_from_form(session, actor=r.citizen, appeal_id=appeal_id, form={"action": "clarify", "comment": "Подъезд 3"})
    appeal = fresh_appeal(session, appeal_id)
    assert (appeal.status, appeal.paused_at) == (Status.IN_WORK, None)
    assert events(session, appeal_id)[-1].reason == "Подъезд 3"


def test_the_citizen_withdraws_an_appeal_only_while_it_is_in_moderation(session):
    from .factories import T0, assert_unchanged_after_refusal, snapshot
    r = build_region(session)
    appeal_id, routed_id = submit(session, r), submit(session, r)
    assert _offered(session, appeal_id, r.citizen) == {"withdraw"}
    assert _offered(session, appeal_id, r.citizen2) == set()
    before = snapshot(session, appeal_id)
    with pytest.raises(PermissionDenied):
        perform_from_form(session, actor=r.citizen2, appeal_id=appeal_id, form={"action": "withdraw"})
    with pytest.raises(PermissionDenied):
        perform_from_form(session, actor=r.coordinator, appeal_id=appeal_id, form={"action": "withdraw"})
    assert_unchanged_after_refusal(session, appeal_id, before)
    perform_from_form(session, actor=r.citizen, appeal_id=appeal_id, form={"action": "withdraw"})
    appeal = fresh_appeal(session, appeal_id)
    assert appeal.status == Status.WITHDRAWN and appeal.closed_at is not None and appeal.stage_due_at is None
    assert _offered(session, appeal_id, r.citizen) == set() and _offered(session, appeal_id, r.coordinator) == set()
    perform_from_form(session, actor=r.coordinator, appeal_id=routed_id, form={"action": "approve_moderation"})
    assert _offered(session, routed_id, r.citizen) == set()
    with pytest.raises(IllegalTransition, match="невозможно"):
        perform_from_form(session, actor=r.citizen, appeal_id=routed_id, form={"action": "withdraw"})
    from pos_dashboard.analytics.my_appeals import fetch_my_appeals
    rows = {row["id"]: row for row in fetch_my_appeals(session, actor=r.citizen, now=T0).rows}
    assert (rows[appeal_id]["status_label"], rows[appeal_id]["left"]) == ("Отозвано заявителем", "")
