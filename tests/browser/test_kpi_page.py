"""/kpi as an official sees it on the demo region: the numbers equal compute_kpis for the same
filters, a filter change updates the cards and the URL, a number opens the queue with as many
appeals, exports hold the page's numbers, organisation staff are refused."""

import csv
import io
import re
from urllib.parse import parse_qsl, urlsplit

from sqlmodel import Session, select

from pos_dashboard.analytics.dashboard import CARD_KPIS, HOURS, display
from pos_dashboard.analytics.dashboard_filter import from_query, period_bounds
from pos_dashboard.analytics.kpi import compute_kpis
from pos_dashboard.db import make_engine
from pos_dashboard.domain.models import Appeal, Territory
from pos_dashboard.domain.types import utcnow
from tests.factories import assert_hours_close

from .a11y import PHONE_VIEWPORT, assert_accessible
from .conftest import log_in, wait_ready

STATE_LIMIT_BYTES = 200_000


def _open(page, app_url, query: str = "", login: str = "official"):
    log_in(page, app_url, login)
    page.wait_for_url(lambda url: "/login" not in url, timeout=30_000)
    page.goto(app_url + "/kpi" + (f"?{query}" if query else ""))
    wait_ready(page)
    page.wait_for_selector("#kpi-cards, #kpi-error", timeout=60_000)


def _expected(demo_db: str, query: str, whole_region: bool = False):
    flt = from_query(dict(parse_qsl(query)))
    now = utcnow()
    since, until = period_bounds(flt, now)
    with Session(make_engine(demo_db)) as session:
        return compute_kpis(session, since=since, until=until, now=now,
                            selection=None if whole_region else flt.selection()).iloc[-1]


def _busiest_territory(demo_db: str) -> tuple[int, str]:
    with Session(make_engine(demo_db)) as session:
        roots = session.exec(select(Territory.id, Territory.name).where(Territory.parent_id.is_(None))).all()
        counts = {tid: session.exec(select(Appeal.id).where(Appeal.territory_id == tid)).all() for tid, _ in roots}
        return max(roots, key=lambda r: len(counts[r[0]]))


def _card(page, name: str) -> str:
    return page.inner_text(f"#kpi-value-{name}").strip()


def test_the_cards_equal_compute_kpis_for_the_same_filter(page, app_url, demo_db):
    _open(page, app_url, "period=365")
    row = _expected(demo_db, "period=365")  # the exact scan; the page reads the rollups
    assert {name: _card(page, name) for name in CARD_KPIS if name not in HOURS} == \
        {name: display(name, row[name]) for name in CARD_KPIS if name not in HOURS}  # counts and shares: equal
    for name in HOURS:  # percentiles: within the 0.5 % the rollups allow (and the display's rounding)
        assert_hours_close(_card(page, name).replace("\xa0", " "), row[name])
    assert int(_card(page, "received").replace("\xa0", "")) > 0
    assert page.locator(".org-row").count() <= 25
    assert_accessible(page, "/kpi (year)")


def test_a_filter_change_updates_cards_and_url_and_a_bookmark_restores_it(page, app_url, demo_db):
    territory_id, name = _busiest_territory(demo_db)
    _open(page, app_url, "period=365")
    region_received = _card(page, "received")
    page.click("#kpi-add-territory")
    page.get_by_role("option", name=name, exact=True).click()
    page.wait_for_url(re.compile(rf".*territory={territory_id}.*"), timeout=30_000)
    query = f"period=365&territory={territory_id}"
    expected = _expected(demo_db, query)
    page.wait_for_function("([id, v]) => document.getElementById(id)?.innerText.trim() === v",
                           arg=["kpi-value-received", display("received", expected.received)], timeout=30_000)
    assert page.inner_text("#kpi-region-received") == "Регион: " + region_received
    assert name in page.inner_text(".kpi-chip")
    assert _card(page, "on_time_share") == display("on_time_share", expected.on_time_share)
    # the URL is the view: opening it again shows the same
    page.goto(app_url + "/kpi?" + query)
    wait_ready(page)
    page.wait_for_selector(".kpi-chip", timeout=60_000)
    assert _card(page, "received") == display("received", expected.received)


def _queue_total(page) -> int:
    page.wait_for_selector("#queue-total", timeout=60_000)
    page.wait_for_selector("#queue-drill", timeout=30_000)
    page.wait_for_timeout(500)
    return int(re.search(r"\d+", page.inner_text("#queue-total").replace("\xa0", "")).group())


def test_a_number_opens_the_queue_with_the_appeals_behind_it(page, app_url, demo_db):
    territory_id, _ = _busiest_territory(demo_db)
    _open(page, app_url, f"period=365&territory={territory_id}")
    for name in ("received", "answered", "redirected"):
        value = int(_card(page, name).replace("\xa0", ""))
        page.click(f"#kpi-value-{name}")
        page.wait_for_url(re.compile(r".*/\?.*status=all.*"), timeout=30_000)
        params = dict(parse_qsl(urlsplit(page.url).query))
        assert params["territory"] == str(territory_id)
        assert _queue_total(page) == value, name
        page.go_back()
        page.wait_for_selector("#kpi-cards", timeout=60_000)
    # a table row's count opens that organisation's appeals
    first = page.locator(".org-row").first
    value = int(first.locator("td").first.inner_text().replace("\xa0", ""))
    first.locator("a").first.click()
    assert _queue_total(page) == value


def test_exports_hold_the_numbers_of_the_page(page, app_url):
    _open(page, app_url, "period=365")
    shown = [[cell.strip() for cell in row.inner_text().split("\t")] for row in page.locator(".territory-row").all()]
    with page.expect_download() as download:
        page.click("#export-territory-csv")
    path = download.value.path()
    rows = list(csv.reader(io.StringIO(open(path, encoding="utf-8-sig").read()), delimiter=";"))
    assert download.value.suggested_filename.endswith(".csv")
    assert [row[:3] for row in rows[1:]] == [[r[0], r[1].replace("\xa0", ""), r[2].replace("\xa0", "")] for r in shown]
    with page.expect_download() as download:
        page.click("#export-organisation-xlsx")
    assert download.value.suggested_filename.endswith(".xlsx")


def test_organisation_staff_and_citizens_are_refused(page, app_url):
    for login in ("org", "citizen"):
        _open(page, app_url, login=login)
        assert "доступна" in page.inner_text("#kpi-error")
        assert page.locator("#kpi-cards").count() == 0
        assert page.locator("#nav-kpi").count() == 0
        page.context.clear_cookies()
        page.evaluate("localStorage.clear()")


def test_the_largest_state_sent_stays_small_and_the_phone_view_fits(page, app_url):
    frames: list[int] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(len(payload))))
    _open(page, app_url, "period=365")
    page.wait_for_timeout(1000)
    page.click("#org-next")
    page.wait_for_selector("text=Страница 2 из", timeout=30_000)
    first = page.locator(".org-row th").first.inner_text()
    page.click("#org-sort-group")  # by name, A→Я, from the first page
    page.wait_for_function("t => document.querySelector('.org-row th').innerText !== t", arg=first, timeout=30_000)
    assert "Страница 1 из" in page.inner_text("#org-table + *, body")
    largest = max(frames)
    print(f"/kpi year view: {len(frames)} frames, largest {largest} B, sum {sum(frames)} B")
    assert largest <= STATE_LIMIT_BYTES
    page.screenshot(path="/tmp/kpi-desktop.png")
    page.set_viewport_size(PHONE_VIEWPORT)
    page.wait_for_timeout(500)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"] + 1
    assert_accessible(page, "/kpi on a phone")


def test_the_cards_follow_new_appeals_without_a_reload(page, app_url, demo_db):
    import time

    from pos_dashboard.domain.models import Category, User
    from pos_dashboard.services import appeals
    from pos_dashboard.services.actors import Actor

    _open(page, app_url, "period=7")
    before = int(_card(page, "received").replace("\xa0", ""))
    engine = make_engine(demo_db)
    with Session(engine) as session:
        citizen = session.exec(select(User).where(User.login == "citizen")).one()
        category = session.exec(select(Category).where(Category.parent_id.is_not(None))).first()
        territory = session.exec(select(Territory)).first()
        appeals.submit_appeal(session, actor=Actor.of(citizen), category_id=category.id, territory_id=territory.id,
                              text="Проверка панели показателей: не горит фонарь у подъезда дома 3.",
                              address="ул. Тестовая, д. 3")
    engine.dispose()
    submitted = time.monotonic()
    page.wait_for_function("v => document.getElementById('kpi-value-received').innerText.trim() === v",
                           arg=str(before + 1), timeout=60_000)
    print(f"/kpi followed a new appeal in {time.monotonic() - submitted:.1f} s")


def test_an_answer_given_elsewhere_moves_the_answered_card_without_a_reload(page, app_url, demo_db):
    """An organisation answers an appeal of the period through the services while the page is open:
    «Дан ответ» follows (the page polls the change version, then reads the rollups again)."""
    import time
    from datetime import date, timedelta

    from pos_dashboard.domain.enums import Role, Status
    from pos_dashboard.domain.models import User
    from pos_dashboard.services import appeals
    from pos_dashboard.services.actors import Actor

    _open(page, app_url, "period=7")
    since, _ = period_bounds(from_query({"period": "7"}), utcnow())
    before = int(_card(page, "answered").replace("\xa0", ""))
    received = _card(page, "received")
    engine = make_engine(demo_db)
    with Session(engine) as session:
        appeal = session.exec(select(Appeal).where(Appeal.status == Status.IN_WORK.value,
                                                   Appeal.first_answer_at.is_(None), Appeal.created_at >= since,
                                                   Appeal.organization_id.is_not(None))).first()
        assert appeal is not None, "the demo has an unanswered appeal in work from this week"
        staff = session.exec(select(User).where(User.organization_id == appeal.organization_id,
                                                User.role == Role.ORG_STAFF.value)).first()
        appeals.perform(session, actor=Actor.of(staff), appeal_id=appeal.id, action="give_interim_answer",
                        text="Работы запланированы, подрядчик приступит после согласования сметы.",
                        planned_date=date.today() + timedelta(days=10))
    engine.dispose()
    answered = time.monotonic()
    page.wait_for_function("v => document.getElementById('kpi-value-answered').innerText.trim() === v",
                           arg=display("answered", before + 1), timeout=60_000)
    assert _card(page, "received") == received
    print(f"/kpi followed an answer in {time.monotonic() - answered:.1f} s")


def test_the_pdf_report_button_downloads_the_dashboard_with_the_pages_numbers(page, app_url):
    from tests.test_dashboard_pdf import pdf_text

    _open(page, app_url, "period=365")
    shown = {name: _card(page, name) for name in CARD_KPIS}
    with page.expect_download(timeout=120_000) as download:
        page.click("#export-report-pdf")
    assert download.value.suggested_filename.startswith("kpi_report_")
    data = open(download.value.path(), "rb").read()
    assert data.startswith(b"%PDF-")
    lines = [line for line in pdf_text(data).splitlines() if line.strip()]
    from pos_dashboard.analytics.kpi import KPI_DEFINITIONS
    for name in CARD_KPIS:  # each card's label, then its value as the page shows it
        assert lines[lines.index(KPI_DEFINITIONS[name].label_ru) + 1] == shown[name], name


def test_a_forged_report_event_from_organisation_staff_gets_no_file(app_url):
    """The PDF handler checks the role on the server: organisation staff sending the event get the
    dashboard's refusal and no download."""
    import asyncio
    import sys
    from concurrent.futures import ThreadPoolExecutor
    from pathlib import Path

    import pytest

    rxprobe = Path(__file__).resolve().parents[3] / "shared" / "tools" / "rxprobe"
    if not (rxprobe / "rxprobe.py").exists():
        pytest.skip(f"rxprobe is not at {rxprobe}")
    sys.path.insert(0, str(rxprobe))
    from rxprobe import ReflexClient

    async def scenario():
        client = ReflexClient(app_url, timeout=30)
        try:
            await client.hydrate("/login")
            await client.send("LoginState.submit", {"form": {"login": "org", "password": "demo12345"}},
                              wait="barrier", timeout=60)
            client.local_storage["pos_token"] = client.var("AppState.auth_token")
            await client.hydrate("/kpi")
            reply = await client.send("KpiTablesState.export_report", {}, wait="barrier", timeout=60)
            assert not reply.backend_error
            assert not [event for event in reply.events if "download" in str(event).lower()]
            assert "доступна" in client.var("KpiState.error")
        finally:
            await client.close()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, scenario()).result()
