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


def test_an_organisations_trend_reads_the_regions_months_once_and_again_after_a_change(session, monkeypatch):
    from pos_dashboard.analytics import kpi, rating_views

    r = build_region(session)
    now = rating_moment(T0 + timedelta(days=1))
    a = submit(session, r, category_id=r.c_heating)
    appeals.perform(session, actor=r.coordinator, appeal_id=a, action="approve_moderation", now=T0 + hours(1))
    calls = []
    compute = kpi.compute_kpis
    # the region's month rows: no grouping (the ranking groups by organisation), no selection (the
    # organisation's own rows select it)
    monkeypatch.setattr(kpi, "compute_kpis", lambda *args, **kw: calls.append(
        kw.get("selection") is None and kw.get("group_by") is None) or compute(*args, **kw))
    rating_views._REGION_MONTHS.clear()  # PostgreSQL runs share one URL: start without another test's rows

    def region_calls(org_id) -> int:
        calls.clear()
        trend = rating_views.organization_rating(session, org_id, actor=r.coordinator, period="30", now=now).trend
        assert sum(row["received"] for row in trend) == (1 if org_id == r.o_heat else 0)
        return sum(calls)

    months = region_calls(r.o_heat)
    assert months >= 1
    assert region_calls(r.o_uk) == 0  # another organisation's page: the region's months are kept
    appeals.perform(session, actor=r.staff[r.o_heat], appeal_id=a, action="give_answer", now=T0 + hours(2),
                    text="Ответ по существу обращения: работы выполнены.")
    assert region_calls(r.o_uk) == months  # an appeal changed: computed again
