"""Administration in Chromium: the administrator creates an account (a refusal keeps what was
typed), the new user logs in with the password shown once, the administrator switches the account
off and its open page loses the session, the audit log shows both changes beside the appeals'
workflow events; a coordinator is refused /admin. axe checks every administration page at desktop
and phone width; screenshots go to POS_SHOTS_DIR (default /tmp/pos-shots)."""

import os
from pathlib import Path

import pytest

from .a11y import PHONE_VIEWPORT, assert_accessible
from .conftest import log_in, wait_ready

SHOTS = Path(os.environ.get("POS_SHOTS_DIR", "/tmp/pos-shots"))
PAGES = [("/admin", "admin-card-users"), ("/admin/users", "users-table"), ("/admin/organizations", "orgs-table"),
         ("/admin/categories", "categories-table"), ("/admin/routing", "routing-table"),
         ("/admin/audit", "audit-table")]


@pytest.fixture()
def context_factory(browser):
    contexts = []

    def make(**kw):
        context = browser.new_context(viewport=kw.pop("viewport", {"width": 1440, "height": 900}), locale="ru-RU")
        contexts.append(context)
        return context.new_page()
    yield make
    for context in contexts:
        context.close()


def _open(page, url: str, marker: str) -> None:
    page.goto(url)
    wait_ready(page)
    page.wait_for_selector(f"#{marker}", timeout=30_000)


def test_admin_creates_a_user_who_logs_in_then_deactivates_them_and_the_log_shows_both(app_url, context_factory):
    admin = context_factory()
    log_in(admin, app_url, "admin")
    admin.click("#nav-admin")
    admin.wait_for_url(app_url + "/admin")
    admin.click("#admin-nav-users")
    admin.wait_for_selector("#users-table tbody tr")
    admin.fill("#user-login", "Браузерный")  # refused: not a Latin login
    admin.fill("#user-name", "Проверкин Пётр")
    admin.click("#user-role")
    admin.get_by_role("option", name="Координатор ЦУР").click()
    admin.click("#user-create")
    admin.wait_for_selector("#users-error")
    assert "Логин: латинские" in admin.inner_text("#users-error")
    assert admin.input_value("#user-name") == "Проверкин Пётр"  # what was typed stays
    assert admin.inner_text("#user-login-counter") == "набрано 10 из 150"
    admin.fill("#user-login", "browser.user")
    admin.click("#user-create")
    admin.wait_for_selector("#generated-password")
    password = admin.inner_text("#generated-password").strip()
    assert len(password) == 14 and "«browser.user» создана" in admin.inner_text("#users-notice")
    assert admin.input_value("#user-login") == ""  # a success empties the form
    assert_accessible(admin, "/admin/users after creating an account")

    user = context_factory()
    log_in(user, app_url, "browser.user", password)
    user.wait_for_selector("#current-user")
    assert user.inner_text("#current-user") == "Проверкин Пётр"

    admin.fill("#users-search", "browser.user")
    admin.wait_for_function("document.querySelectorAll('#users-table tbody tr').length === 1")
    admin.get_by_role("button", name="Отключить browser.user").click()
    admin.wait_for_selector("#users-notice:has-text('отключена')")
    assert "завершено сеансов: 1" in admin.inner_text("#users-notice")

    user.goto(app_url + "/")  # the next page of the switched-off account: back to the log-in page
    user.wait_for_url(app_url + "/login", timeout=30_000)

    admin.click("#admin-nav-audit")
    admin.wait_for_selector("#audit-table tbody tr")
    first = admin.locator("#audit-table tbody tr").nth(0).inner_text()
    second = admin.locator("#audit-table tbody tr").nth(1).inner_text()
    assert "Учётная запись отключена" in first and "browser.user" in first and "завершено сеансов: 1" in first
    assert "Учётная запись создана" in second and "Координатор ЦУР" in second
    admin.click("#audit-kind")
    admin.get_by_role("option", name="Все действия с обращениями").click()
    admin.click("#audit-apply")
    admin.wait_for_function("!document.querySelector('#audit-table').innerText.includes('Учётная запись')")
    assert admin.locator("#audit-table tbody tr").count() == 50  # the demo's workflow events, one page
    admin.click("#audit-older")
    admin.wait_for_selector("#audit-page:has-text('Страница 2')")
    assert admin.locator("#audit-table tbody tr").count() > 0


def test_a_coordinator_is_refused_the_administration_pages(app_url, context_factory):
    coordinator = context_factory()
    log_in(coordinator, app_url, "coordinator")
    coordinator.wait_for_selector("#current-user")
    assert coordinator.locator("#nav-admin").count() == 0
    for url, marker in PAGES:
        coordinator.goto(app_url + url)
        coordinator.wait_for_url(app_url + "/", timeout=30_000)  # the coordinator's home, the queue
        coordinator.wait_for_selector(f"#{marker}", state="detached", timeout=30_000)
        coordinator.wait_for_selector("#nav-home")
        assert coordinator.locator(f"#{marker}").count() == 0


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_every_administration_page_passes_axe(app_url, context_factory, viewport):
    admin = context_factory(viewport=PHONE_VIEWPORT if viewport == "phone" else {"width": 1440, "height": 900})
    log_in(admin, app_url, "admin")
    SHOTS.mkdir(parents=True, exist_ok=True)
    for url, marker in PAGES:
        _open(admin, app_url + url, marker)
        if marker.endswith("-table"):
            admin.wait_for_selector(f"#{marker} tbody tr", timeout=30_000)
        assert_accessible(admin, f"{url} ({viewport})")
        name = url.strip("/").replace("/", "-")
        admin.screenshot(path=str(SHOTS / f"{name}-{viewport}.png"), full_page=True)
