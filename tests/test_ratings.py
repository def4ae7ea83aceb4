"""Organisation ratings on a tiny region built through our own services. Every expected index,
rank and share below is worked out by hand from the story, not computed by the ratings module.

The story (all appeals submitted at T0, approved at moderation at +1 h and routed automatically;
a final answer counts as the first answer when the coordinator approves it):
- УК «Северный дом» (management company): 10 yard appeals, all answered at +10 h (one of them
  returned for rework once); rated 5, 5, 5, 5, 5, 2, 2, 2 (the poor ones closed after control).
- УК Центрального района (management company): 10 yard appeals, 5 answered at +30 h, 5 never
  answered (overdue at NOW), none rated.
- АО «Теплосеть» (utility): 10 heating appeals answered at +20 h, 4 rated 4.
- Дорожное агентство (road service): 9 pothole appeals answered at +40 h: one short of the minimum.
Region median of the first answer: 10 × 10 h, 10 × 20 h, 5 × 30 h, 9 × 40 h → 17th and 18th of 34 = 20 h.
"""

from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, SQLModel

from pos_dashboard.analytics import rating_views as rv
from pos_dashboard.analytics.kpi import KPI_DEFINITIONS, compute_kpis
from pos_dashboard.analytics.ratings import (COMPONENTS, FORMULA_RU, INSUFFICIENT, MIN_APPEALS, index_of,
                                             navigation, score_organizations, period_bounds)
from pos_dashboard.analytics.table_export import csv_bytes, xlsx_bytes
from pos_dashboard.db import make_engine
from pos_dashboard.services import appeals
from pos_dashboard.services.errors import PermissionDenied
from tests.conftest import database_url_for_tests
from tests.factories import ANSWER_TEXT, MSK, T0, assert_hours_close, build_region, hours, is_russian, submit

NOW = T0 + timedelta(days=60)  # past the 30 working days of the yard appeals
PERIOD = "90"


def _answer(session, r, staff, appeal_id, at, rework=False):
    act = appeals.perform
    if rework:
        act(session, actor=staff, appeal_id=appeal_id, action="give_answer", now=T0 + hours(at - 5), text=ANSWER_TEXT)
        act(session, actor=r.coordinator, appeal_id=appeal_id, action="return_for_rework", now=T0 + hours(at - 4),
            reason="Нет фотографии результата", rework_code="no_evidence")
    act(session, actor=staff, appeal_id=appeal_id, action="give_answer", now=T0 + hours(at - 1), text=ANSWER_TEXT)
    act(session, actor=r.coordinator, appeal_id=appeal_id, action="approve_answer", now=T0 + hours(at))


def _batch(session, r, n, category_id, territory_id):
    ids = [submit(session, r, category_id=category_id, territory_id=territory_id) for _ in range(n)]
    for a in ids:
        appeals.perform(session, actor=r.coordinator, appeal_id=a, action="approve_moderation", now=T0 + hours(1))
    return ids


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The story is only read by the tests below: build it once for the module."""
    engine = make_engine(database_url_for_tests(tmp_path_factory))
    SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as session:
        yield session, _story(session)
    SQLModel.metadata.drop_all(engine)
    engine.dispose()


@pytest.fixture()
def session(built):
    return built[0]


@pytest.fixture()
def region(built):
    return built[1]


def _story(session):
    r = build_region(session)
    uk = _batch(session, r, 10, r.c_yard, r.t_city)
    for i, a in enumerate(uk):
        _answer(session, r, r.staff[r.o_uk], a, 10, rework=i == 0)
    for i, (a, score) in enumerate(zip(uk, [5, 5, 5, 5, 5, 2, 2, 2])):
        comment = f"Ничего не сделано, двор №{i}" if score == 2 else None
        appeals.rate(session, actor=r.citizen, appeal_id=a, score=score, comment=comment, now=T0 + hours(20 + i))
        if score == 2:
            appeals.perform(session, actor=r.coordinator, appeal_id=a, action="confirm_closure",
                            now=T0 + hours(40))
    district = _batch(session, r, 10, r.c_yard, r.t_district)
    for a in district[:5]:
        _answer(session, r, r.staff[r.o_district_uk], a, 30)
    heat = _batch(session, r, 10, r.c_heating, r.t_city)
    for i, a in enumerate(heat):
        _answer(session, r, r.staff[r.o_heat], a, 20)
        if i < 4:
            appeals.rate(session, actor=r.citizen, appeal_id=a, score=4, now=T0 + hours(30))
    for a in _batch(session, r, MIN_APPEALS - 1, r.c_potholes, r.t_rural):
        _answer(session, r, r.staff[r.o_roads], a, 40)
    return r


def _scored(session):
    since, until = period_bounds(PERIOD, NOW)
    scored, region = score_organizations(session, since=since, until=until, now=NOW)
    return {s.organization_id: s for s in scored}, region


def test_index_worked_by_hand(session, region):
    r = region
    scored, reg = _scored(session)
    # the ratings read the rollups: percentiles within 0.5 % of the exact ones (ratios of two within 1 %)
    assert reg["median_hours_to_first_answer"] == pytest.approx(20.0, rel=0.005)
    uk = scored[r.o_uk]
    assert uk.kpis["received"] == 10
    assert uk.scores == {"on_time": 1.0, "speed": 1.0, "satisfaction": 5 / 8, "rework": pytest.approx(0.9),
                         "overdue": 1.0}
    # 100 × (0.30 × 1 + 0.20 × 1 + 0.25 × 0.625 + 0.15 × 0.9 + 0.10 × 1)
    assert uk.index == pytest.approx(89.125)
    district = scored[r.o_district_uk]
    assert district.scores["satisfaction"] is None  # nobody rated: its weight goes to the others
    assert district.scores["speed"] == pytest.approx(20 / 30, rel=0.01)
    assert district.scores["overdue"] == pytest.approx(0.5)
    # 100 × (0.30 × 1 + 0.20 × 2/3 + 0.15 × 1 + 0.10 × 0.5) / 0.75
    assert district.index == pytest.approx(100 * (0.3 + 0.2 * 2 / 3 + 0.15 + 0.05) / 0.75, rel=0.005)
    assert scored[r.o_heat].index == pytest.approx(100.0)


def test_rank_is_among_peers_of_the_same_type(session, region):
    r = region
    scored, _ = _scored(session)
    assert (scored[r.o_uk].rank, scored[r.o_uk].peers) == (1, 2)
    assert (scored[r.o_district_uk].rank, scored[r.o_district_uk].peers) == (2, 2)
    assert (scored[r.o_heat].rank, scored[r.o_heat].peers) == (1, 1)  # a utility is not ranked against УК


def test_too_few_appeals_are_listed_as_insufficient_not_ranked(session, region):
    r = region
    scored, _ = _scored(session)
    roads = scored[r.o_roads]
    assert roads.kpis["received"] == MIN_APPEALS - 1 and roads.index is None and roads.rank is None
    assert scored[r.o_ministry].kpis["received"] == 0 and scored[r.o_ministry].index is None
    page = rv.ranking_page(session, rv.RankingQuery(org_type="road_service"), actor=r.official, now=NOW)
    assert [(row["name"], row["index"], row["rank"]) for row in page.rows] == [
        ("Дорожное агентство", INSUFFICIENT, "—")]
    assert (page.total, page.ranked) == (1, 0)
    assert f"не меньше {MIN_APPEALS} обращений" in FORMULA_RU


def test_the_ranking_page_shows_the_numbers_as_worked_out(session, region):
    r = region
    page = rv.ranking_page(session, rv.RankingQuery(), actor=r.coordinator, now=NOW)
    assert page.total == 7 and page.ranked == 3  # every organisation is listed, three are ranked
    top = [(row["name"], row["index"], row["rank"]) for row in page.rows[:4]]
    assert top == [("АО «Теплосеть»", "100,0", "1 из 1"), ("УК «Северный дом»", "89,1", "1 из 2"),
                   ("УК Центрального района", "84,4", "2 из 2"), ("Дорожное агентство", INSUFFICIENT, "—")]
    uk = page.rows[1]
    assert uk["received"] == "10"
    assert uk["values"] == ["100,0\u00a0%", "10,0\u00a0ч", "62,5\u00a0%", "10,0\u00a0%", "0,0\u00a0%"]
    by_name = rv.ranking_page(session, rv.RankingQuery(sort="name", org_type="management_company"),
                              actor=r.coordinator, now=NOW)
    assert [row["name"] for row in by_name.rows] == ["УК «Северный дом»", "УК Центрального района"]
    second_page = rv.ranking_page(session, rv.RankingQuery(page=1), actor=r.coordinator, now=NOW, page_size=5)
    assert len(second_page.rows) == 2


def test_organisation_page_components_trend_categories_and_low_rated_answers(session, region):
    r = region
    detail = rv.organization_rating(session, r.o_uk, actor=r.coordinator, period=PERIOD, now=NOW)
    assert (detail.index, detail.rank, detail.received) == ("89,1", "1 из 2", 10)
    assert [(c["value"], c["score"]) for c in detail.components] == [
        ("100,0\u00a0%", "1,00"), ("10,0\u00a0ч", "1,00"), ("62,5\u00a0%", "0,62"), ("10,0\u00a0%", "0,90"),
        ("0,0\u00a0%", "1,00")]
    assert_hours_close(detail.components[1]["region"].replace("\u00a0", " "), 20.0)
    # the period is 2 February – 2 May 2025 (Moscow); every appeal came in March
    assert [(t["month"], t["received"], t["index"]) for t in detail.trend] == [
        ("фев 2025", 0, INSUFFICIENT), ("мар 2025", 10, "89,1"), ("апр 2025", 0, INSUFFICIENT),
        ("май 2025", 0, INSUFFICIENT)]
    assert detail.series["index"] == [None, 89.1, None, None]
    # a month's numbers are compute_kpis' numbers for that month
    march = compute_kpis(session, group_by="organisation", since=datetime(2025, 3, 1, tzinfo=MSK),
                         until=datetime(2025, 4, 1, tzinfo=MSK), now=NOW, exact=False)
    index, _ = index_of(march[march.group_id == r.o_uk].iloc[0].to_dict(), march.iloc[-1].to_dict())
    assert round(index, 1) == detail.series["index"][1]
    assert detail.series["satisfaction"] == [None, 62.5, None, None]
    assert detail.categories == [{"category": "ЖКХ / Уборка придомовой территории", "received": 10,
                                  "on_time": "100,0\u00a0%", "satisfaction": "62,5\u00a0%"}]
    rows, total = rv.low_rated_answers(session, r.o_uk, actor=r.coordinator, period=PERIOD, now=NOW)
    assert total == 3
    assert [row["comment"] for row in rows] == ["Ничего не сделано, двор №7", "Ничего не сделано, двор №6",
                                                "Ничего не сделано, двор №5"]  # the newest rating first
    assert all(row["score"] == 2 and row["answer"] == ANSWER_TEXT for row in rows)
    rows, total = rv.low_rated_answers(session, r.o_uk, actor=r.coordinator, period=PERIOD, now=NOW, page=1,
                                       page_size=2)
    assert (len(rows), total) == (1, 3)


def test_citizens_get_nothing(session, region):
    r = region
    calls = [
        lambda: rv.ranking_page(session, rv.RankingQuery(), actor=r.citizen, now=NOW),
        lambda: rv.ranking_table(session, rv.RankingQuery(), actor=r.citizen, now=NOW),
        lambda: rv.organization_rating(session, r.o_uk, actor=r.citizen, period=PERIOD, now=NOW),
        lambda: rv.low_rated_answers(session, r.o_uk, actor=r.citizen, period=PERIOD, now=NOW),
        lambda: rv.trend_table(session, r.o_uk, actor=r.citizen, period=PERIOD, now=NOW),
        lambda: rv.ranking_page(session, rv.RankingQuery(), actor=None, now=NOW),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied) as refused:
            call()
        assert is_russian(refused.value.message)
    assert navigation(r.citizen) == ("", None)


def test_organisation_staff_see_their_peers_by_name_index_and_rank_only(session, region):
    r = region
    staff = r.staff[r.o_uk]
    # whatever type or order the client asks for, they get their own type, ordered by what they may see
    page = rv.ranking_page(session, rv.RankingQuery(org_type="utility", sort="received"), actor=staff, now=NOW)
    assert page.narrowed and page.org_type == "management_company"
    own, peer = page.rows
    assert (own["name"], own["own"], own["can_open"], own["received"]) == ("УК «Северный дом»", True, True, "10")
    assert (peer["name"], peer["index"], peer["rank"]) == ("УК Центрального района", "84,4", "2 из 2")
    assert (peer["received"], peer["values"], peer["can_open"]) == ("", [""] * len(COMPONENTS), False)
    header, rows = rv.ranking_table(session, rv.RankingQuery(), actor=staff, now=NOW)
    assert header == ["Организация", "Тип", "Индекс", "Место среди организаций типа", "Организаций типа в рейтинге"]
    assert rows == [["УК «Северный дом»", "Управляющая компания", 89.1, 1, 2],
                    ["УК Центрального района", "Управляющая компания", 84.4, 2, 2]]
    assert navigation(staff) == ("Рейтинг моей организации", r.o_uk)


def test_organisation_staff_cannot_open_another_organisations_page(session, region):
    r = region
    staff = r.staff[r.o_uk]
    assert rv.organization_rating(session, r.o_uk, actor=staff, period=PERIOD, now=NOW).index == "89,1"
    for call in (lambda: rv.organization_rating(session, r.o_district_uk, actor=staff, period=PERIOD, now=NOW),
                 lambda: rv.low_rated_answers(session, r.o_district_uk, actor=staff, period=PERIOD, now=NOW),
                 lambda: rv.trend_table(session, r.o_district_uk, actor=staff, period=PERIOD, now=NOW)):
        with pytest.raises(PermissionDenied) as refused:
            call()
        assert is_russian(refused.value.message)


@pytest.mark.parametrize("who", ["coordinator", "official", "admin"])
def test_officials_coordinators_and_admins_see_everything(session, region, who):
    r = region
    actor = getattr(r, who)
    assert navigation(actor) == ("Рейтинг организаций", None)
    page = rv.ranking_page(session, rv.RankingQuery(), actor=actor, now=NOW)
    assert not page.narrowed and all(row["can_open"] for row in page.rows)
    assert rv.organization_rating(session, r.o_district_uk, actor=actor, period=PERIOD, now=NOW).index == "84,4"
    assert rv.low_rated_answers(session, r.o_uk, actor=actor, period=PERIOD, now=NOW)[1] == 3


def test_export_has_the_numbers_of_the_page(session, region):
    r = region
    header, rows = rv.ranking_table(session, rv.RankingQuery(org_type="management_company"), actor=r.official,
                                    now=NOW)
    assert header[5:] == ["Поступило обращений", "Доля ответов в срок", "Медиана времени до первого ответа, ч",
                          "Удовлетворённость", "Доля доработок", "Доля просроченных сейчас"]
    assert rows[0] == ["УК «Северный дом»", "Управляющая компания", 89.1, 1, 2, 10, 100.0, 10.0, 62.5, 10.0, 0.0]
    # the district УК has no ratings: an empty cell, not a zero
    assert rows[1][:7] + rows[1][8:] == ["УК Центрального района", "Управляющая компания", 84.4, 2, 2, 10, 100.0, "",
                                         0.0, 50.0]
    assert rows[1][7] == pytest.approx(30.0, rel=0.005, abs=0.05)  # a median: from the rollups, within 0.5 %
    text = csv_bytes(header, rows).decode("utf-8-sig")
    assert text.splitlines()[1] == "УК «Северный дом»;Управляющая компания;89,1;1;2;10;100,0;10,0;62,5;10,0;0,0"
    from io import BytesIO

    from openpyxl import load_workbook
    sheet = load_workbook(BytesIO(xlsx_bytes(header, rows, "Рейтинг"))).active
    assert [c.value for c in sheet[2]] == rows[0]
    header, rows = rv.trend_table(session, r.o_uk, actor=r.staff[r.o_uk], period=PERIOD, now=NOW)
    assert header[:3] == ["Месяц", "Поступило", "Индекс"] and len(header) == 3 + len(COMPONENTS)
    assert rows[1] == ["мар 2025", 10, 89.1, 100.0, 10.0, 62.5, 10.0, 0.0]
    assert rows[0] == ["фев 2025", 0, "", "", "", "", "", ""]


def test_the_weights_add_up_to_one_and_every_input_is_a_registered_kpi():
    assert sum(c.weight for c in COMPONENTS) == pytest.approx(1.0)
    assert all(c.kpi in KPI_DEFINITIONS for c in COMPONENTS)
    assert len({c.key for c in COMPONENTS}) == len(COMPONENTS)


def test_index_ignores_undefined_components_and_caps_speed():
    region = {c.kpi: 0.5 for c in COMPONENTS} | {"median_hours_to_first_answer": 10.0}
    row = {c.kpi: float("nan") for c in COMPONENTS} | {"on_time_share": 0.8, "median_hours_to_first_answer": 5.0}
    index, scores = index_of(row, region)
    assert scores["speed"] == 1.0  # twice as fast as the region still scores 1
    assert index == pytest.approx(100 * (0.3 * 0.8 + 0.2 * 1.0) / 0.5)
    assert index_of({c.kpi: float("nan") for c in COMPONENTS}, region)[0] is None


def test_the_trend_figure_carries_the_series_and_no_template():
    from pos_dashboard.analytics.rating_chart import trend_figure
    series = {"months": ["мар 2025", "апр 2025"], "index": [89.1, None]} | {c.key: [50.0, None] for c in COMPONENTS}
    figure = trend_figure(series)
    assert [trace.name for trace in figure.data] == ["Индекс", *[c.label_ru for c in COMPONENTS]]
    assert list(figure.data[0].y) == [89.1, None]
    assert figure.to_plotly_json()["layout"].get("template") in (None, {})  # rx.plotly brings its own
    assert len(figure.to_json()) < 3_000  # aggregated series only (the default template alone is ~7 KB)
