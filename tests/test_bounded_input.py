"""Bounded input: every free text is checked against its limit in the services (a refusal writes
nothing and speaks Russian), the queue's filters are cut to their caps, ids out of the database's
range are simply not found, and the log takes a bounded share of what a client reports."""

import logging
from datetime import timedelta

import pytest

from pos_dashboard.analytics.appeal_card import load_card
from pos_dashboard.analytics.queue import QueueFilter, fetch_queue_page
from pos_dashboard.domain import limits
from pos_dashboard.domain.enums import Status
from pos_dashboard.domain.models import Organization
from pos_dashboard.failures import LOG_TEXT_MAX, frontend_exception_handler
from pos_dashboard.services import appeals
from pos_dashboard.services.card_actions import card_actions, perform_from_form
from pos_dashboard.services.errors import NotFound, ValidationFailed

from .factories import (T0, assert_unchanged_after_refusal, build_region, fresh_appeal, hours, is_russian,
                        local_today, snapshot, submit)


def _in_work(session):
    r = build_region(session)
    appeal_id = submit(session, r)
    appeals.perform(session, actor=r.coordinator, appeal_id=appeal_id, action="approve_moderation", now=T0 + hours(1))
    staff = r.staff[fresh_appeal(session, appeal_id).organization_id]
    return r, appeal_id, staff


def test_a_900000_character_interim_answer_is_refused_in_russian_and_nothing_is_stored(session):
    r, appeal_id, staff = _in_work(session)
    before = snapshot(session, appeal_id)
    planned = local_today(T0) + timedelta(days=20)
    with pytest.raises(ValidationFailed) as refused:
        appeals.perform(session, actor=staff, appeal_id=appeal_id, action="give_interim_answer",
                        text="х" * 900_000, planned_date=planned, now=T0 + hours(2))
    assert refused.value.message == "Текст ответа: не больше 10\u00a0000 символов (введено 900\u00a0000)"
    assert is_russian(refused.value.message)
    assert_unchanged_after_refusal(session, appeal_id, before)
    # At the limit it is accepted.
    appeals.perform(session, actor=staff, appeal_id=appeal_id, action="give_interim_answer",
                    text="х" * limits.ANSWER_TEXT_MAX, planned_date=planned, now=T0 + hours(2))
    assert fresh_appeal(session, appeal_id).status == Status.INTERIM_ANSWER


def test_a_100000_character_final_answer_through_the_form_is_refused(session):
    r, appeal_id, staff = _in_work(session)
    before = snapshot(session, appeal_id)
    with pytest.raises(ValidationFailed, match="не больше 10\u00a0000 символов") as refused:
        perform_from_form(session, actor=staff, appeal_id=appeal_id,
                          form={"action": "give_answer", "comment": "ответ " * 20_000})
    assert is_russian(refused.value.message)
    assert_unchanged_after_refusal(session, appeal_id, before)


def test_reasons_comments_and_citizen_texts_have_their_limits(session):
    r, appeal_id, staff = _in_work(session)
    before = snapshot(session, appeal_id)
    with pytest.raises(ValidationFailed, match="Причина или комментарий: не больше 2\u00a0000 символов"):
        appeals.perform(session, actor=staff, appeal_id=appeal_id, action="request_clarification",
                        reason="?" * (limits.REASON_MAX + 1), now=T0 + hours(2))
    with pytest.raises(ValidationFailed, match="Причина продления: не больше"):
        appeals.extend_deadline(session, actor=staff, appeal_id=appeal_id, days=5, reason="п" * 2_001,
                                now=T0 + hours(2))
    with pytest.raises(ValidationFailed, match="ожидается текст"):  # any client can send any type
        perform_from_form(session, actor=staff, appeal_id=appeal_id, form={"action": "redirect", "comment": ["x"]})
    assert_unchanged_after_refusal(session, appeal_id, before)
    # The citizen's clarification may be as long as an appeal, a staff member's reason may not.
    appeals.perform(session, actor=staff, appeal_id=appeal_id, action="request_clarification",
                    reason="Уточните номер подъезда", now=T0 + hours(2))
    appeals.perform(session, actor=r.citizen, appeal_id=appeal_id, action="clarify",
                    reason="у" * limits.CITIZEN_TEXT_MAX, now=T0 + hours(3))
    assert fresh_appeal(session, appeal_id).status == Status.IN_WORK


def test_appeal_text_and_address_are_bounded_at_submission(session):
    r = build_region(session)
    with pytest.raises(ValidationFailed, match="Текст обращения: не больше 5\u00a0000 символов"):
        submit(session, r, text="т" * 5_001)
    with pytest.raises(ValidationFailed, match="Текст обращения: не меньше 10 символов"):
        submit(session, r, text="коротко")
    with pytest.raises(ValidationFailed, match="Адрес: не больше 500 символов"):
        submit(session, r, address="ул. " + "Длинная" * 100)
    assert submit(session, r, address="  ул. Ленина, д. 5  ") > 0


def test_the_card_offers_each_text_with_its_limit(session):
    r, appeal_id, staff = _in_work(session)
    offered = {a["action"]: a["max_length"] for a in card_actions(fresh_appeal(session, appeal_id), staff)}
    assert offered == {"give_interim_answer": limits.ANSWER_TEXT_MAX, "give_answer": limits.ANSWER_TEXT_MAX,
                       "request_clarification": limits.REASON_MAX, "redirect": limits.REASON_MAX,
                       "extend": limits.REASON_MAX}


def test_a_900_kb_filter_is_cut_to_its_cap_not_turned_into_an_error(session):
    r, appeal_id, staff = _in_work(session)
    now = T0 + hours(2)
    huge = "а" * 900_000
    for flt in (QueueFilter(search=huge), QueueFilter(organization_query=huge),
                QueueFilter(search="%_" * 450_000), QueueFilter(organization_query="%" * 900_000)):
        page = fetch_queue_page(session, flt, page=0, page_size=50, now=now)
        assert page.total == 0 and page.rows == []
    # A cut query still finds what its first characters name.
    org_name = session.get(Organization, fresh_appeal(session, appeal_id).organization_id).name
    cut = fetch_queue_page(session, QueueFilter(organization_query=org_name + " " * 900_000), now=now)
    assert [row["id"] for row in cut.rows] == [appeal_id]


def test_numbers_beyond_the_id_range_find_nothing(session):
    r, appeal_id, staff = _in_work(session)
    now = T0 + hours(2)
    for search in ("99999999999999999999999", "№99999999999999999999999", str(limits.ID_MAX + 1)):
        assert fetch_queue_page(session, QueueFilter(status="all", search=search), now=now).total == 0
    assert [row["id"] for row in fetch_queue_page(session, QueueFilter(status="all", search=f"№{appeal_id}"),
                                                  now=now).rows] == [appeal_id]
    with pytest.raises(NotFound, match="^Обращение не найдено$"):
        load_card(session, 99999999999999999999999, actor=r.coordinator)
    with pytest.raises(NotFound, match="^Обращение не найдено$"):
        appeals.perform(session, actor=r.coordinator, appeal_id=99999999999999999999999, action="approve_answer")


def test_a_browser_report_reaches_the_log_bounded_in_length_and_rate(caplog):
    caplog.set_level(logging.ERROR, logger="pos_dashboard")
    frontend_exception_handler(Exception("x" * 900_000))
    logged = [r.getMessage() for r in caplog.records]
    assert len(logged) == 1 and LOG_TEXT_MAX < len(logged[0]) < LOG_TEXT_MAX + 100
    assert "899\u00a0" not in logged[0] and "898000 more characters not logged" in logged[0]
    caplog.clear()
    for _ in range(200):
        frontend_exception_handler(Exception("again"))
    assert len([r for r in caplog.records if r.levelno == logging.ERROR]) < 30
    assert sum(len(r.getMessage()) for r in caplog.records) < 5_000


def test_the_app_routes_browser_reports_to_the_bounded_handler():
    from pos_dashboard.pos_dashboard import app

    assert app.frontend_exception_handler is frontend_exception_handler
