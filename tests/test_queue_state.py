"""The queue's handlers as a websocket event reaches them: the session is checked in the same
database session as the page it loads (a citizen's, an ended or a forged token loads nothing), and
the 3-second poll reloads exactly when the change counter moved, reading it at most once per worker
per `VERSION_MAX_AGE_S` whatever the number of tabs."""

import asyncio

import pytest
from sqlmodel import select

from pos_dashboard.domain.models import Appeal
from pos_dashboard.services import sessions
from pos_dashboard.services.actors import Actor
from pos_dashboard.states import queue as queue_state
from pos_dashboard.states import queue_reads
from pos_dashboard.states.queue import QueueState
from pos_dashboard.states.version_cache import SharedReading

from .factories import T0, build_region, hours, submit


@pytest.fixture()
def region(engine, session, monkeypatch):
    monkeypatch.setenv("REFLEX_DB_URL", engine.url.render_as_string(hide_password=False))
    r = build_region(session)
    for _ in range(3):
        submit(session, r, now=T0 + hours(1))
    session.commit()
    # Each test starts with an empty shared reading (a module-level cache per worker process).
    monkeypatch.setattr(queue_reads, "VERSION", SharedReading(queue_reads._version, max_age=60))
    return r


def token_of(session, actor: Actor) -> str:
    token = sessions.open_session(session, user_id=actor.user_id)
    session.commit()
    return token


def handler(state: QueueState, name: str):
    """The handler's function bound to the state (Reflex refuses a direct call of a background event)."""
    return QueueState.event_handlers[name].fn.__get__(state)


def loaded(token: str) -> QueueState:
    state = QueueState()
    state.auth_token, state.status, state.loading = token, "all", True
    asyncio.run(handler(state, "refresh")())
    return state


def test_a_coordinator_gets_the_page_and_the_header_in_one_load(session, region):
    state = loaded(token_of(session, region.coordinator))
    assert state.total == 3 and len(state.rows) == 3 and not state.loading and state.error == ""
    assert state.user_name and state.category_options and state._version
    assert state._options_loaded


def test_organisation_staff_get_only_their_organisations_rows(session, region):
    org_id = next(iter(region.staff))
    session.exec(select(Appeal)).first().organization_id = org_id
    session.commit()
    state = loaded(token_of(session, region.staff[org_id]))
    owned = {a.id for a in session.exec(select(Appeal).where(Appeal.organization_id == org_id))}
    assert {row["id"] for row in state.rows} == owned and state.total == len(owned) == 1


@pytest.mark.parametrize("who", ["citizen", "ended", "forged", "none"])
def test_no_staff_session_loads_nothing(session, region, who):
    token = {"citizen": lambda: token_of(session, region.citizen), "forged": lambda: "x" * 43,
             "ended": lambda: token_of(session, region.coordinator), "none": lambda: ""}[who]()
    if who == "ended":
        sessions.revoke_token(session, token)
        session.commit()
    state = loaded(token)
    assert state.rows == [] and state.total == 0 and not state.loading and state.user_name == ""
    assert state.category_options == [] and not state._options_loaded


def test_the_poll_reloads_exactly_when_the_counter_moved(session, region, monkeypatch):
    reads, read = [], queue_reads._version

    def counted():
        reads.append(1)
        return read()
    monkeypatch.setattr(queue_reads, "VERSION", SharedReading(counted, max_age=60))
    state = loaded(token_of(session, region.coordinator))
    # The load offered its reading: polls in the next seconds need no database round trip.
    assert asyncio.run(state.poll()) is None and reads == []
    submit(session, region, now=T0 + hours(2))
    session.commit()
    assert asyncio.run(state.poll()) is None  # the worker's reading is still the load's
    monkeypatch.setattr(queue_reads, "VERSION", SharedReading(counted, max_age=60))
    assert asyncio.run(state.poll()) == QueueState.check_version  # no reading yet: taken off the lock

    async def check():
        return [event async for event in handler(state, "check_version")()]
    assert asyncio.run(check()) == [QueueState.refresh] and len(reads) == 1
    assert asyncio.run(state.poll()) == QueueState.refresh and len(reads) == 1
    asyncio.run(handler(state, "refresh")())
    assert state.total == 4 and asyncio.run(state.poll()) is None


def test_a_failed_load_is_retried_by_the_next_poll(session, region, monkeypatch):
    def down(*_args):
        raise ConnectionError("database unreachable")
    monkeypatch.setattr(queue_reads, "load_page", down)
    state = loaded(token_of(session, region.coordinator))
    assert state._stale and state.error and not state.loading
    assert asyncio.run(state.poll()) == QueueState.refresh


def test_the_shared_reading_asks_once_for_many_waiters_and_keeps_the_newest():
    calls = []

    def read():
        calls.append(1)
        return (len(calls),)

    async def scenario():
        reading = SharedReading(read, max_age=60)
        assert reading.fresh() is None
        values = await asyncio.gather(*(reading.get() for _ in range(20)))
        assert values == [(1,)] * 20 and len(calls) == 1 and reading.fresh() == (1,)
        reading.offer((7,), read_at=0.0)  # older than the reading held: ignored
        assert reading.fresh() == (1,)
        reading.offer((7,), read_at=float("inf"))
        assert reading.fresh() == (7,) and len(calls) == 1
        stale = SharedReading(read, max_age=0)
        assert await stale.get() == (2,) and await stale.get() == (3,)
    asyncio.run(scenario())


def test_a_filter_change_loads_in_its_own_handler(session, region):
    """One event per change: the handler shows the spinner, then the page, under the tab's lock
    (with Redis a background load cost three more lock, read and write round trips)."""
    state = loaded(token_of(session, region.coordinator))
    submit(session, region, text="Сломана скамейка у подъезда", now=T0 + hours(2))
    session.commit()

    async def change(name, *args):
        steps = []
        async for event in handler(state, name)(*args):
            steps.append((event, state.loading))
        return steps
    steps = asyncio.run(change("set_filter", "search", "скамейка"))
    assert steps == [(None, True)]  # the spinner first; no further event to run
    assert not state.loading and state.total == 1 and [row["status"] for row in state.rows] == ["moderation"]
    asyncio.run(change("reset_filters"))
    assert state.search == "" and state.total == 4 and not state.loading


def test_capped_counts_read_more_than_and_uncounted_statuses_show_no_number(session, region):
    state = loaded(token_of(session, region.coordinator))
    chips = {chip["value"]: chip["count"] for chip in state.status_chips}
    assert chips["all"] == "3" and chips["moderation"] == "3" and chips["closed"] == "0"
    assert state.total_label == "3" and state.page_label == "Страница 1 из 1" and not state.more_pages
    # A common word: more matches than the cap, counted only for «Все» and the selected status.
    cap = queue_state.queue.COUNT_CAP
    state.status, state.total, state.counts_complete, state.status_counts = "open", cap + 1, False, {}
    state.counts_capped = True
    state.overdue, state.rows = 12, [{"id": i} for i in range(queue_state.PAGE_SIZE)]
    chips = {chip["value"]: chip["count"] for chip in state.status_chips}
    assert chips["all"] == chips["open"] == "более 1\u00a0000" and chips["moderation"] == chips["closed"] == ""
    assert state.total_label == "более 1\u00a0000" and state.overdue_label == "12"
    assert state.page_label == "Страница 1" and state.more_pages  # a full page: «Вперёд» leads on
    # The same numbers counted exactly (no common word) are shown as numbers, however large.
    state.counts_capped, state.total, state.overdue = False, 1_515, 1_200
    assert state.total_label == "1\u00a0515" and state.overdue_label == "1\u00a0200"
    assert state.page_label == f"Страница 1 из {state.page_count}"
    # Under one top node a common word's total and chips are exact (its word counts there); the
    # deadline counts stay capped.
    state.counts_capped, state.totals_exact, state.counts_complete = True, True, True
    state.status, state.total, state.status_counts = "all", 18_649, {"in_work": 17_693, "closed": 956}
    state.overdue = cap + 1
    chips = {chip["value"]: chip["count"] for chip in state.status_chips}
    assert chips["all"] == "18\u00a0649" and chips["in_work"] == "17\u00a0693" and chips["closed"] == "956"
    assert state.total_label == "18\u00a0649" and state.overdue_label == "более 1\u00a0000"
    assert state.page_label == f"Страница 1 из {state.page_count}" and state.page_count == 373


def test_a_reload_leaves_the_unchanged_header_out_of_the_update(session, region):
    """The header's vars are set on the first load only: a reload for the same user does not send
    them again (nor, with Redis, write the parent state back)."""
    state = loaded(token_of(session, region.coordinator))
    name = state.user_name
    assert name
    state._clean()
    state.loading = True
    asyncio.run(handler(state, "refresh")())
    parent = state.parent_state
    assert parent is None or not {"user_name", "home_url", "show_kpi_link"} & parent.dirty_vars
    assert not {"user_name", "home_url", "show_kpi_link"} & state.dirty_vars
    assert "rows" in state.dirty_vars and state.user_name == name


def test_the_version_is_read_before_the_page(session, region, monkeypatch):
    """A change between the version's reading and the page's makes the next poll reload (read after
    the page, the version would have hidden that change until the next one)."""
    fetch = queue_reads.queue.fetch_queue_page

    def change_then_fetch(db_session, *args, **kwargs):
        submit(session, region, now=T0 + hours(2))  # another user's change, between the two reads
        session.commit()
        return fetch(db_session, *args, **kwargs)
    monkeypatch.setattr(queue_reads.queue, "fetch_queue_page", change_then_fetch)
    state = loaded(token_of(session, region.coordinator))
    assert state.total == 4  # the page has the change …
    monkeypatch.setattr(queue_reads, "VERSION", SharedReading(queue_reads._version, max_age=60))
    assert asyncio.run(state.poll()) == QueueState.check_version

    async def check():
        return [event async for event in handler(state, "check_version")()]
    assert asyncio.run(check()) == [QueueState.refresh]  # … and the poll knows it may be newer


def test_a_reading_of_another_database_is_never_given_out():
    source = ["sqlite:///a.db"]
    reading = SharedReading(lambda: (1,), max_age=60, source=lambda: source[0])
    reading.offer((5, None), read_at=1e12)
    assert reading.fresh() == (5, None)
    source[0] = "sqlite:///b.db"
    assert reading.fresh() is None
    reading.offer((2, None), read_at=1.0)  # older, but of the database now in use: kept
    assert reading.fresh() is None  # … and too old to give out
    reading.offer((3, None), read_at=2e12)
    assert reading.fresh() == (3, None)
