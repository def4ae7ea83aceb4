"""Several backend workers sharing state through a real Redis (REFLEX_REDIS_URL), reached through
a TCP proxy the tests cut and restore for a Redis outage (the shared server is never stopped)."""

import os
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psutil
import pytest
import redis
from sqlmodel import Session, func, select

from pos_dashboard.db import make_engine
from pos_dashboard.domain.enums import OPEN_STATUSES, STATUS_LABELS, Status
from pos_dashboard.domain.models import Appeal

from ..tcp_proxy import TcpProxy
from .a11y import assert_accessible
from .conftest import _free_port, app_environment, forget_failed_log_ins, log_in, start_app, stop_app, wait_ready

REDIS_URL = os.environ.get("POS_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")
WORKERS = 2
OUTAGE_S = 20
RECOVERY_LIMIT_S = 10
LOG_LINES_LIMIT = 12  # two workers during OUTAGE_S with one open tab (1,465 lines in 20 s before)
SHOTS = Path(os.environ.get("POS_SHOTS_DIR", "/work/shots"))


def _through(proxy: TcpProxy, url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"127.0.0.1:{proxy.port}"))


@pytest.fixture(scope="module")
def redis_app(demo_db, tmp_path_factory):
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.fail(f"Redis is not reachable at {REDIS_URL}: start it (see README) or set POS_TEST_REDIS_URL")
    client.flushdb()
    forget_failed_log_ins(demo_db)
    target = urlsplit(REDIS_URL)
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 6379)
    port = _free_port()
    env = app_environment(demo_db, port, {"REFLEX_REDIS_URL": _through(proxy, REDIS_URL),
                                          "GRANIAN_WORKERS": str(WORKERS)})
    log = tmp_path_factory.mktemp("redis-logs") / "app.log"
    proc = start_app(env, log)
    yield f"http://127.0.0.1:{port}", proc, client, proxy, log
    stop_app(proc)
    proxy.close()
    client.flushdb()


def _backend_processes(proc) -> int:
    """Worker processes under `reflex run` (one without Redis)."""
    children = psutil.Process(proc.pid).children(recursive=True)
    return sum(1 for child in children if "python" in " ".join(child.cmdline()).lower())


def _busiest_open_status(db_url: str) -> Status:
    """The open status with the most appeals in the region (the demo's mix depends on its date)."""
    engine = make_engine(db_url)
    with Session(engine) as session:
        status, _count = session.exec(
            select(Appeal.status, func.count()).where(Appeal.status.in_([s.value for s in OPEN_STATUSES]))
            .group_by(Appeal.status).order_by(func.count().desc())).first()
    engine.dispose()
    return Status(status)


def test_state_lives_in_redis_and_survives_reloads_across_workers(redis_app, browser, demo_db):
    url, proc, client, _proxy, _log = redis_app
    status = _busiest_open_status(demo_db)
    label = STATUS_LABELS[status]
    deadline = time.monotonic() + 30  # granian starts its workers one after another
    while _backend_processes(proc) < WORKERS and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _backend_processes(proc) >= WORKERS
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    log_in(page, url)
    page.wait_for_selector(".queue-row", timeout=30_000)
    assert client.dbsize() > 0, "the state manager wrote nothing to Redis"
    page.click(f"#status-{status.value}")
    page.wait_for_function("(label) => { const rows = [...document.querySelectorAll('.queue-row')];"
                           " return rows.length > 0 && rows.every(r => r.innerText.includes(label)); }", arg=label)
    # Each reload opens a new websocket, which may land on any worker: the page must come back
    # logged in, with the filter the user chose, every time.
    for _ in range(6):
        page.reload()
        wait_ready(page)
        page.wait_for_selector(".queue-row", timeout=30_000)
        assert "/login" not in page.url
        texts = page.locator(".queue-row").all_inner_texts()
        assert texts and all(label in text for text in texts)
    context.close()


def _log_lines(log: Path) -> int:
    return len(log.read_text(errors="replace").splitlines())


def _outage_notice_shown(page) -> None:
    notice = page.locator("#outage-session_store")
    notice.wait_for(state="visible", timeout=20_000)
    text = notice.inner_text()
    assert "Нет связи с хранилищем сессий" in text and "страница обновится сама" in text
    body = page.inner_text("body")
    assert "An error occurred" not in body and "Cannot connect" not in body
    # The page's values sit under a cover that hides them and takes the clicks.
    covered = page.evaluate("() => document.elementFromPoint(innerWidth / 2, innerHeight - 20)"
                            ".closest('#outage-session_store') !== null")
    assert covered


def test_a_redis_outage_is_said_in_russian_hides_the_page_and_resumes_without_a_reload(redis_app, browser):
    url, _proc, _client, proxy, log = redis_app
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="ru-RU")
    page = context.new_page()
    log_in(page, url)
    page.wait_for_selector(".queue-row", timeout=30_000)
    user_name = page.inner_text("#current-user")
    lines_before = _log_lines(log)

    proxy.cut()
    cut_at = time.monotonic()
    try:
        _outage_notice_shown(page)  # the open tab's next poll fails: no click needed
        assert_accessible(page, "queue during a Redis outage")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "redis-outage-queue.png"))
        # A reload during the outage cannot load the user or the queue: it must not show an
        # empty region with zero counts as if it were real.
        page.reload()
        _outage_notice_shown(page)
        page.screenshot(path=str(SHOTS / "redis-outage-reload.png"))
        time.sleep(max(0.0, OUTAGE_S - (time.monotonic() - cut_at)))
        outage_lines = _log_lines(log) - lines_before
        print(f"\nlog lines during {OUTAGE_S} s of Redis outage, two workers, one tab: {outage_lines}")
        assert outage_lines <= LOG_LINES_LIMIT, log.read_text(errors="replace")[-3000:]
        page.evaluate("() => { window.__same_page = true; }")
    finally:
        proxy.restore()
    back_at = time.monotonic()
    page.wait_for_selector("#outage-session_store", state="detached", timeout=RECOVERY_LIMIT_S * 1000)
    page.wait_for_selector(".queue-row", timeout=RECOVERY_LIMIT_S * 1000)
    print(f"queue back {time.monotonic() - back_at:.1f} s after Redis came back")
    assert page.evaluate("() => window.__same_page === true"), "the page was reloaded instead of reconnecting"
    assert page.inner_text("#current-user") == user_name
    assert "/login" not in page.url
    page.click("#status-all")  # the tab's events work again
    page.wait_for_function("() => document.querySelector('#status-all').getAttribute('aria-pressed') === 'true'",
                           timeout=RECOVERY_LIMIT_S * 1000)
    context.close()
