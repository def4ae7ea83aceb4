"""The KPI definitions on a small region worked through our own services: every expected number
below is worked out by hand from the story of each appeal, not computed by the KPI module."""

from datetime import date, timedelta

import pandas as pd
import pytest

from pos_dashboard.analytics.kpi import KPI_DEFINITIONS, TOTAL_LABEL, KpiSelection, compute_kpis
from pos_dashboard.domain.enums import OrgType
from pos_dashboard.services import appeals
from tests.factories import ANSWER_TEXT, INTERIM_TEXT, T0, assert_consistent, build_region, fresh_appeal, hours, submit


def _story(session):
    """Eight appeals, each with a known fate (times are hours after T0, Monday 3 March 2025 09:00 MSK)."""
    r = build_region(session)
    cur = r.coordinator

    def act(appeal_id, actor, action, at, **params):
        appeals.perform(session, actor=actor, appeal_id=appeal_id, action=action, now=T0 + at, **params)

    ids = {}
    # closed by the citizen: interim answer after 10 h (the first answer), final answer, rated 5
    ids["good"] = a = submit(session, r, category_id=r.c_yard, territory_id=r.t_micro)
    act(a, cur, "approve_moderation", hours(1))  # auto-routed to the district's management company
    act(a, r.staff[r.o_district_uk], "give_interim_answer", hours(10), text=INTERIM_TEXT,
        planned_date=date(2025, 3, 20))
    act(a, r.staff[r.o_district_uk], "give_answer", hours(20), text=ANSWER_TEXT)
    act(a, cur, "approve_answer", hours(30))
    appeals.rate(session, actor=r.citizen, appeal_id=a, score=5, now=T0 + hours(40))
    # closed automatically: created at +2 h, the answer approved at +26 h (first answer after 24 h)
    ids["auto"] = a = submit(session, r, category_id=r.c_heating, territory_id=r.t_city, now=T0 + hours(2))
    act(a, cur, "approve_moderation", hours(3))
    act(a, r.staff[r.o_heat], "give_answer", hours(22), text=ANSWER_TEXT)
    act(a, cur, "approve_answer", hours(26))
    act(a, r.system, "auto_close", hours(100))
    # rated 2 → control → re-review: back in work (first answer after 6 h)
    ids["poor"] = a = submit(session, r, category_id=r.c_potholes, territory_id=r.t_rural)
    act(a, cur, "approve_moderation", hours(1))
    act(a, r.staff[r.o_roads], "give_answer", hours(5), text=ANSWER_TEXT)
    act(a, cur, "approve_answer", hours(6))
    appeals.rate(session, actor=r.citizen, appeal_id=a, score=2, now=T0 + hours(7))
    act(a, cur, "re_review", hours(8), reason="Ответ не по существу")
    # redirected, category changed, answered 30 days later: late (lighting: 20 calendar days)
    ids["redirect"] = a = submit(session, r, category_id=r.c_lighting, territory_id=r.t_city)
    act(a, cur, "approve_moderation", hours(1))
    act(a, r.staff[r.o_city_admin], "redirect", hours(2), reason="Не наша зона ответственности")
    act(a, cur, "route", hours(3), organization_id=r.o_roads)
    appeals.change_category(session, actor=cur, appeal_id=a, category_id=r.c_potholes, now=T0 + hours(4))
    act(a, r.staff[r.o_roads], "give_answer", hours(720), text=ANSWER_TEXT)
    act(a, cur, "approve_answer", hours(722))
    # rejected at moderation, no territory
    ids["rejected"] = a = submit(session, r, category_id=r.c_misc, territory_id=None)
    act(a, cur, "reject", hours(1), reason="spam")
    # in work, no answer: heating (10 working days) will be overdue, yard (30 working days) at risk
    ids["heating"] = a = submit(session, r, category_id=r.c_heating, territory_id=r.t_rural)
    act(a, cur, "approve_moderation", hours(1))
    ids["yard"] = a = submit(session, r, category_id=r.c_yard, territory_id=r.t_city)
    act(a, cur, "approve_moderation", hours(1))
    # still in moderation, submitted 40 days later
    ids["late"] = submit(session, r, category_id=r.c_yard, territory_id=r.t_city, now=T0 + timedelta(days=40))
    for appeal_id in ids.values():
        assert_consistent(session, appeal_id)
    return r, ids


@pytest.fixture()
def story(session):
    region, ids = _story(session)
    yard_deadline = fresh_appeal(session, ids["yard"]).deadline_at
    return region, ids, yard_deadline - timedelta(hours=12)  # "now": the yard appeal is due within 24 h


def total(table: pd.DataFrame) -> pd.Series:
    assert table.iloc[-1].group == TOTAL_LABEL and pd.isna(table.iloc[-1].group_id)
    return table.iloc[-1]


def test_region_totals(session, story):
    _, ids, now = story
    row = total(compute_kpis(session, now=now))
    expected = {
        "received": 8, "answered": 4, "answered_with_deadline": 4, "answered_on_time": 3,
        "overdue_now": 2,  # the heating appeal and the re-reviewed one (10 working days from +8 h)
        "at_risk_now": 1, "with_interim_answer": 1, "redirected": 1, "category_changed": 1, "re_reviewed": 1,
        "rejected": 1, "rated": 2, "returned_for_rework": 0,
        "final_closed_by_citizen": 1, "final_closed_auto": 1, "final_in_work": 3, "final_answered": 1,
        "final_rejected": 1, "final_moderation": 1, "final_closed_confirmed": 0, "final_closed_other": 0,
    }
    assert {name: int(row[name]) for name in expected} == expected
    # first answers after 6, 10, 24 and 722 hours; linear interpolation between ranks
    assert row.median_hours_to_first_answer == pytest.approx(17.0)
    assert row.p90_hours_to_first_answer == pytest.approx(24 + 0.7 * (722 - 24))
    assert (row.answered_share, row.on_time_share) == (0.5, 0.75)
    assert (row.interim_answer_share, row.redirect_share, row.rejection_share) == (1 / 8, 1 / 8, 1 / 8)
    assert (row.satisfaction_share, row.average_rating) == (0.5, 3.5)
    assert (row.overdue_share, row.rework_share) == (2 / 8, 0.0)


def test_rework_counts_appeals_whose_answer_the_coordinator_returned(session):
    r = build_region(session)
    staff, cur = r.staff[r.o_heat], r.coordinator
    returned_twice, approved, unanswered = (submit(session, r, category_id=r.c_heating) for _ in range(3))
    for a in (returned_twice, approved, unanswered):
        appeals.perform(session, actor=cur, appeal_id=a, action="approve_moderation", now=T0 + hours(1))
    for _ in range(2):
        appeals.perform(session, actor=staff, appeal_id=returned_twice, action="give_answer", now=T0 + hours(2),
                        text=ANSWER_TEXT)
        appeals.perform(session, actor=cur, appeal_id=returned_twice, action="return_for_rework",
                        now=T0 + hours(3), reason="Нет фотографии результата", rework_code="no_evidence")
    appeals.perform(session, actor=staff, appeal_id=approved, action="give_answer", now=T0 + hours(2), text=ANSWER_TEXT)
    appeals.perform(session, actor=cur, appeal_id=approved, action="approve_answer", now=T0 + hours(3))
    row = total(compute_kpis(session, now=T0 + hours(4)))
    assert (row.received, row.returned_for_rework, row.answered) == (3, 1, 1)  # one appeal, however many returns
    assert row.rework_share == pytest.approx(1 / 3)


def test_groups_roll_up_to_top_level_territories_and_categories(session, story):
    region, _, now = story
    by_territory = compute_kpis(session, group_by="territory", now=now).set_index("group")
    assert by_territory.received.to_dict() == {
        "Городской округ Северный": 5, "Заречный муниципальный район": 2, "(без территории)": 1, TOTAL_LABEL: 8}
    assert by_territory.loc["Заречный муниципальный район", "overdue_now"] == 2
    assert by_territory.loc["Городской округ Северный", "median_hours_to_first_answer"] == pytest.approx(24.0)
    by_category = compute_kpis(session, group_by="category", now=now).set_index("group")
    assert by_category.received.to_dict() == {"Дороги": 2, "Прочее": 1, "ЖКХ": 5, TOTAL_LABEL: 8}
    assert by_category.loc["Дороги", "category_changed"] == 1  # counted under its category of now
    by_organisation = compute_kpis(session, group_by="organisation", now=now)
    assert by_organisation.group_id.iloc[:4].tolist() == [region.o_heat, region.o_roads, region.o_uk,
                                                          region.o_district_uk]  # sorted by name, unassigned last
    assert by_organisation.set_index("group").received.to_dict() == {
        "АО «Теплосеть»": 2, "Дорожное агентство": 2, "УК «Северный дом»": 1, "УК Центрального района": 1,
        "(не назначена)": 2, TOTAL_LABEL: 8}


def test_the_period_bounds_creation_time(session, story):
    _, _, now = story
    row = total(compute_kpis(session, since=T0, until=T0 + timedelta(days=1), now=now))
    assert (row.received, row.final_moderation) == (7, 0)
    assert total(compute_kpis(session, since=T0 + timedelta(days=1), now=now)).received == 1
    assert total(compute_kpis(session, until=T0, now=now)).received == 0


def test_overdue_and_at_risk_follow_the_deadline_engine_at_the_boundary(session, story):
    _, ids, _ = story
    deadline = fresh_appeal(session, ids["yard"]).deadline_at
    at_deadline = total(compute_kpis(session, now=deadline))
    just_after = total(compute_kpis(session, now=deadline + timedelta(microseconds=1)))
    assert (at_deadline.overdue_now, at_deadline.at_risk_now) == (2, 1)  # due now is not yet overdue
    assert (just_after.overdue_now, just_after.at_risk_now) == (3, 0)


def test_an_empty_selection_gives_zero_counts_and_undefined_ratios(session):
    row = total(compute_kpis(session, group_by="territory", now=T0))
    assert (row.received, row.answered, row.overdue_now) == (0, 0, 0)
    assert pd.isna(row.answered_share) and pd.isna(row.median_hours_to_first_answer)


def test_every_column_has_a_russian_label_and_definition(session):
    columns = compute_kpis(session, now=T0).columns
    assert list(columns[2:]) == list(KPI_DEFINITIONS)
    for name, (label, definition) in KPI_DEFINITIONS.items():
        assert any("а" <= ch <= "я" for ch in label.lower()) and len(definition) > 15, name


def test_unknown_grouping_is_refused(session):
    with pytest.raises(ValueError):
        compute_kpis(session, group_by="planet")


def _received(session, now, **selection):
    return int(total(compute_kpis(session, now=now, selection=KpiSelection(**selection))).received)


def test_a_selection_of_territories_includes_their_sub_territories(session, story):
    r, _, now = story
    assert _received(session, now, territory_ids=(r.t_district,)) == 1  # «good» lives in a micro-district of it
    assert _received(session, now, territory_ids=(r.t_city,)) == 5  # good, auto, redirect, yard, late
    assert _received(session, now, territory_ids=(r.t_district, r.t_rural)) == 3  # good, poor, heating
    assert _received(session, now, territory_ids=(987654,)) == 0


def test_a_selection_of_categories_includes_their_sub_categories(session, story):
    r, _, now = story
    assert _received(session, now, category_ids=(r.c_housing,)) == 5  # good, auto, heating, yard, late
    assert _received(session, now, category_ids=(r.c_roads,)) == 2  # poor and redirect (its category of now)
    assert _received(session, now, category_ids=(r.c_heating, r.c_misc)) == 3  # auto, heating, rejected


def test_a_selection_of_organisations_by_type_and_by_id(session, story):
    r, _, now = story
    assert _received(session, now, organization_type=OrgType.MANAGEMENT_COMPANY.value) == 2  # good, yard
    row = total(compute_kpis(session, now=now, selection=KpiSelection(organization_ids=(r.o_heat,))))
    assert (row.received, row.answered, row.overdue_now) == (2, 1, 1)  # auto answered, heating overdue
    assert _received(session, now, organization_type=OrgType.UTILITY.value, organization_ids=(r.o_roads,)) == 0


def test_selection_filters_combine_and_apply_to_groups(session, story):
    r, _, now = story
    row = total(compute_kpis(session, now=now, selection=KpiSelection(
        territory_ids=(r.t_rural,), category_ids=(r.c_housing,))))
    assert (row.received, row.overdue_now) == (1, 1)  # the unanswered heating appeal
    by_category = compute_kpis(session, group_by="category", now=now,
                               selection=KpiSelection(territory_ids=(r.t_city,))).set_index("group")
    assert by_category.received.to_dict() == {"Дороги": 1, "ЖКХ": 4, TOTAL_LABEL: 5}
    assert total(compute_kpis(session, now=now, since=T0 + timedelta(days=1),
                              selection=KpiSelection(category_ids=(r.c_yard,)))).received == 1  # late


def test_rework_and_disputes_count_appeals_not_events(session):
    r = build_region(session)
    cur, staff = r.coordinator, r.staff[r.o_uk]

    def act(appeal_id, actor, action, at, **params):
        appeals.perform(session, actor=actor, appeal_id=appeal_id, action=action, now=T0 + hours(at), **params)

    twice = submit(session, r, category_id=r.c_yard, territory_id=r.t_city)  # returned twice, then disputed
    act(twice, cur, "approve_moderation", 1)
    for at in (2, 4):
        act(twice, staff, "give_answer", at, text=ANSWER_TEXT)
        act(twice, cur, "return_for_rework", at + 1, reason="Нет фотографий выполненных работ",
            rework_code="no_evidence")
    act(twice, staff, "give_answer", 6, text=ANSWER_TEXT)
    act(twice, cur, "approve_answer", 7)
    appeals.rate(session, actor=r.citizen, appeal_id=twice, score=5, now=T0 + hours(8))
    act(twice, r.citizen, "dispute", 9, reason="Мусор снова не вывозят")
    act(twice, cur, "confirm_closure", 10)
    plain = submit(session, r, category_id=r.c_yard, territory_id=r.t_city)  # answered and accepted
    act(plain, cur, "approve_moderation", 1)
    act(plain, staff, "give_answer", 2, text=ANSWER_TEXT)
    act(plain, cur, "approve_answer", 3)
    submit(session, r, category_id=r.c_yard, territory_id=r.t_city)  # still in moderation
    row = total(compute_kpis(session, now=T0 + hours(20)))
    assert (row.received, row.returned_for_rework, row.disputed, row.final_closed_confirmed) == (3, 1, 1, 1)
    assert (row.rework_share, row.dispute_share) == (1 / 3, 1 / 3)


def test_drill_conditions_select_the_appeals_a_kpi_counts(session, story):
    from sqlalchemy import func, select

    from pos_dashboard.analytics.kpi import drill_condition
    from pos_dashboard.domain.models import Appeal

    def count(name):
        return session.execute(select(func.count()).select_from(Appeal).where(drill_condition(name))).scalar_one()

    expected = {"answered": 4, "answered_on_time": 3, "on_time_share": 3, "rated": 2, "satisfaction_share": 1,
                "redirected": 1, "re_reviewed": 1, "category_changed": 1, "with_interim_answer": 1, "rejected": 1,
                "median_hours_to_first_answer": 4, "returned_for_rework": 0, "disputed": 0}
    assert {name: count(name) for name in expected} == expected
    assert drill_condition("received") is None
