"""Bad addresses and oversized input, as a user meets them in Chromium: Russian messages, never
internals, never an endless spinner; and a start that leaves the checkout clean and quiet."""

import re
import subprocess
import urllib.request

from sqlmodel import Session, select

from pos_dashboard.db import make_engine
from pos_dashboard.domain.enums import Role, Status
from pos_dashboard.domain.models import Appeal, User

from .a11y import assert_accessible
from .conftest import ROOT, log_in, wait_ready

SHOTS = "/work/shots"


def _shot(page, name: str) -> None:
    try:
        page.screenshot(path=f"{SHOTS}/hardening-{name}.png", full_page=True)
    except OSError:  # no shots folder on this machine
        pass


def test_unknown_address_shows_a_russian_page_with_the_way_back(page, app_url):
    page.goto(app_url + "/nope")
    wait_ready(page)
    page.wait_for_selector("#not-found-title")
    assert page.inner_text("#not-found-title") == "Страница не найдена"
    assert "404" not in page.inner_text("body")
    _shot(page, "404")
    assert_accessible(page, "404 page")
    page.click("#not-found-home")
    page.wait_for_url(re.compile(r".*/login$"), timeout=20_000)  # not logged in: the queue sends to log-in


def test_favicon_is_served(app_url):
    with urllib.request.urlopen(app_url + "/favicon.ico", timeout=10) as response:
        served = response.read()
    assert response.status == 200
    assert served == (ROOT / "assets" / "favicon.ico").read_bytes()


def test_an_appeal_number_beyond_any_id_is_simply_not_found(page, app_url):
    log_in(page, app_url)
    page.wait_for_selector(".queue-row", timeout=30_000)
    page.goto(app_url + "/appeals/99999999999999999999999")
    wait_ready(page)
    page.wait_for_selector("text=Обращение не найдено", timeout=20_000)
    assert page.locator(".rt-Spinner").count() == 0
    assert "error" not in page.inner_text("body").lower()
    _shot(page, "card-not-found")


def test_a_900_kb_organisation_filter_gives_no_sql_and_no_error(page, app_url):
    log_in(page, app_url)
    page.wait_for_selector(".queue-row", timeout=30_000)
    wait_ready(page)
    # A client is not bound by the browser's maxLength: remove it and paste 900 KB.
    page.eval_on_selector("#filter-organization_query", "el => el.removeAttribute('maxlength')")
    page.fill("#filter-organization_query", "дорожн" + "я" * 900_000)
    page.wait_for_function("() => document.querySelectorAll('.queue-row').length === 0", timeout=30_000)
    body = page.inner_text("body")
    assert "SQL" not in body and "SELECT" not in body and "pattern" not in body
    assert "Не удалось" not in body
    assert re.search(r"Найдено: 0", body)


def _appeal_awaiting_an_answer(demo_db: str) -> tuple[int, str]:
    """(appeal id, login of a staff member of its organisation) for an appeal that can be answered now
    (other tests of the session act on appeals too, so it is looked up, not fixed)."""
    engine = make_engine(demo_db)
    with Session(engine) as session:
        appeal_id, login = session.exec(
            select(Appeal.id, User.login).join(User, User.organization_id == Appeal.organization_id)
            .where(Appeal.status.in_([Status.IN_WORK.value, Status.INTERIM_ANSWER.value]),
                   User.role == Role.ORG_STAFF.value, User.is_active)
            .order_by(User.login != "org", Appeal.id)).first()
    engine.dispose()
    return appeal_id, login


def test_answer_field_counts_characters_and_an_oversized_answer_is_refused_keeping_the_text(page, app_url,
                                                                                             demo_db):
    appeal_id, login = _appeal_awaiting_an_answer(demo_db)
    log_in(page, app_url, login=login)
    page.wait_for_selector(".queue-row", timeout=30_000)
    page.goto(f"{app_url}/appeals/{appeal_id}")
    wait_ready(page)
    page.click("#action-give_answer", timeout=30_000)
    page.wait_for_selector("#action-comment")
    assert page.get_attribute("#action-comment", "maxlength") == "10000"
    page.fill("#action-comment", "Яма заделана")
    page.wait_for_function("() => document.querySelector('#action-comment-counter').innerText.includes('12')")
    assert page.inner_text("#action-comment-counter") == "Символов: 12 из 10000"
    _shot(page, "card-counter")
    assert_accessible(page, "card with the answer form")
    page.eval_on_selector("#action-comment", "el => el.removeAttribute('maxlength')")
    oversized = "Ответ " + "о" * 99_994
    page.fill("#action-comment", oversized)
    page.click("#action-submit")
    page.wait_for_selector("#action-error", timeout=30_000)
    assert page.inner_text("#action-error") == "Текст ответа: не больше 10\u00a0000 символов (введено 100\u00a0000)"
    assert page.input_value("#action-comment") == oversized
    assert "Символов: 100000 из 10000" in page.inner_text("#action-comment-counter")


def test_the_start_reports_no_schema_changes_and_leaves_the_lock_files_alone(app_url, app_log):
    log = app_log.read_text()
    assert log  # the server wrote its start-up output here
    assert "schema changes" not in log and "makemigrations" not in log
    changed = subprocess.run(["git", "status", "--porcelain", "--", "reflex.lock"], cwd=ROOT,
                             capture_output=True, text=True).stdout
    assert changed == ""
