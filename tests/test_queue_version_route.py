"""GET /api/queue/version: what an open queue and the KPI dashboard ask every 3 s instead of a
websocket event (assets/queue_poll.js). Staff sessions get the change mark their view is compared
with; anybody else gets nothing; a database or session store that does not answer gives 503, so that
the page's own poll event runs and shows the outage."""

import asyncio

import pytest
from starlette.testclient import TestClient

from pos_dashboard.api import queue_version as route
from pos_dashboard.services import sessions
from pos_dashboard.states import queue_reads
from pos_dashboard.states import kpi as kpi_state
from pos_dashboard.states.kpi import KpiState
from pos_dashboard.states.queue import QueueState
from pos_dashboard.states.version_cache import SharedReading

from .factories import T0, build_region, hours, submit
from .test_queue_state import handler, loaded, token_of


@pytest.fixture()
def region(engine, session, monkeypatch):
    monkeypatch.setenv("REFLEX_DB_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setattr(route, "parse_redis_url", lambda: None)  # one worker: no session store to ask
    monkeypatch.setattr(route, "_checked", {})
    monkeypatch.setattr(route, "_store_ok_at", float("-inf"))
    r = build_region(session)
    submit(session, r, now=T0 + hours(1))
    session.commit()
    monkeypatch.setattr(queue_reads, "VERSION", SharedReading(queue_reads._version, max_age=60))
    monkeypatch.setattr(route, "VERSION", queue_reads.VERSION)
    return r


def _ask(token: str | None):
    headers = {} if token is None else {route.TOKEN_HEADER: token.encode("latin-1")}  # as a browser may send it
    return TestClient(route.queue_version_api()).get(route.PATH, headers=headers)


def test_the_mark_is_the_one_the_rows_were_read_at_until_appeals_change(session, region, monkeypatch):
    token = token_of(session, region.coordinator)
    state = loaded(token)
    answer = _ask(token)
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    assert answer.text == state.version_mark == queue_reads.version_mark(state._version)
    submit(session, region, now=T0 + hours(2))
    session.commit()
    monkeypatch.setattr(route, "VERSION", SharedReading(queue_reads._version, max_age=60))  # a later reading
    assert _ask(token).text != state.version_mark  # the page then sends its poll event: it reloads
    monkeypatch.setattr(queue_reads, "VERSION", route.VERSION)
    assert asyncio.run(state.poll()) == QueueState.refresh
    asyncio.run(handler(state, "refresh")())
    assert _ask(token).text == state.version_mark and state.total == 2


@pytest.mark.parametrize("who", ["citizen", "ended", "forged", "non-ascii", "huge", "none"])
def test_only_a_staff_session_gets_the_mark(session, region, who):
    token = {"citizen": lambda: token_of(session, region.citizen), "ended": lambda: token_of(session, region.coordinator),
             "forged": lambda: "x" * 43, "non-ascii": lambda: "é" * 43, "huge": lambda: "x" * 100_000,
             "none": lambda: None}[who]()
    if who == "ended":
        assert _ask(token).status_code == 200
        sessions.revoke_token(session, token)
        session.commit()
        route._checked.clear()  # the worker's memory of checked tokens lasts TOKEN_RECHECK_S
    answer = _ask(token)
    assert answer.status_code == 403 and answer.text == ""


def test_a_database_that_does_not_answer_gives_503(session, region, monkeypatch):
    token = token_of(session, region.coordinator)
    assert _ask(token).status_code == 200  # the token is known to this worker now

    def down():
        raise ConnectionError("database unreachable")
    monkeypatch.setattr(route, "VERSION", SharedReading(down, max_age=60))
    assert _ask(token).status_code == 503


def test_a_session_store_that_does_not_answer_gives_503(session, region, monkeypatch):
    token = token_of(session, region.coordinator)
    monkeypatch.setattr(route, "parse_redis_url", lambda: "redis://127.0.0.1:1/0")
    monkeypatch.setattr(route, "session_store_reachable", lambda: False)
    assert _ask(token).status_code == 503
    monkeypatch.setattr(route, "session_store_reachable", lambda: True)
    assert _ask(token).status_code == 200
    monkeypatch.setattr(route, "session_store_reachable", lambda: False)
    assert _ask(token).status_code == 200  # answered within STORE_RECHECK_S: not asked again yet
    monkeypatch.setattr(route, "_store_ok_at", float("-inf"))
    assert _ask(token).status_code == 503


def test_a_failed_load_marks_the_tab_stale_so_the_page_polls_at_every_tick(session, region, monkeypatch):
    def down(*_args):
        raise ConnectionError("database unreachable")
    monkeypatch.setattr(queue_reads, "load_page", down)
    state = loaded(token_of(session, region.coordinator))
    assert state.version_mark == queue_reads.STALE_MARK and state.error


def _kpi_loaded(token: str) -> KpiState:
    state = KpiState()
    state.auth_token, state.loading = token, True
    asyncio.run(KpiState.event_handlers["load"].fn.__get__(state)())
    return state


def _kpi_poll(state: KpiState) -> list:
    async def events():
        return [event async for event in KpiState.event_handlers["poll"].fn.__get__(state)()]
    return asyncio.run(events())


def test_the_kpi_dashboard_compares_the_same_mark_and_reloads_when_appeals_change(session, region, monkeypatch):
    token = token_of(session, region.coordinator)
    state = _kpi_loaded(token)
    assert state.error == "" and state.cards and not state.loading
    assert _ask(token).text == state.version_mark == queue_reads.version_mark(state._version)
    assert _kpi_poll(state) == []  # a poll sent anyway (a forged event) reloads nothing
    submit(session, region, now=T0 + hours(2))
    session.commit()
    monkeypatch.setattr(queue_reads, "VERSION", SharedReading(queue_reads._version, max_age=60))  # a later reading
    monkeypatch.setattr(route, "VERSION", queue_reads.VERSION)
    assert _ask(token).text != state.version_mark  # the page then sends its poll event: it reloads
    assert _kpi_poll(state) == [KpiState.load]
    asyncio.run(KpiState.event_handlers["load"].fn.__get__(state)())
    assert _ask(token).text == state.version_mark


def test_a_failed_kpi_load_marks_the_dashboard_stale_until_a_load_succeeds(session, region, monkeypatch):
    def down(*_args):
        raise ConnectionError("database unreachable")
    real = kpi_state._load
    monkeypatch.setattr(kpi_state, "_load", down)
    state = _kpi_loaded(token_of(session, region.coordinator))
    assert state.version_mark == queue_reads.STALE_MARK and state.error and not state.loading
    assert _kpi_poll(state) == [KpiState.load]  # the page sends its poll at every tick: each reloads
    monkeypatch.setattr(kpi_state, "_load", real)
    asyncio.run(KpiState.event_handlers["load"].fn.__get__(state)())
    assert state.error == "" and state.version_mark == queue_reads.version_mark(state._version)
