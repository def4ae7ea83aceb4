"""Organisation ratings as users see them in Chromium, on the demo region: the page shows the
read model's numbers, organisation staff see their peers but no other organisation's page."""

import re

import pytest
from sqlmodel import Session, select

from pos_dashboard.analytics import rating_views
from pos_dashboard.analytics.ratings import DEFAULT_PERIOD, MIN_APPEALS, rating_moment
from pos_dashboard.db import make_engine
from pos_dashboard.domain.models import Organization, User
from pos_dashboard.domain.types import utcnow
from pos_dashboard.services.actors import Actor

from .a11y import PHONE_VIEWPORT, assert_accessible
from .conftest import log_in, wait_ready

SLOW_PAGE_MS = 90_000  # the exact KPI path scans the period's appeals on a shared, loaded machine


def _read(db_url: str, read):
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            return read(session)
    finally:
        engine.dispose()


def _actor(db_url: str, login: str) -> Actor:
    return _read(db_url, lambda s: Actor.of(s.exec(select(User).where(User.login == login)).one()))


def _expected_page(db_url: str, actor: Actor) -> rating_views.RankingPage:
    return _read(db_url, lambda s: rating_views.ranking_page(s, rating_views.RankingQuery(), actor=actor,
                                                             now=rating_moment(utcnow())))


def _open(page, app_url: str, login: str, path: str) -> None:
    log_in(page, app_url, login)
    page.wait_for_selector("#current-user", timeout=30_000)
    page.goto(app_url + path)
    wait_ready(page)


def _text(locator) -> str:
    return locator.inner_text().replace("\xa0", " ").strip()


def _shown_rows(page) -> list[tuple[str, str, str]]:
    rows = page.locator(".rating-row")
    return [(_text(rows.nth(i).locator(".rating-rank")), _text(rows.nth(i).locator(".rating-name")).split("\n")[0],
             _text(rows.nth(i).locator(".rating-index"))) for i in range(rows.count())]


def _expected_rows(expected) -> list[tuple[str, str, str]]:
    return [(row["rank"], row["name"], row["index"]) for row in expected.rows]


def test_coordinator_sees_the_read_models_numbers_and_the_formula(page, app_url, demo_db):
    _open(page, app_url, "coordinator", "/")
    assert _text(page.locator("#nav-ratings")) == "Рейтинг организаций"
    page.click("#nav-ratings")
    page.wait_for_selector(".rating-row", timeout=SLOW_PAGE_MS)
    expected = _expected_page(demo_db, _actor(demo_db, "coordinator"))
    assert 0 < page.locator(".rating-row").count() == len(expected.rows) <= 50
    assert _shown_rows(page) == _expected_rows(expected)
    first = expected.rows[0]
    assert first["rank"] != "—"  # the default order puts the ranked organisations first
    shown = page.locator(".rating-row").first
    assert _text(shown.locator(".rating-received")) == first["received"]
    assert _text(shown.locator(".rating-on_time")) == first["values"][0].replace("\xa0", " ")
    assert _text(page.locator("#rating-total")) == f"Организаций: {expected.total}, в рейтинге: {expected.ranked}"
    assert f"не меньше {MIN_APPEALS} обращений" in page.inner_text("#rating-formula")
    assert page.locator("#rating-components tbody tr").count() == 5


def test_coordinator_opens_an_organisations_page_with_its_trend(page, app_url, demo_db):
    _open(page, app_url, "coordinator", "/ratings")
    page.wait_for_selector(".rating-row", timeout=SLOW_PAGE_MS)
    link = page.locator(".rating-row").first.locator(".rating-name a")
    name = _text(link)
    link.click()
    page.wait_for_url(re.compile(r".*/ratings/\d+$"))
    page.wait_for_selector("#detail-title", timeout=SLOW_PAGE_MS)
    organization_id = int(page.url.rsplit("/", 1)[1])
    coordinator = _actor(demo_db, "coordinator")
    expected = _read(demo_db, lambda s: rating_views.organization_rating(
        s, organization_id, actor=coordinator, period=DEFAULT_PERIOD, now=rating_moment(utcnow())))
    assert _text(page.locator("#detail-title")) == name == expected.name
    assert (_text(page.locator("#detail-index")), _text(page.locator("#detail-rank"))) == (expected.index, expected.rank)
    trend = page.locator("#detail-trend tbody tr")
    assert trend.count() == len(expected.trend)
    assert [_text(cell) for cell in page.locator("#detail-trend .trend-index").all()] == [
        t["index"].replace("\xa0", " ") for t in expected.trend]
    page.wait_for_selector("#detail-chart .js-plotly-plot", timeout=30_000)


def test_organisation_staff_see_their_peers_and_are_refused_another_organisations_page(page, app_url, demo_db):
    staff = _actor(demo_db, "org")
    _open(page, app_url, "org", "/")
    assert _text(page.locator("#nav-ratings")) == "Рейтинг моей организации"
    page.click("#nav-ratings")
    page.wait_for_url(re.compile(rf".*/ratings/{staff.organization_id}$"))
    page.wait_for_selector("#detail-title", timeout=SLOW_PAGE_MS)
    own_type, peer_id = _read(demo_db, lambda s: _type_and_peer(s, staff.organization_id))

    page.goto(app_url + "/ratings")
    wait_ready(page)
    page.wait_for_selector(".rating-row", timeout=SLOW_PAGE_MS)
    expected = _expected_page(demo_db, staff)
    assert expected.narrowed and expected.org_type == own_type
    assert _shown_rows(page) == _expected_rows(expected)
    assert page.locator(".rating-received").count() == 0  # peers: name, index and rank only
    assert page.locator(f".rating-row[data-org='{peer_id}'] a").count() == 0

    page.goto(app_url + f"/ratings/{peer_id}")
    wait_ready(page)
    page.wait_for_selector("#detail-error", timeout=SLOW_PAGE_MS)
    assert "недоступен" in page.inner_text("#detail-error")
    assert page.locator("#detail-title").count() == 0 and page.locator(".low-rated").count() == 0


def _type_and_peer(session, organization_id: int) -> tuple[str, int]:
    own = session.get(Organization, organization_id)
    peer = session.exec(select(Organization.id).where(Organization.org_type == own.org_type,
                                                      Organization.id != own.id).order_by(Organization.id)).first()
    return str(own.org_type), peer


def test_the_ranking_downloads_as_csv_with_the_pages_numbers(page, app_url, demo_db):
    _open(page, app_url, "official", "/ratings")
    page.wait_for_selector(".rating-row", timeout=SLOW_PAGE_MS)
    with page.expect_download(timeout=SLOW_PAGE_MS) as download:
        page.click("#rating-export-csv")
    lines = open(download.value.path(), encoding="utf-8-sig").read().splitlines()
    expected = _expected_page(demo_db, _actor(demo_db, "official"))
    assert lines[0].startswith("Организация;Тип;Индекс;Место среди организаций типа")
    assert len(lines) == expected.total + 1
    first = expected.rows[0]
    assert lines[1].startswith(f"{first['name']};{first['org_type']};{first['index']};{first['rank'].split()[0]};")


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_ratings_pages_are_accessible(page, app_url, demo_db, screen):
    if screen == "phone":
        page.set_viewport_size(PHONE_VIEWPORT)
    _open(page, app_url, "coordinator", "/ratings")
    page.wait_for_selector(".rating-row", timeout=SLOW_PAGE_MS)
    assert_accessible(page, f"/ratings ({screen})")
    page.locator(".rating-row").first.locator(".rating-name a").click()
    page.wait_for_selector("#detail-title", timeout=SLOW_PAGE_MS)
    page.wait_for_selector("#detail-chart .js-plotly-plot", timeout=30_000)
    assert_accessible(page, f"/ratings/N ({screen})")
