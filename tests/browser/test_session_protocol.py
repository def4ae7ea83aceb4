"""Sessions at the websocket level (rxprobe, a client of Reflex's protocol): a user cannot end
another user's session by sending its id, odd arguments get a Russian message, and garbage tokens
in the browser's storage are "not logged in", never a server error."""

import asyncio
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlmodel import Session, select

from pos_dashboard.db import make_engine
from pos_dashboard.domain.models import User
from pos_dashboard.domain.security import UserSession

RXPROBE = Path(__file__).resolve().parents[3] / "shared" / "tools" / "rxprobe"
if not (RXPROBE / "rxprobe.py").exists():
    pytest.skip(f"rxprobe is not at {RXPROBE}", allow_module_level=True)
sys.path.insert(0, str(RXPROBE))
from rxprobe import ReflexClient  # noqa: E402

NOT_FOUND = "Сеанс не найден или уже завершён"


def _run(coroutine) -> None:
    """Playwright's sync API keeps an event loop running in this thread: run the client in another."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coroutine).result()


def _open_sessions(db_url: str, login: str) -> set[int]:
    engine = make_engine(db_url)
    with Session(engine) as session:
        user_id = session.exec(select(User.id).where(User.login == login)).one()
        ids = set(session.exec(select(UserSession.id).where(UserSession.user_id == user_id,
                                                            UserSession.revoked_at.is_(None))).all())
    engine.dispose()
    return ids


async def _logged_in(url: str, login: str) -> ReflexClient:
    client = ReflexClient(url, timeout=30)
    await client.hydrate("/login")
    reply = await client.send("LoginState.submit", {"form": {"login": login, "password": "demo12345"}},
                              wait="barrier", timeout=60)
    assert not reply.backend_error and client.var("LoginState.error") in ("", None)
    # What the browser does: keep the token in localStorage and send it back on every page load.
    client.local_storage["pos_token"] = client.var("AppState.auth_token")
    assert client.local_storage["pos_token"]
    return client


def test_forged_session_ids_change_nothing(app_url, demo_db):
    async def scenario():
        coordinator = await _logged_in(app_url, "coordinator")
        official = await _logged_in(app_url, "official")
        try:
            victims = _open_sessions(demo_db, "official")
            assert victims
            await coordinator.hydrate("/account")
            assert coordinator.var("AccountState.sessions")
            for forged in sorted(victims):
                reply = await coordinator.send("AccountState.end_session", {"session_id": forged}, wait="barrier")
                assert not reply.backend_error
                assert coordinator.var("AccountState.error") == NOT_FOUND
            for odd in ("abc", 10 ** 30, None, [], {"id": 1}, -1):
                reply = await coordinator.send("AccountState.end_session", {"session_id": odd}, wait="barrier")
                assert not reply.backend_error, odd
                assert coordinator.var("AccountState.error") == NOT_FOUND
            await coordinator.send("AccountState.end_other_sessions", wait="barrier")
            assert _open_sessions(demo_db, "official") == victims  # nothing of the official's ended
            rows = coordinator.var("AccountState.sessions")
            assert rows and all(isinstance(row["id"], int) for row in rows)
            assert not {row["id"] for row in rows} & victims  # and none of them was even shown
        finally:
            await coordinator.close()
            await official.close()

    _run(scenario())


@pytest.mark.parametrize("token", ["1.9999999999.подпись", "1.9999999999.\u00e9\u00e9", "é" * 43, "x" * 5000])
def test_garbage_tokens_are_not_logged_in(app_url, token):
    async def scenario():
        client = ReflexClient(app_url, local_storage={"pos_token": token}, timeout=30)
        try:
            reply = await client.hydrate("/")
            assert not reply.backend_error
            assert any(event.get("name") == "_redirect" and "/login" in str(event.get("payload"))
                       for event in client.replies[-1].events) or "/login" in str(reply.events)
        finally:
            await client.close()

    _run(scenario())
