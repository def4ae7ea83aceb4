"""Routing: category × territory → organisation; the most specific rule wins; no match → triage."""

import json

import pytest
from sqlmodel import select

from pos_dashboard.domain.enums import Status
from pos_dashboard.domain.models import Appeal, Category, RoutingRule, Territory
from pos_dashboard.services import appeals, routing
from pos_dashboard.services.errors import ValidationFailed

from .factories import ANSWER_TEXT, T0, assert_consistent, build_region, events, fresh_appeal, hours, submit


@pytest.fixture()
def region(session):
    return build_region(session)


def find(session, category_id, territory_id):
    return routing.find_organization(session, category_id=category_id, territory_id=territory_id)


def test_category_and_territory_beats_category_region_wide(session, region):
    assert find(session, region.c_yard, region.t_city) == region.o_uk
    assert find(session, region.c_yard, region.t_rural) == region.o_ministry  # only the region-wide rule
    assert find(session, region.c_yard, None) == region.o_ministry


def test_the_nearest_territory_rule_wins(session, region):
    assert find(session, region.c_yard, region.t_district) == region.o_district_uk  # own rule, not the city's
    assert find(session, region.c_yard, region.t_micro) == region.o_district_uk  # parent territory
    assert find(session, region.c_lighting, region.t_micro) == region.o_city_admin  # grandparent territory


def test_parent_category_rules(session, region):
    assert find(session, region.c_potholes, region.t_city) == region.o_roads  # parent category, region-wide
    assert find(session, region.c_elevator, region.t_rural) == region.o_rural_admin  # parent category + territory
    assert find(session, region.c_elevator, region.t_city) is None  # parent's rule is for another territory
    assert find(session, region.c_lighting, region.t_rural) == region.o_roads  # falls back to the parent category


def test_leaf_category_beats_parent_category_even_if_less_specific_in_territory(session, region):
    """The documented order: the category first (its own rules, region-wide included), then its parents.
    Heating in the rural municipality goes to the heat utility (leaf, region-wide), not to the rural
    administration (parent category, that territory)."""
    assert find(session, region.c_heating, region.t_rural) == region.o_heat


def test_no_match_returns_none(session, region):
    for territory_id in region.territories:
        assert find(session, region.c_misc, territory_id) is None
    assert find(session, region.c_other, region.t_city) is None


def test_every_pair_matches_the_hand_written_oracle(session, region):
    for category_id in region.leaf_categories:
        for territory_id in region.territories:
            assert find(session, category_id, territory_id) == region.expected_route(category_id, territory_id), (
                category_id, territory_id)


def test_a_cycle_in_the_tree_does_not_hang(session, region):
    """Bad imported data (a territory that is its own grand-parent) must not loop forever."""
    a = Territory(name="А", kind="district")
    session.add(a)
    session.flush()
    b = Territory(name="Б", kind="district", parent_id=a.id)
    session.add(b)
    session.flush()
    a.parent_id = b.id
    session.commit()
    assert find(session, region.c_yard, a.id) == region.o_ministry


def test_a_new_more_specific_rule_takes_over(session, region):
    assert find(session, region.c_potholes, region.t_rural) == region.o_roads
    session.add(RoutingRule(category_id=region.c_potholes, territory_id=region.t_rural,
                            organization_id=region.o_rural_admin))
    session.commit()
    assert find(session, region.c_potholes, region.t_rural) == region.o_rural_admin
    assert find(session, region.c_potholes, region.t_city) == region.o_roads


# --- routing through the services ---

@pytest.mark.parametrize("category, territory", [
    ("c_yard", "t_city"), ("c_yard", "t_micro"), ("c_yard", "t_rural"), ("c_heating", "t_rural"),
    ("c_elevator", "t_rural"), ("c_potholes", None), ("c_lighting", "t_district"),
])
def test_approve_moderation_routes_automatically_by_rule(session, region, category, territory):
    category_id = getattr(region, category)
    territory_id = getattr(region, territory) if territory else None
    expected = region.expected_route(category_id, territory_id)
    appeal_id = submit(session, region, category_id=category_id, territory_id=territory_id)
    appeals.perform(session, actor=region.coordinator, appeal_id=appeal_id, action="approve_moderation",
                    now=T0 + hours(1))
    appeal = fresh_appeal(session, appeal_id)
    assert appeal.status == Status.IN_WORK and appeal.organization_id == expected
    assert [e.action for e in events(session, appeal_id)] == ["submit", "approve_moderation", "route"]
    assert json.loads(events(session, appeal_id)[-1].payload) == {"organization_id": expected}
    assert_consistent(session, appeal_id)


@pytest.mark.parametrize("category, territory", [("c_misc", "t_city"), ("c_misc", None), ("c_elevator", "t_micro")])
def test_no_rule_leaves_the_appeal_in_the_triage_queue(session, region, category, territory):
    category_id = getattr(region, category)
    territory_id = getattr(region, territory) if territory else None
    appeal_id = submit(session, region, category_id=category_id, territory_id=territory_id)
    appeals.perform(session, actor=region.coordinator, appeal_id=appeal_id, action="approve_moderation",
                    now=T0 + hours(1))
    appeal = fresh_appeal(session, appeal_id)
    assert appeal.status == Status.COORDINATION
    assert appeal.organization_id is None and appeal.deadline_at is None
    assert [e.action for e in events(session, appeal_id)] == ["submit", "approve_moderation"]
    assert_consistent(session, appeal_id)
    # the triage queue is simply the appeals waiting in coordination
    queue = session.exec(select(Appeal.id).where(Appeal.status == Status.COORDINATION)).all()
    assert queue == [appeal_id]

    with pytest.raises(ValidationFailed):
        appeals.perform(session, actor=region.coordinator, appeal_id=appeal_id, action="route", now=T0 + hours(2))
    appeals.perform(session, actor=region.coordinator, appeal_id=appeal_id, action="route",
                    organization_id=region.o_ministry, now=T0 + hours(2))
    appeal = fresh_appeal(session, appeal_id)
    assert appeal.status == Status.IN_WORK and appeal.organization_id == region.o_ministry
    assert appeal.deadline_at is not None
    # the organisation named by the coordinator now works it
    appeals.perform(session, actor=region.staff[region.o_ministry], appeal_id=appeal_id, action="give_answer",
                    text=ANSWER_TEXT, now=T0 + hours(3))
    assert fresh_appeal(session, appeal_id).status == Status.ANSWER_REVIEW
    assert_consistent(session, appeal_id)


def test_coordinator_may_override_a_matching_rule(session, region):
    """An explicit organisation wins over the rule (e.g. re-routing after a redirect)."""
    appeal_id = submit(session, region, category_id=region.c_misc)
    appeals.perform(session, actor=region.coordinator, appeal_id=appeal_id, action="approve_moderation",
                    now=T0 + hours(1))
    appeals.change_category(session, actor=region.coordinator, appeal_id=appeal_id, category_id=region.c_yard,
                            now=T0 + hours(2))
    appeals.perform(session, actor=region.coordinator, appeal_id=appeal_id, action="route",
                    organization_id=region.o_heat, now=T0 + hours(3))
    assert fresh_appeal(session, appeal_id).organization_id == region.o_heat


def test_lineage_reads_categories_from_the_database(session, region):
    """Moving a leaf under another parent changes its routing at once (no stale cache)."""
    assert find(session, region.c_misc, region.t_city) is None
    misc = session.get(Category, region.c_misc)
    misc.parent_id = region.c_roads
    session.commit()
    assert find(session, region.c_misc, region.t_city) == region.o_roads
