"""Database outages told apart from bugs, and logged without a storm (issue 11)."""

import logging
import socket

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from pos_dashboard.db import make_engine
from pos_dashboard.outage import DATABASE, FailureLog, is_database_outage


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
