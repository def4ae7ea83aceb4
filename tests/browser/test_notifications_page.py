"""The bell and /notifications in Chromium: the demo citizen and the organisation account see their
unread count in the header, read their own notifications, mark one and then all read (the bell
follows); axe finds nothing on the page, on a desktop and a phone screen. At the protocol level
(rxprobe), a citizen who sends the ids of the organisation's notifications changes nothing."""

import asyncio
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlmodel import Session, select

from pos_dashboard.db import make_engine
from pos_dashboard.domain.models import User
from pos_dashboard.domain.notifications import Notification

from .a11y import PHONE_VIEWPORT, assert_accessible
from .conftest import log_in, wait_ready

SHOTS = Path("/work/shots")
RXPROBE = Path(__file__).resolve().parents[3] / "shared" / "tools" / "rxprobe"


def _in_app(db_url: str, login: str) -> dict[int, object]:
    engine = make_engine(db_url)
    with Session(engine) as session:
        user_id = session.exec(select(User.id).where(User.login == login)).one()
        rows = dict(session.exec(select(Notification.id, Notification.read_at).where(
            Notification.user_id == user_id, Notification.channel == "in_app")).all())
    engine.dispose()
    return rows


def _unread(db_url: str, login: str) -> int:
    return sum(1 for read_at in _in_app(db_url, login).values() if read_at is None)


def _logged_in(page, app_url, login, home) -> None:
    log_in(page, app_url, login)
    page.wait_for_url(re.compile(home), timeout=30_000)
    wait_ready(page)


def test_citizen_reads_notifications_from_the_bell(page, app_url, demo_db):
    SHOTS.mkdir(exist_ok=True)
    unread = _unread(demo_db, "citizen")
    assert unread >= 2, "the demo gives the citizen unread notifications"
    _logged_in(page, app_url, "citizen", r".*/my$")
    bell = page.locator("#bell")
    page.wait_for_selector("#bell-count", timeout=30_000)
    assert page.inner_text("#bell-count") == str(unread)
    assert bell.get_attribute("aria-label") == f"Уведомления: непрочитанных {unread}"
    page.locator("header").screenshot(path=str(SHOTS / "notifications-bell.png"))

    bell.click()
    page.wait_for_url(re.compile(r".*/notifications$"), timeout=30_000)
    page.wait_for_selector(".notification", timeout=30_000)
    total = len(_in_app(demo_db, "citizen"))
    assert f"Всего: {total}, непрочитанных: {unread}" in page.inner_text("#notifications-total")
    assert page.locator(".notification").count() == min(20, total)
    assert page.locator(".notification.unread").count() == min(unread, 20)
    first = page.locator(".notification").first.inner_text()
    assert re.search(r"Обращени|ответ", first) and "отвечать на него не нужно" not in first
    assert_accessible(page, "/notifications")
    page.screenshot(path=str(SHOTS / "notifications-list.png"), full_page=False)

    page.locator(".notification.unread .mark-read").first.click()
    page.wait_for_function(f"document.querySelector('#bell-count')?.innerText === '{unread - 1}'", timeout=15_000)
    assert _unread(demo_db, "citizen") == unread - 1
    page.click("#mark-all-read")
    page.wait_for_selector("#bell-count", state="detached", timeout=15_000)
    assert page.locator(".notification.unread").count() == 0
    assert _unread(demo_db, "citizen") == 0
    assert page.locator("#bell").get_attribute("aria-label") == "Уведомления: нет непрочитанных"
    assert_accessible(page, "/notifications after reading")


def test_organisation_sees_its_own_on_a_phone(browser, app_url, demo_db):
    unread = _unread(demo_db, "org")
    assert unread >= 1
    context = browser.new_context(viewport=PHONE_VIEWPORT, locale="ru-RU")
    page = context.new_page()
    try:
        _logged_in(page, app_url, "org", r".*/$")
        page.wait_for_selector("#bell-count", timeout=30_000)
        assert page.inner_text("#bell-count") == str(unread)
        page.goto(app_url + "/notifications")
        page.wait_for_selector(".notification", timeout=30_000)
        subjects = page.locator(".notification").all_inner_texts()
        assert subjects and all("№" in s for s in subjects)
        assert_accessible(page, "/notifications (phone)")
        page.screenshot(path=str(SHOTS / "notifications-org-phone.png"), full_page=False)
    finally:
        context.close()


def test_a_logged_out_visitor_is_sent_to_log_in(page, app_url):
    page.goto(app_url + "/notifications")
    page.wait_for_url(re.compile(r".*/login$"), timeout=30_000)


@pytest.mark.skipif(not (RXPROBE / "rxprobe.py").exists(), reason="rxprobe is missing")
def test_forged_ids_over_the_websocket_change_nothing(app_url, demo_db):
    sys.path.insert(0, str(RXPROBE))
    from rxprobe import ReflexClient

    theirs = _in_app(demo_db, "org")
    assert theirs

    async def scenario():
        client = ReflexClient(app_url, timeout=30)
        try:
            await client.hydrate("/login")
            reply = await client.send("LoginState.submit", {"form": {"login": "citizen", "password": "demo12345"}},
                                      wait="barrier", timeout=60)
            assert not reply.backend_error
            client.local_storage["pos_token"] = client.var("AppState.auth_token")
            await client.hydrate("/notifications")
            state = "NotificationsState"
            for forged in [*sorted(theirs)[:5], "1", None, 10 ** 30]:
                reply = await client.send(f"{state}.mark_read", {"notification_id": forged}, wait="barrier")
                assert not reply.backend_error, forged
                assert client.var(f"{state}.error") == "Уведомление не найдено", forged
            shown = {row["id"] for row in client.var(f"{state}.rows")}
            assert not shown & set(theirs)
        finally:
            await client.close()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, scenario()).result()
    assert _in_app(demo_db, "org") == theirs
