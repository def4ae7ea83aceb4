"""The coordinator's triage: read model, organisation search, bulk actions with a result per row,
the fixed rework reasons, and the triage state's handlers as forged websocket events reach them."""

import asyncio

import pytest
from sqlmodel import select

from pos_dashboard.analytics.appeal_card import load_card
from pos_dashboard.analytics.triage import fetch_triage, view_counts
from pos_dashboard.domain.enums import Status
from pos_dashboard.domain.models import AppealEvent
from pos_dashboard.services import appeals, triage
from pos_dashboard.services.errors import PermissionDenied, ValidationFailed
from pos_dashboard.states.base import AppState
from pos_dashboard.states.triage import TriageState

from .factories import ANSWER_TEXT, T0, build_region, fresh_appeal, hours, snapshot, submit


@pytest.fixture()
def region(engine, session, monkeypatch):
    monkeypatch.setenv("REFLEX_DB_URL", engine.url.render_as_string(hide_password=False))
    return build_region(session)


def redirected(session, r) -> int:
    """An appeal back in coordination after the organisation redirected it: the rule still suggests the УК."""
    appeal_id = submit(session, r, category_id=r.c_yard, territory_id=r.t_city)
    appeals.perform(session, actor=r.coordinator, appeal_id=appeal_id, action="approve_moderation", now=T0 + hours(1))
    appeals.perform(session, actor=r.staff[r.o_uk], appeal_id=appeal_id, action="redirect", now=T0 + hours(2),
                    reason="Не наш участок")
    return appeal_id


def test_the_triage_view_suggests_the_rule_and_refuses_non_coordinators(session, region):
    r = region
    suggested = redirected(session, r)
    unmatched = submit(session, r, category_id=r.c_misc, territory_id=r.t_city)
    appeals.perform(session, actor=r.coordinator, appeal_id=unmatched, action="approve_moderation", now=T0 + hours(1))
    rows, total = fetch_triage(session, actor=r.coordinator, view="coordination", now=T0 + hours(3))
    assert total == 2 and [row["id"] for row in rows] == [suggested, unmatched]
    assert (rows[0]["suggestion_id"], rows[0]["suggestion"]) == (r.o_uk, "УК «Северный дом»")
    assert (rows[1]["suggestion_id"], rows[1]["suggestion"]) == (0, "")
    assert view_counts(session, actor=r.coordinator)["coordination"] == 2
    for actor in (r.citizen, r.staff[r.o_uk], r.official, None):
        with pytest.raises(PermissionDenied):
            fetch_triage(session, actor=actor, view="coordination")
        with pytest.raises(PermissionDenied):
            triage.search_organizations(session, actor=actor, query="УК")


def test_organisations_are_found_by_words_bounded(session, region):
    found = triage.search_organizations(session, actor=region.coordinator, query="северн")
    assert [o["id"] for o in found] == [region.o_city_admin, region.o_uk]  # by name
    assert [o["id"] for o in triage.search_organizations(session, actor=region.coordinator, query="дом»")] == [region.o_uk]
    assert triage.search_organizations(session, actor=region.coordinator, query="%") == []  # a wildcard is literal
    assert triage.search_organizations(session, actor=region.coordinator, query="у" * 100_000) == []


def test_bulk_reports_each_row_and_changes_only_what_it_may(session, region):
    r = region
    waiting = [submit(session, r, category_id=r.c_misc, territory_id=r.t_city) for _ in range(2)]
    done_before = submit(session, r, category_id=r.c_misc, territory_id=r.t_city)
    appeals.perform(session, actor=r.coordinator, appeal_id=done_before, action="approve_moderation", now=T0)
    before = snapshot(session, done_before)
    results = triage.bulk(session, actor=r.coordinator, appeal_ids=[*waiting, done_before, 999_999, waiting[0]],
                          action="approve_moderation")
    assert [(x["id"], x["ok"]) for x in results] == [(waiting[0], True), (waiting[1], True), (done_before, False),
                                                     (999_999, False)]
    assert "невозможно в статусе «Координация»" in results[2]["message"] and "не найдено" in results[3]["message"]
    assert all(fresh_appeal(session, i).status == Status.COORDINATION for i in waiting)
    assert snapshot(session, done_before) == before
    routed = triage.bulk(session, actor=r.coordinator, appeal_ids=waiting, action="route", organization_id=r.o_roads)
    assert all(x["ok"] for x in routed)
    assert {fresh_appeal(session, i).organization_id for i in waiting} == {r.o_roads}
    with pytest.raises(ValidationFailed):
        triage.bulk(session, actor=r.coordinator, appeal_ids=waiting, action="route", organization_id=10**6)
    with pytest.raises(ValidationFailed):
        triage.bulk(session, actor=r.coordinator, appeal_ids=waiting, action="give_answer")
    with pytest.raises(ValidationFailed):
        triage.bulk(session, actor=r.coordinator, appeal_ids=list(range(1, 60)), action="approve_moderation")
    with pytest.raises(PermissionDenied):
        triage.bulk(session, actor=r.citizen, appeal_ids=waiting, action="approve_moderation")


def test_the_organisation_reads_the_fixed_rework_reason_and_the_citizen_the_moderation_reason(session, region):
    r = region
    staff = r.staff[r.o_uk]
    appeal_id = submit(session, r, category_id=r.c_yard, territory_id=r.t_city)
    appeals.perform(session, actor=r.coordinator, appeal_id=appeal_id, action="approve_moderation", now=T0 + hours(1))
    appeals.perform(session, actor=staff, appeal_id=appeal_id, action="give_answer", now=T0 + hours(2), text=ANSWER_TEXT)
    rows, _ = fetch_triage(session, actor=r.coordinator, view="review")
    assert rows[0]["answer"] == ANSWER_TEXT
    appeals.perform(session, actor=r.coordinator, appeal_id=appeal_id, action="return_for_rework", now=T0 + hours(3),
                    rework_code="no_evidence", reason="Приложите фото площадки")
    event = session.exec(select(AppealEvent).where(AppealEvent.action == "return_for_rework")).one()
    assert '"rework_code": "no_evidence"' in event.payload
    card = load_card(session, appeal_id, actor=staff)
    assert card["answers"][0]["rework"] == "Нет подтверждения (фото) — Приложите фото площадки"
    assert card["timeline"][-1]["reason"] == "Нет подтверждения (фото) — Приложите фото площадки"
    rejected = submit(session, r)
    appeals.perform(session, actor=r.coordinator, appeal_id=rejected, action="reject", reason="spam", now=T0)
    citizen_card = load_card(session, rejected, actor=r.citizen)
    assert citizen_card["timeline"][-1]["reason"] == "Спам, реклама"


def test_control_shows_the_rating_and_the_dispute(session, region):
    r = region
    staff = r.staff[r.o_uk]
    ids = []
    for poor in (True, False):
        appeal_id = submit(session, r, category_id=r.c_yard, territory_id=r.t_city)
        appeals.perform(session, actor=r.coordinator, appeal_id=appeal_id, action="approve_moderation", now=T0)
        appeals.perform(session, actor=staff, appeal_id=appeal_id, action="give_answer", now=T0 + hours(1),
                        text=ANSWER_TEXT)
        appeals.perform(session, actor=r.coordinator, appeal_id=appeal_id, action="approve_answer", now=T0 + hours(2))
        if poor:
            appeals.rate(session, actor=r.citizen, appeal_id=appeal_id, score=1, comment="Ничего не убрали",
                         now=T0 + hours(3))
        else:
            appeals.perform(session, actor=r.citizen, appeal_id=appeal_id, action="dispute", reason="Мусор на месте",
                            now=T0 + hours(3))
        ids.append(appeal_id)
    rows, total = fetch_triage(session, actor=r.coordinator, view="control")
    assert total == 2
    by_id = {row["id"]: row for row in rows}
    assert (by_id[ids[0]]["rating"], by_id[ids[0]]["rating_comment"]) == ("1", "Ничего не убрали")
    assert by_id[ids[1]]["dispute"] == "Мусор на месте"
    assert by_id[ids[0]]["actions"] == "Повторное рассмотрение · Подтвердить решение"


# --- the state's handlers, as a forged event reaches them ---

def acting_as(monkeypatch, actor):
    async def _actor(self):
        return actor
    monkeypatch.setattr(AppState, "_actor", _actor)


def run(coroutine):
    return asyncio.run(coroutine)


def test_forged_triage_events_change_nothing_they_may_not(session, region, monkeypatch):
    r = region
    waiting = submit(session, r, category_id=r.c_misc, territory_id=r.t_city)
    before = snapshot(session, waiting)
    state = TriageState()
    for actor in (None, r.citizen, r.staff[r.o_uk], r.official):  # no session, a citizen, an organisation
        acting_as(monkeypatch, actor)
        state.selected = [waiting]
        run(state.bulk_approve())
        run(state.route_one(waiting, r.o_uk))
        run(state.search_orgs("УК"))
        run(state.pick_org(str(r.o_uk)))
        run(state.set_view("moderation"))
        assert state.error != "" and state.results == [] and state.org_options == [] and state.picked_org_id == 0
        assert snapshot(session, waiting) == before
    acting_as(monkeypatch, r.coordinator)
    run(state.on_load())
    run(state.set_view("moderation"))
    assert [row["id"] for row in state.rows] == [waiting]
    state.toggle(waiting, True)
    state.toggle(12345, True)  # not on the page: not selectable
    assert state.selected == [waiting]
    run(state.bulk_approve())
    assert [(x["id"], x["ok"]) for x in state.results] == [(waiting, True)]
    assert fresh_appeal(session, waiting).status == Status.COORDINATION


def test_a_forged_bulk_of_own_and_foreign_ids_changes_only_the_allowed_rows(session, region, monkeypatch):
    r = region
    own = submit(session, r, category_id=r.c_misc, territory_id=r.t_city)
    other_status = redirected(session, r)  # already past moderation
    history = submit(session, r, category_id=r.c_misc, territory_id=r.t_city)
    fresh_appeal(session, history).source_history = True
    session.commit()
    before = {i: snapshot(session, i) for i in (other_status, history)}
    acting_as(monkeypatch, r.coordinator)
    state = TriageState()
    state.selected = [own, other_status, history, 2**40, "1"]  # a forged selection
    run(state.bulk_approve())
    ok = {x["id"]: x["ok"] for x in state.results}
    assert ok == {own: True, other_status: False, history: False, 2**40: False, 0: False}
    assert {i: snapshot(session, i) for i in before} == before


def test_the_coordinator_routes_to_an_organisation_found_by_search(session, region, monkeypatch):
    r = region
    appeal_id = redirected(session, r)
    acting_as(monkeypatch, r.coordinator)
    state = TriageState()
    run(state.on_load())
    run(state.search_orgs("дорожное"))
    assert [o["name"] for o in state.org_options] == ["Дорожное агентство"]
    run(state.pick_org(str(r.o_roads)))
    assert (state.picked_org_id, state.picked_org_name) == (r.o_roads, "Дорожное агентство")
    run(state.pick_org("999999"))  # no such organisation: nothing picked
    assert state.picked_org_id == 0
    run(state.route_one(appeal_id, r.o_roads))
    assert [(x["id"], x["ok"]) for x in state.results] == [(appeal_id, True)]
    appeal = fresh_appeal(session, appeal_id)
    assert (appeal.status, appeal.organization_id) == (Status.IN_WORK, r.o_roads)
