"""Database outages told apart from bugs, and logged without a storm (issue 11)."""

import logging
import socket

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from pos_dashboard.db import make_engine
from pos_dashboard.outage import (DATABASE, SESSION_STORE, FailureLog, ReflexRedisLogFilter, failure_kind,
                                  is_database_outage, is_session_store_outage)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens there once the socket is closed


def _error_from(url: str) -> Exception:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001  (the test looks at what it is)
        return exc
    finally:
        engine.dispose()
    pytest.fail(f"{url} was reachable")


def test_unreachable_databases_are_outages_and_bugs_are_not(tmp_path):
    postgres = _error_from(f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/nothing?connect_timeout=2")
    sqlite = _error_from("sqlite:///" + str(tmp_path / "no" / "such" / "dir" / "x.db"))
    assert isinstance(postgres, OperationalError) and is_database_outage(postgres)
    assert isinstance(sqlite, OperationalError) and is_database_outage(sqlite)
    assert not is_database_outage(IntegrityError("INSERT …", {}, Exception("duplicate key")))
    assert not is_database_outage(ValueError("bug"))


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture()
def logged(caplog):
    caplog.set_level(logging.WARNING, logger="test.outage")
    return caplog


def _lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "test.outage"]


def test_an_outage_is_logged_once_per_interval_with_the_count_then_its_end(logged):
    clock = Clock()
    failures = FailureLog(logging.getLogger("test.outage"), interval_s=60, clock=clock)
    down = OperationalError("SELECT …", {}, Exception("connection refused\n  Is the server running?"))
    for second in range(0, 20, 3):  # one tab polling every 3 s: 7 failures in 20 s
        clock.now = 1000 + second
        assert failures.failed(down, "queue") == DATABASE
    assert len(_lines(logged)) == 1
    assert _lines(logged)[0] == "database failure in queue: Exception: connection refused Is the server running?"
    assert logged.records[0].exc_info is None  # an outage needs no traceback
    clock.now = 1061  # the next failure after the interval says how many were not logged
    failures.failed(down)
    assert _lines(logged)[1].startswith("database failure still happening: 7 more times in 61 s; last: Exception")
    clock.now = 1065.5
    failures.recovered()
    failures.recovered()  # only once
    assert _lines(logged)[2:] == ["database works again after 65.5 s (8 failures)"]
    clock.now = 2000
    failures.failed(down)  # a new outage is logged at once again
    assert len(_lines(logged)) == 4


def test_a_bug_keeps_its_traceback_once_and_long_messages_are_cut(logged):
    failures = FailureLog(logging.getLogger("test.outage"), interval_s=60, clock=Clock())
    try:
        raise KeyError("x" * 10_000)
    except KeyError as exc:
        failures.failed(exc)
        failures.failed(exc)
    assert len(logged.records) == 1
    assert logged.records[0].exc_info is not None
    assert len(logged.records[0].getMessage()) < 400


# --- Redis, the session store of several workers ---------------------------------------------

def test_redis_failures_are_session_store_outages_and_a_plain_timeout_is_not():
    import redis

    refused = redis.Redis(host="127.0.0.1", port=_closed_port(), socket_connect_timeout=1)
    with pytest.raises(redis.ConnectionError) as caught:
        refused.ping()
    assert failure_kind(caught.value) == SESSION_STORE and is_session_store_outage(caught.value)
    assert failure_kind(redis.TimeoutError("Timeout reading from socket")) == SESSION_STORE
    assert failure_kind(TimeoutError()) == "TimeoutError"  # ours, not raised in Reflex's Redis manager
    assert failure_kind(ValueError("bug")) == "ValueError"


def _record(name: str, message: str, error: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(error), error, None) if error is not None else None
    return logging.LogRecord(name, logging.ERROR, __file__, 1, message, None, exc_info)


def test_reflex_redis_task_records_go_to_the_rate_limited_log_and_others_pass(logged):
    import redis

    failures = FailureLog(logging.getLogger("test.outage"), interval_s=60, clock=lambda: 0.0)
    keep_out = ReflexRedisLogFilter(failures)
    for _ in range(50):  # one outage: Reflex's three subscriptions retry every second in each worker
        assert not keep_out.filter(_record("reflex.utils.tasks", "_subscribe_lock_updates: task error suppressed: "
                                           "Error 111 connecting to 127.0.0.1:6379."))
        assert not keep_out.filter(_record("asyncio", "Task exception was never retrieved",
                                           redis.ConnectionError("Error 111 connecting to 127.0.0.1:6379.")))
        assert not keep_out.filter(_record("reflex.utils.token_manager", "Redis error checking token existence: "
                                           "Error 111 connecting to 127.0.0.1:6379."))
    lines = [r.getMessage() for r in logged.records if r.name == "test.outage"]
    assert len(lines) == 1 and lines[0].startswith("session store failure in Reflex's Redis subscriptions")
    assert keep_out.filter(_record("asyncio", "Task exception was never retrieved", ValueError("a bug")))
    assert keep_out.filter(_record("reflex.state", "something else"))
    assert keep_out.filter(_record("reflex.utils.token_manager", "Token abc linked to another tab"))


def test_the_health_route_says_whether_the_database_and_the_session_store_answer(monkeypatch, tmp_path):
    import redis
    from starlette.testclient import TestClient

    from pos_dashboard.api import health
    from pos_dashboard.db import make_engine

    def checked(db_url: str, redis_url: str | None):
        monkeypatch.setattr(health, "get_engine", lambda: make_engine(db_url))
        monkeypatch.setattr(health, "parse_redis_url", lambda: redis_url)
        monkeypatch.setattr(health, "_client", None)
        return TestClient(health.health_api()).get(health.PATH)

    sqlite = f"sqlite:///{tmp_path / 'health.db'}"
    one_worker = checked(sqlite, None)
    assert one_worker.status_code == 200
    assert one_worker.json() == {"database": "ok", "session_store": "ok"}
    assert one_worker.headers["cache-control"] == "no-store"
    no_redis = checked(sqlite, f"redis://127.0.0.1:{_closed_port()}/0")
    assert no_redis.status_code == 503 and no_redis.json() == {"database": "ok", "session_store": "unreachable"}
    no_database = checked(f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/nothing", None)
    assert no_database.status_code == 503 and no_database.json()["database"] == "unreachable"
    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
    except redis.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    assert checked(sqlite, "redis://127.0.0.1:6379/0").status_code == 200
