"""The coordinator's queue as a user sees it in Chromium."""

import re
import time
from datetime import datetime, timezone

from sqlmodel import Session, select

from pos_dashboard.db import make_engine
from pos_dashboard.domain.enums import OPEN_STATUSES
from pos_dashboard.domain.models import Appeal, Category, Territory, User
from pos_dashboard.services import appeals
from pos_dashboard.services.actors import Actor

from .a11y import assert_accessible
from .conftest import log_in, wait_ready

LIVE_UPDATE_LIMIT_S = 5


def _total(page) -> int:
    return int(re.search(r"\d+", page.inner_text("#queue-total").replace("\xa0", "")).group())


def _submit_to_moderation(demo_db: str, what: str) -> tuple[int, str]:
    """A fresh appeal in moderation: the demo, built at the current hour, may have none there."""
    text = f"Сломана скамейка во дворе, {what} {time.time_ns()}"
    engine = make_engine(demo_db)
    with Session(engine) as session:
        citizen = session.exec(select(User).where(User.login == "citizen")).one()
        category = session.exec(select(Category).where(Category.parent_id.is_not(None))).first()
        territory = session.exec(select(Territory)).first()
        appeal_id = appeals.submit_appeal(session, actor=Actor.of(citizen), category_id=category.id, text=text,
                                          territory_id=territory.id, address="ул. Тестовая, д. 1").id
    engine.dispose()
    return appeal_id, text


def _open_queue(page, app_url):
    log_in(page, app_url)
    page.wait_for_selector(".queue-row", timeout=30_000)
    wait_ready(page)


def test_wrong_password_is_refused_in_russian_and_keeps_the_login(page, app_url):
    page.goto(app_url + "/login")
    wait_ready(page)
    page.fill("#login", "coordinator")
    page.fill("#password", "не тот пароль")
    page.click("#login-submit")
    page.wait_for_selector("#login-error")
    assert "Неверный логин или пароль" in page.inner_text("#login-error")
    assert page.input_value("#login") == "coordinator"


def test_queue_without_login_sends_to_login(page, app_url):
    page.goto(app_url + "/")
    page.wait_for_url(re.compile(r".*/login$"), timeout=20_000)


def test_queue_renders_demo_data(page, app_url, demo_db):
    _open_queue(page, app_url)
    rows = page.locator(".queue-row")
    assert 0 < rows.count() <= 50
    assert _total(page) >= rows.count()
    assert "Координатор" in page.inner_text("header, body")
    headers = page.inner_text("#queue-table thead")
    for title in ("Номер", "Категория", "Исполнитель", "Статус", "Срок"):
        assert title in headers
    # Open appeals are sorted by deadline: the first row is the open appeal due soonest, marked
    # overdue exactly when the data says so (whatever day the test runs on).
    soonest = _open_appeal_due_soonest(demo_db)
    first = page.locator(".queue-row").first.inner_text()
    assert first.startswith(f"№{soonest.id}")
    overdue = soonest.deadline_at < datetime.now(timezone.utc)
    assert first.count("просрочено") == (1 if overdue else 0)


def _open_appeal_due_soonest(db_url: str) -> Appeal:
    engine = make_engine(db_url)
    with Session(engine) as session:
        appeal = session.exec(select(Appeal)
                              .where(Appeal.status.in_([s.value for s in OPEN_STATUSES]))
                              .where(Appeal.deadline_at.is_not(None))
                              .order_by(Appeal.deadline_at, Appeal.id)).first()
    engine.dispose()
    return appeal


def test_status_filter_narrows_the_queue(page, app_url, demo_db):
    _submit_to_moderation(demo_db, "проверка фильтра")
    _open_queue(page, app_url)
    open_total = _total(page)
    page.click("#status-moderation")
    page.wait_for_function(f"() => !document.querySelector('#queue-total').innerText.includes('{open_total}')")
    moderated = _total(page)
    assert 0 < moderated < open_total
    statuses = page.locator(".queue-row").all_inner_texts()
    assert statuses and all("Модерация" in text for text in statuses)


def test_text_search_narrows_the_queue(page, app_url):
    _open_queue(page, app_url)
    first_id = page.locator(".queue-row").first.inner_text().split()[0].lstrip("№")
    page.fill("#filter-search", first_id)
    page.wait_for_function("() => document.querySelectorAll('.queue-row').length === 1", timeout=10_000)
    assert page.locator(".queue-row").first.inner_text().startswith(f"№{first_id}")


def test_word_search_finds_other_forms_and_marks_them(page, app_url, demo_db):
    """«скамейкой» finds the «скамейка» of a fresh appeal (a word, in another form), and the queue
    marks the matching word; «амейк» inside a word finds nothing from the text; a street is marked
    in the address."""
    appeal_id, _ = _submit_to_moderation(demo_db, "и урна тоже")
    _open_queue(page, app_url)
    page.click("#status-all")
    page.fill("#filter-search", "скамейкой урны")
    page.wait_for_selector(f".queue-row:has-text('{appeal_id}') mark.queue-found", timeout=10_000)
    row = page.locator(".queue-row", has_text=str(appeal_id))
    assert row.locator("mark.queue-found").all_inner_texts() == ["скамейка", "урна"]
    assert_accessible(page, "queue with marked search words")
    page.fill("#filter-search", "амейк")
    page.wait_for_function("() => !document.querySelector('mark.queue-found')", timeout=10_000)
    page.fill("#filter-search", "ТЕСТОВАЯ")  # the address, as a substring: marked as it is written
    page.wait_for_selector(f".queue-row:has-text('{appeal_id}') mark.queue-found", timeout=10_000)
    assert row.locator("mark.queue-found").all_inner_texts() == ["Тестовая"]
    assert_accessible(page, "queue with a marked address")


def test_row_opens_the_card_with_its_timeline(page, app_url):
    _open_queue(page, app_url)
    first = page.locator(".queue-row").first
    appeal_id = first.inner_text().split()[0].lstrip("№")
    first.click()
    page.wait_for_url(re.compile(rf".*/appeals/{appeal_id}$"))
    page.wait_for_selector(".timeline-event")
    assert f"Обращение №{appeal_id}" in page.inner_text("#card-title")
    events = page.locator(".timeline-event").all_inner_texts()
    assert "Обращение подано" in events[0]
    assert len(events) >= 2


def test_new_appeal_appears_without_reload(page, app_url, demo_db):
    _submit_to_moderation(demo_db, "уже в очереди")
    _open_queue(page, app_url)
    page.click("#status-moderation")
    page.click("#filter-sort")
    page.get_by_role("option", name="Сначала новые").click()
    page.wait_for_selector(".queue-row")
    before = _total(page)
    _, text = _submit_to_moderation(demo_db, "проверка живого обновления")
    submitted = time.monotonic()
    page.wait_for_function(
        f"() => parseInt(document.querySelector('#queue-total').innerText.replace(/\\D/g, '')) === {before + 1}",
        timeout=(LIVE_UPDATE_LIMIT_S + 1) * 1000,
    )
    assert time.monotonic() - submitted <= LIVE_UPDATE_LIMIT_S
    assert text[:60] in page.locator(".queue-row").first.inner_text()


def test_coordinator_rejects_an_appeal_from_its_card(page, app_url, demo_db):
    appeal_id, _ = _submit_to_moderation(demo_db, "на отклонение")
    _open_queue(page, app_url)
    page.click("#status-moderation")
    page.fill("#filter-search", str(appeal_id))
    page.wait_for_function("() => document.querySelectorAll('.queue-row').length === 1"
                           " && document.querySelector('.queue-row').innerText.includes('Модерация')")
    page.locator(".queue-row").first.click()
    page.wait_for_selector("#action-reject")
    events_before = page.locator(".timeline-event").count()
    page.click("#action-reject")
    page.click("#action-submit")
    page.wait_for_selector("#action-error")
    assert "укажите причину" in page.inner_text("#action-error")
    page.click("#action-reason-code")
    page.get_by_role("option", name="Спам, реклама").click()
    page.click("#action-submit")
    page.wait_for_selector("#action-notice")
    page.wait_for_function("() => document.querySelector('#card-status').innerText.includes('Отклонено')")
    assert page.locator(".timeline-event").count() == events_before + 1
    assert "Спам, реклама" in page.locator(".timeline-event").last.inner_text()


def test_export_downloads_every_appeal_the_filter_found(page, app_url):
    """Not only the page shown: «Найдено: N» rows, as the browser downloads them from the signed link."""
    import csv
    import io

    _open_queue(page, app_url)
    page.click("#status-all")
    page.wait_for_function("() => document.querySelector('#status-all').getAttribute('aria-pressed') === 'true'"
                           " && !document.querySelector('#queue-loading')")
    found = _total(page)
    assert found > 50  # more than one page
    with page.expect_download(timeout=60_000) as download:
        page.click("#queue-export-csv")
    assert download.value.suggested_filename == "appeals_all.csv"
    text = open(download.value.path(), encoding="utf-8-sig").read()
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:3] == ["Номер", "Номер в платформе", "Поступило"] and len(rows) == found + 1
    first_shown = page.locator(".queue-row").first.inner_text().split()[0]
    assert rows[1][0] == first_shown.lstrip("№")  # the page's order
    assert_accessible(page, "queue with its export buttons")
