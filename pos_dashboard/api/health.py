"""GET /api/health: can this worker reach its database and its session store (Redis, when several
workers share state)? Asked every 2 s by a page that lost one of them (assets/outage.js) to know
when to reconnect and load its data again; the answer names no host and no error."""

import redis
from reflex.utils.prerequisites import parse_redis_url
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ..db import get_engine
from ..outage import DATABASE, SESSION_STORE, failures, is_database_outage

PATH = "/api/health"
TIMEOUT_S = 1.0

_client: redis.Redis | None = None


def _session_store() -> redis.Redis | None:
    global _client
    if _client is None and (url := parse_redis_url()) is not None:
        _client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT_S, socket_timeout=TIMEOUT_S)
    return _client


def session_store_reachable() -> bool:
    client = _session_store()
    if client is None:  # one worker keeps the state in its memory: nothing to lose contact with
        return True
    try:
        client.ping()
    except redis.RedisError:
        return False
    failures.recovered(SESSION_STORE)
    return True


def database_reachable() -> bool:
    try:
        with get_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        if is_database_outage(exc):
            return False
        raise
    failures.recovered(DATABASE)
    return True


def health(request: Request) -> JSONResponse:
    """Synchronous on purpose: Starlette runs it in its thread pool, off the event loop."""
    parts = {"database": database_reachable(), "session_store": session_store_reachable()}
    body = {name: "ok" if up else "unreachable" for name, up in parts.items()}
    return JSONResponse(body, status_code=200 if all(parts.values()) else 503, headers={"Cache-Control": "no-store"})


def health_api() -> Starlette:
    return Starlette(routes=[Route(PATH, health, methods=["GET"])])
