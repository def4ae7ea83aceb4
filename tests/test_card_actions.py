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
                                                   "redirect"}
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
