"""Several backend workers sharing state through a real Redis (REFLEX_REDIS_URL)."""

import os
import time

import psutil
import pytest
import redis
from sqlmodel import Session, func, select

from pos_dashboard.db import make_engine
from pos_dashboard.domain.enums import OPEN_STATUSES, STATUS_LABELS, Status
from pos_dashboard.domain.models import Appeal

from .conftest import _free_port, app_environment, forget_failed_log_ins, log_in, start_app, stop_app, wait_ready

REDIS_URL = os.environ.get("POS_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")
WORKERS = 2


@pytest.fixture(scope="module")
def redis_app(demo_db, tmp_path_factory):
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.fail(f"Redis is not reachable at {REDIS_URL}: start it (see README) or set POS_TEST_REDIS_URL")
    client.flushdb()
    forget_failed_log_ins(demo_db)
    port = _free_port()
    env = app_environment(demo_db, port, {"REFLEX_REDIS_URL": REDIS_URL, "GRANIAN_WORKERS": str(WORKERS)})
    proc = start_app(env, tmp_path_factory.mktemp("redis-logs") / "app.log")
    yield f"http://127.0.0.1:{port}", proc, client
    stop_app(proc)
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
    url, proc, client = redis_app
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
