"""The ranking is kept for repeated clicks, and recomputed as soon as an appeal changes."""

from datetime import timedelta

from pos_dashboard.analytics.ratings import period_bounds, rating_moment, score_organizations
from pos_dashboard.services import appeals
from tests.factories import T0, build_region, hours, submit


def test_a_kept_ranking_is_dropped_when_an_appeal_changes(session):
    r = build_region(session)
    now = rating_moment(T0 + timedelta(days=1, seconds=42))
    assert now == T0 + timedelta(days=1)  # T0 is on the hour
    since, until = period_bounds("30", now)

    def received(org_id):
        scored, _ = score_organizations(session, since=since, until=until, now=now)
        return next(s for s in scored if s.organization_id == org_id).kpis["received"]

    a = submit(session, r, category_id=r.c_heating)
    first = score_organizations(session, since=since, until=until, now=now)
    assert score_organizations(session, since=since, until=until, now=now) is first  # the same clicks: kept
    assert received(r.o_heat) == 0  # still in moderation: no organisation yet
    appeals.perform(session, actor=r.coordinator, appeal_id=a, action="approve_moderation", now=T0 + hours(1))
    assert received(r.o_heat) == 1
