"""GET /api/health: can this worker reach its session store (Redis, when several workers share
state)? Asked every 2 s by a page that lost it (assets/session_store_outage.js) to know when to
reconnect and reload its data; the answer names no host and no error."""

import redis
from reflex.utils.prerequisites import parse_redis_url
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ..outage import SESSION_STORE, failures

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


def health(request: Request) -> JSONResponse:
    """Synchronous on purpose: Starlette runs it in its thread pool, off the event loop."""
    if session_store_reachable():
        return JSONResponse({"session_store": "ok"}, headers={"Cache-Control": "no-store"})
    return JSONResponse({"session_store": "unreachable"}, status_code=503, headers={"Cache-Control": "no-store"})


def health_api() -> Starlette:
    return Starlette(routes=[Route(PATH, health, methods=["GET"])])
