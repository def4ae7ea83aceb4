"""«Мои обращения» and the appeal card as a citizen reads them: only their own appeals, newest
first, one bounded page; the organisation or «ЦУР» in place of staff members' names."""

import pytest

from pos_dashboard.analytics.appeal_card import load_card
from pos_dashboard.analytics.my_appeals import PAGE_SIZE_MAX, fetch_my_appeals
from pos_dashboard.services import appeals
from pos_dashboard.services.errors import PermissionDenied

from .factories import ANSWER_TEXT, T0, build_region, fresh_appeal, hours, submit


def test_a_citizen_gets_only_their_own_appeals_newest_first(session):
    r = build_region(session)
    first = submit(session, r, now=T0, text="Во дворе дома 5 не вывозят мусор уже третью неделю.")
    other = submit(session, r, actor=r.citizen2, now=T0 + hours(1))
    second = submit(session, r, category_id=r.c_heating, now=T0 + hours(2),
                    text="В квартире холодно: батареи еле тёплые с понедельника. " * 4)
    page = fetch_my_appeals(session, actor=r.citizen, now=T0 + hours(3))
    assert page.total == 2
    assert [row["id"] for row in page.rows] == [second, first]
    newest = page.rows[0]
    assert newest["category"] == "ЖКХ / Отопление"
    assert (newest["status"], newest["status_label"]) == ("moderation", "Модерация")
    assert newest["created"] == "03.03.2025 11:00"  # T0 + 2 h, Moscow time
    # Not routed yet: the deadline the category's rule will give, 10 working days after 3 March 2025
    # (4–7, 10–14 and 17 March), at the end of that day.
    assert newest["deadline"] == "17.03.2025 23:59"
    assert newest["deadline_state"] == "ok"
    assert newest["left"] == "14 дн. 11 ч"  # 03.03 12:00 → 17.03 23:59:59, whole hours
    assert len(newest["text"]) == 140 and newest["text"].endswith("…")
    assert [row["id"] for row in fetch_my_appeals(session, actor=r.citizen2, now=T0).rows] == [other]


def test_staff_and_anonymous_actors_get_nothing_from_the_citizen_read_model(session):
    r = build_region(session)
    submit(session, r)
    owner = r.staff[r.o_uk]
    for actor in (r.coordinator, r.admin, r.official, owner, r.system):
        page = fetch_my_appeals(session, actor=actor, now=T0)
        assert (page.rows, page.total) == ([], 0)


def test_pages_hold_at_most_twenty_rows(session):
    r = build_region(session)
    ids = [submit(session, r, now=T0 + hours(i)) for i in range(25)]
    first = fetch_my_appeals(session, actor=r.citizen, page=0, page_size=1000, now=T0 + hours(30))
    second = fetch_my_appeals(session, actor=r.citizen, page=1, page_size=1000, now=T0 + hours(30))
    assert PAGE_SIZE_MAX == 20 and first.total == 25
    assert [row["id"] for row in first.rows] == ids[::-1][:20]
    assert [row["id"] for row in second.rows] == ids[::-1][20:]


def test_closed_appeal_shows_no_time_left(session):
    r = build_region(session)
    appeal_id = _answered(session, r)
    appeals.rate(session, actor=r.citizen, appeal_id=appeal_id, score=5, now=T0 + hours(60))
    row = fetch_my_appeals(session, actor=r.citizen, now=T0 + hours(61)).rows[0]
    assert (row["status_label"], row["deadline_state"], row["left"]) == ("Завершено", "done", "")
    assert row["deadline"] == "14.04.2025 23:59"  # 30 working days after 3 March 2025


def _answered(session, r) -> int:
    appeal_id = submit(session, r)
    appeals.perform(session, actor=r.coordinator, appeal_id=appeal_id, action="approve_moderation", now=T0 + hours(1))
    staff = r.staff[fresh_appeal(session, appeal_id).organization_id]
    appeals.perform(session, actor=staff, appeal_id=appeal_id, action="give_answer", text=ANSWER_TEXT,
                    now=T0 + hours(24))
    appeals.perform(session, actor=r.coordinator, appeal_id=appeal_id, action="approve_answer", now=T0 + hours(30))
    return appeal_id


def test_the_citizen_card_names_the_organisation_and_the_cur_never_staff(session):
    r = build_region(session)
    appeal_id = _answered(session, r)
    staff_name, coordinator_name = "Staff " + str(r.o_uk), "Cur Sidorov"
    card = load_card(session, appeal_id, actor=r.citizen)
    actors = [event["actor"] for event in card["timeline"]]
    assert actors == ["Заявитель", "ЦУР", "Система", "УК «Северный дом»", "ЦУР"]
    assert [a["organization"] for a in card["answers"]] == ["УК «Северный дом»"]
    shown = repr(card)
    assert staff_name not in shown and coordinator_name not in shown
    staff_view = [event["actor"] for event in load_card(session, appeal_id, actor=r.coordinator)["timeline"]]
    assert staff_view == ["Ivanov", coordinator_name, "Система", staff_name, coordinator_name]


def test_an_answer_waiting_for_review_is_not_shown_to_the_citizen(session):
    r = build_region(session)
    appeal_id = submit(session, r)
    appeals.perform(session, actor=r.coordinator, appeal_id=appeal_id, action="approve_moderation", now=T0 + hours(1))
    staff = r.staff[fresh_appeal(session, appeal_id).organization_id]
    appeals.perform(session, actor=staff, appeal_id=appeal_id, action="give_answer", text=ANSWER_TEXT,
                    now=T0 + hours(24))
    assert load_card(session, appeal_id, actor=r.citizen)["answers"] == []
    assert len(load_card(session, appeal_id, actor=r.coordinator)["answers"]) == 1


def test_a_citizen_may_open_only_their_own_appeal(session):
    r = build_region(session)
    appeal_id = submit(session, r)
    assert load_card(session, appeal_id, actor=r.citizen)["id"] == appeal_id
    with pytest.raises(PermissionDenied):
        load_card(session, appeal_id, actor=r.citizen2)
