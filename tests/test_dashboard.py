"""The KPI dashboard's read models on the hand-worked story of tests/test_kpi.py (eight appeals:
seven created on Monday 3 March 2025, one 40 days later)."""

import csv
import io
from urllib.parse import parse_qsl, urlsplit

import pytest
from openpyxl import load_workbook

from pos_dashboard.analytics import dashboard, dashboard_filter as urls
from pos_dashboard.analytics.dashboard_charts import chart_series
from pos_dashboard.analytics.dashboard_export import export_table
from pos_dashboard.analytics.dashboard_view import load_view
from pos_dashboard.analytics.kpi import compute_kpis
from pos_dashboard.analytics.queue import QueueFilter, fetch_queue_page
from pos_dashboard.services.errors import PermissionDenied
from tests.factories import assert_hours_close
from tests.test_kpi import story  # noqa: F401  (fixture)

DAY = urls.DashboardFilter(period="custom", date_from="2025-03-03", date_to="2025-03-03")
COUNT_CARDS = ("received", "answered", "overdue_now", "at_risk_now", "returned_for_rework", "redirected", "disputed",
               "re_reviewed")
VIEW = {"org_sort": "received", "org_desc": True, "org_page": 0, "map_kpi": "on_time_share"}


def _cards(session, flt, actor, now) -> dict:
    return {card["name"]: card for card in dashboard.cards(session, flt, actor=actor, now=now)}


def test_cards_show_the_selection_the_previous_period_and_the_region(session, story):
    r, _, now = story
    cards = _cards(session, DAY, r.official, now)
    assert (cards["received"]["value"], cards["received"]["region"]) == ("7", "7")
    assert cards["received"]["delta"] == "+7 к прошлому периоду"  # nothing on 2 March
    assert cards["disputed"]["delta"] == "без изменений к прошлому периоду"
    assert cards["on_time_share"]["value"] == "75,0 %"  # 3 of 4 answers with a deadline
    assert cards["on_time_share"]["delta"] == "нет данных за прошлый период"
    # 6, 10, 24, 722 h: 17 h; the page reads the rollups, whose percentiles are within 0.5 %
    assert_hours_close(cards["median_hours_to_first_answer"]["value"], 17.0)
    assert cards["received"]["label"] == "Поступило" and "создан" in cards["received"]["definition"]
    rural = _cards(session, urls.DashboardFilter(**{**DAY.__dict__, "territory_ids": (r.t_rural,)}), r.official, now)
    assert (rural["received"]["value"], rural["received"]["region"]) == ("2", "7")  # poor, heating
    assert (rural["overdue_now"]["value"], rural["overdue_now"]["tone"]) == ("2", "bad")
    empty = _cards(session, urls.DashboardFilter(period="custom", date_from="2025-03-02", date_to="2025-03-02"),
                   r.official, now)
    assert (empty["received"]["value"], empty["satisfaction_share"]["value"]) == ("0", "—")  # NaN → «—»


@pytest.mark.parametrize("who", ["citizen", "org_staff", "nobody"])
def test_the_read_models_refuse_citizens_and_organisation_staff(session, story, who):
    r, _, now = story
    actor = {"citizen": r.citizen, "org_staff": r.staff[r.o_uk], "nobody": None}[who]
    for call in (lambda: load_view(session, DAY, actor=actor, now=now, **VIEW),
                 lambda: dashboard.cards(session, DAY, actor=actor, now=now),
                 lambda: chart_series(session, DAY, actor=actor, now=now),
                 lambda: dashboard.filter_options(session, actor=actor),
                 lambda: export_table(session, DAY, "organisation", "csv", actor=actor, now=now)):
        with pytest.raises(PermissionDenied):
            call()


def test_officials_coordinators_and_admins_get_the_view(session, story):
    r, _, now = story
    for actor in (r.official, r.coordinator, r.admin):
        view = load_view(session, DAY, actor=actor, now=now, **VIEW)
        assert view["cards"][0]["value"] == "7"
    assert [row["group"] for row in view["territory_rows"]] == [
        "Городской округ Северный", "Заречный муниципальный район", "(без территории)"]
    assert [row["values"][0] for row in view["territory_rows"]] == ["4", "2", "1"]  # «late» is 40 days on
    assert [row["values"][0] for row in view["org_rows"]] == ["2", "2", "1", "1", "1"]  # by received, desc
    assert view["org_rows"][-1]["group"] == "(не назначена)" and view["org_rows"][-1]["received_href"] == ""


def test_weekly_and_distribution_series(session, story):
    r, _, now = story
    series = chart_series(session, DAY, actor=r.official, now=now)
    assert series["weekly"] == [{"week": "03.03", "received": 7, "answered": 4, "overdue_now": 2}]
    assert [bar["count"] for bar in series["ratings"]] == [0, 1, 0, 0, 1]
    # first answers after 6, 10, 24 and 722 hours
    assert {bar["label"]: bar["count"] for bar in series["hours"] if bar["count"]} == {
        "4–8 ч": 1, "8–24 ч": 1, "1–2 дн.": 1, "более 30 дн.": 1}
    march = [m for m in series["monthly"] if m["month"] == "03.2025"]
    assert march == [{"month": "03.2025", "on_time_share": 75.0, "on_time_text": "75,0 %", "answered_with_deadline": 4}]


def _queue_total(session, href: str, now) -> int:
    params = dict(parse_qsl(urlsplit(href).query))
    _, fields, _ = urls.queue_drill(params)
    flt = QueueFilter(status=params.get("status", "open"), deadline=params.get("deadline", "any"), **fields)
    return fetch_queue_page(session, flt, now=now).total


def test_every_card_opens_the_queue_with_as_many_appeals(session, story):
    r, _, now = story
    for flt in (DAY, urls.DashboardFilter(**{**DAY.__dict__, "territory_ids": (r.t_city,)}),
                urls.DashboardFilter(period="custom", date_from="2025-03-01", date_to="2025-04-30",
                                     category_ids=(r.c_housing,))):
        cards = _cards(session, flt, r.official, now)
        for name in COUNT_CARDS:
            assert _queue_total(session, cards[name]["href"], now) == int(cards[name]["value"]), (flt, name)
        on_time = compute_kpis(session, since=urls.period_bounds(flt, now)[0], until=urls.period_bounds(flt, now)[1],
                               now=now, selection=flt.selection()).iloc[-1].answered_on_time
        assert _queue_total(session, cards["on_time_share"]["href"], now) == on_time
    answered_href = _cards(session, DAY, r.official, now)["answered"]["href"]
    assert _queue_total(session, answered_href, now) == 4


def test_exports_hold_the_numbers_of_the_page(session, story):
    r, _, now = story
    view = load_view(session, DAY, actor=r.official, now=now, **VIEW)
    name, data, mime = export_table(session, DAY, "territory", "csv", actor=r.official, now=now)
    assert name == "kpi_territories_20250303_20250303.csv" and mime.startswith("text/csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Территория", "Поступило", "Дан ответ"]
    assert [row[0] for row in rows[1:]] == [row["group"] for row in view["territory_rows"]]
    assert [row[1:] for row in rows[1:]] == [[v.replace(" %", "").replace(" ч", "").replace("—", "")
                                              for v in row["values"]] for row in view["territory_rows"]]
    _, data, _ = export_table(session, DAY, "organisation", "xlsx", actor=r.official, now=now,
                              sort="received", descending=True)
    sheet = load_workbook(io.BytesIO(data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "Период: 03.03.2025 — 03.03.2025"
    assert [row[1] for row in values[2:]] == [2, 2, 1, 1, 1]
    assert [row[0] for row in values[2:]] == [row["group"] for row in view["org_rows"]]


def test_the_filter_round_trips_through_the_url_and_ignores_garbage():
    flt = urls.DashboardFilter(period="custom", date_from="2025-03-01", date_to="2025-03-31", territory_ids=(3, 7),
                               category_ids=(2,), organization_type="utility", organization_ids=(9,))
    assert urls.from_query(dict(parse_qsl(urls.to_query(flt)))) == flt
    assert urls.from_query({"period": "custom", "from": "2025-04-01", "to": "2025-03-01"}) == urls.DashboardFilter()
    assert urls.from_query({"period": "11", "territory": "1,x,;drop", "org_type": "planet"}) == \
        urls.DashboardFilter(territory_ids=(1,))


FILTERS = {
    "day": lambda r: DAY,
    "weeks cut at both ends": lambda r: urls.DashboardFilter(period="custom", date_from="2025-03-01",
                                                             date_to="2025-04-30"),
    "a top category": lambda r: urls.DashboardFilter(period="custom", date_from="2025-03-04", date_to="2025-05-20",
                                                     category_ids=(r.c_housing,)),
    "organisation type": lambda r: urls.DashboardFilter(period="custom", date_from="2024-12-30",
                                                        date_to="2025-04-14", organization_type="utility"),
    "a territory and an organisation": lambda r: urls.DashboardFilter(period="90", territory_ids=(r.t_city,),
                                                                      organization_ids=(r.o_roads, r.o_heat)),
}


@pytest.mark.parametrize("name", FILTERS)
def test_the_chart_series_from_the_rollups_equal_the_scan(session, story, name, monkeypatch):
    """The weekly, monthly and rating series count exactly what one scan of the appeals counts; the
    hours' bars too (no first answer lies just below a bar's bound here)."""
    from pos_dashboard.analytics import dashboard_charts

    r, _, now = story
    flt = FILTERS[name](r)
    exact = chart_series(session, flt, actor=r.official, now=now, exact=True)
    monkeypatch.setattr(dashboard_charts, "_scanned_series", lambda *args: pytest.fail("scanned"))
    fast = chart_series(session, flt, actor=r.official, now=now)
    assert fast == exact
    since, until = urls.period_bounds(flt, now)
    assert sum(week["received"] for week in fast["weekly"]) == compute_kpis(
        session, since=since, until=until, now=now, selection=flt.selection()).iloc[-1].received
    assert sum(bar["count"] for bar in fast["ratings"]) == compute_kpis(
        session, since=since, until=until, now=now, selection=flt.selection()).iloc[-1].rated


def test_a_selection_finer_than_the_rollups_is_charted_from_the_scan(session, story):
    r, _, now = story
    micro = urls.DashboardFilter(**{**DAY.__dict__, "territory_ids": (r.t_micro,)})  # a sub-territory
    series = chart_series(session, micro, actor=r.official, now=now)
    assert series["weekly"] == [{"week": "03.03", "received": 1, "answered": 1, "overdue_now": 0}]
    assert [bar["count"] for bar in series["ratings"]] == [0, 0, 0, 0, 1]
