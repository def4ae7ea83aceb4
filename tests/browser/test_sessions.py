"""Sessions as a user meets them: log-out ends the token and empties the tab, the next user of the
tab starts clean, the account page ends sessions, and a crowd of wrong passwords is told to wait."""

import json
import re

from sqlmodel import Session, func, select

from pos_dashboard.db import make_engine
from pos_dashboard.domain.enums import OPEN_STATUSES
from pos_dashboard.domain.models import Appeal, User

from .a11y import assert_accessible
from .conftest import log_in, wait_ready

SHOTS = "/work/shots"


def _row_ids(page) -> list[int]:
    return [int(re.search(r"\d+", text).group()) for text in page.locator(".queue-row-link").all_inner_texts()]


def _appeal_ids_of(db_url: str, login: str) -> set[int]:
    engine = make_engine(db_url)
    with Session(engine) as session:
        org_id = session.exec(select(User.organization_id).where(User.login == login)).one()
        ids = set(session.exec(select(Appeal.id).where(Appeal.organization_id == org_id)).all())
    engine.dispose()
    return ids


def _open_count_of(db_url: str, login: str) -> int:
    engine = make_engine(db_url)
    with Session(engine) as session:
        org_id = session.exec(select(User.organization_id).where(User.login == login)).one()
        count = len(session.exec(select(Appeal.id).where(Appeal.organization_id == org_id, Appeal.status.in_(
            [s.value for s in OPEN_STATUSES]))).all())
    engine.dispose()
    return count


def _appeal_count(db_url: str) -> int:
    """Every appeal of the region: the demo's, and those earlier browser tests submitted."""
    engine = make_engine(db_url)
    with Session(engine) as session:
        count = session.exec(select(func.count()).select_from(Appeal)).one()
    engine.dispose()
    return count


def _until(page, check, seconds: float = 30) -> None:
    for _ in range(int(seconds * 10)):
        if check():
            return
        page.wait_for_timeout(100)
    raise AssertionError("the server did not answer in time")


def _log_out(page) -> None:
    page.click("#logout")
    page.wait_for_url(re.compile(r".*/login$"), timeout=60_000)
    wait_ready(page)


def test_the_next_user_of_a_tab_inherits_nothing(page, app_url, demo_db):
    frames: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))))
    log_in(page, app_url, "coordinator")
    page.wait_for_selector(".queue-row", timeout=90_000)
    wait_ready(page)
    page.click("#status-all")  # the coordinator widens the queue to every appeal of the region
    page.wait_for_function("(n) => (document.querySelector('#queue-total')?.innerText || '').replace(/\\s/g, '')"
                           ".endsWith(':' + n)", arg=_appeal_count(demo_db), timeout=60_000)
    coordinator_rows = set(_row_ids(page))
    org_appeals = _appeal_ids_of(demo_db, "org")
    assert coordinator_rows - org_appeals, "the coordinator must see rows the organisation may not"

    frames.clear()
    _log_out(page)
    reset = [json.loads(f[f.index("["):])[1] for f in frames if '"rows_rx_state_":[]' in f]
    assert reset, "log-out must empty the queue's rows on the server, not only hide them"

    log_in(page, app_url, "org")
    # The organisation may have no open appeal on the day the demo is built: wait for its own count.
    page.wait_for_function("(n) => (document.querySelector('#current-user')?.innerText || '').includes('Орлов') && "
                           "(document.querySelector('#queue-total')?.innerText || '').replace(/\\s/g, '')"
                           ".endsWith(':' + n)", arg=_open_count_of(demo_db, "org"), timeout=90_000)
    wait_ready(page)
    page.screenshot(path=f"{SHOTS}/sessions-org-after-coordinator.png")
    shown = set(_row_ids(page))
    assert shown <= org_appeals
    assert not shown & (coordinator_rows - org_appeals)
    # the coordinator's filter did not follow: the organisation starts from its open appeals
    assert "rt-variant-solid" in page.get_attribute("#status-open", "class")
    assert "rt-variant-solid" not in page.get_attribute("#status-all", "class")
    assert "Орлов" in page.inner_text("#current-user")


def test_a_copied_token_does_not_work_after_log_out(browser, page, app_url):
    log_in(page, app_url, "coordinator")
    page.wait_for_selector(".queue-row", timeout=90_000)
    token = page.evaluate("() => localStorage.getItem('pos_token')")
    assert token
    wait_ready(page)
    _log_out(page)
    assert page.evaluate("() => localStorage.getItem('pos_token')") in ("", None)

    thief = browser.new_context(locale="ru-RU")
    other = thief.new_page()
    other.goto(app_url + "/login")
    other.evaluate("(t) => localStorage.setItem('pos_token', t)", token)
    other.goto(app_url + "/")
    other.wait_for_url(re.compile(r".*/login$"), timeout=60_000)
    thief.close()


def test_the_account_page_ends_another_session(browser, page, app_url):
    phone = browser.new_context(locale="ru-RU")
    other = phone.new_page()
    log_in(other, app_url, "official")
    other.wait_for_selector(".queue-row", timeout=90_000)

    log_in(page, app_url, "official")
    page.wait_for_selector(".queue-row", timeout=90_000)
    wait_ready(page)
    page.click("#account-link")
    page.wait_for_selector(".session-row", timeout=60_000)
    wait_ready(page)
    assert page.locator(".session-current").count() == 1
    assert "этот сеанс" in page.inner_text(".session-current")
    assert page.locator(".session-row").count() >= 2
    page.mouse.move(5, 880)  # away from the link just clicked
    page.screenshot(path=f"{SHOTS}/sessions-account.png", full_page=True)
    assert_accessible(page, "/account")

    page.click("#end-other-sessions")
    page.wait_for_selector("#sessions-notice", timeout=60_000)
    assert page.locator(".session-row").count() == 1
    other.goto(app_url + "/")  # the other device is logged out at its next request
    other.wait_for_url(re.compile(r".*/login$"), timeout=60_000)
    phone.close()

    page.fill("#current_password", "не тот пароль")
    page.fill("#new_password", "x")
    page.fill("#new_password_again", "x")
    page.click("#password-submit")
    page.wait_for_selector("#password-error", timeout=60_000)
    assert "не короче 8" in page.inner_text("#password-error")
    assert page.input_value("#current_password") == "не тот пароль"  # the form keeps what was typed
    assert_accessible(page, "/account with a refusal")


def test_repeated_wrong_passwords_are_told_to_wait(page, app_url):
    answers: list[str] = []  # one frame per answered attempt: the one that ends "busy"
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: answers.append(str(payload))
                                          if '"busy_rx_state_":false' in str(payload) else None))
    page.goto(app_url + "/login")
    wait_ready(page)
    page.fill("#login", "no-such-user")
    for attempt in range(5):
        page.fill("#password", f"guess {attempt}")
        page.click("#login-submit")
        _until(page, lambda: len(answers) >= attempt + 1)
    assert "Повторите через 30 с" in page.inner_text("#login-error")  # the fifth failure locks
    page.fill("#password", "demo12345")
    page.click("#login-submit")
    _until(page, lambda: len(answers) >= 6)
    page.wait_for_function("() => /^Слишком много попыток/.test(document.querySelector('#login-error')?.innerText"
                           " || '')", timeout=60_000)
    message = page.inner_text("#login-error")
    wait = re.fullmatch(r"Слишком много попыток входа\. Повторите через (\d+) с\.", message)
    assert wait and 1 <= int(wait.group(1)) <= 30, message
    assert page.input_value("#login") == "no-such-user"
    page.screenshot(path=f"{SHOTS}/sessions-throttle.png")
