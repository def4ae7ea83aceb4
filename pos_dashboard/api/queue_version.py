"""GET /api/queue/version: the appeals' change mark (states/queue_reads.version_mark), asked every 3 s
by an open queue and an open KPI dashboard (assets/queue_poll.js). The page sends its websocket poll
event only when the mark differs from the one its view was read at: an idle tab then costs no event,
no state lock and, with several workers, no read and write of its states in Redis.

The mark comes from the worker's shared reading (at most one database read per second per worker).
It is given to staff sessions only (header X-Pos-Token, the tab's session token), each token checked
against the database at most once per TOKEN_RECHECK_S. When the database or the session store cannot
be reached (Redis pinged at most once per STORE_RECHECK_S) the answer is 503 with no body: the page
then sends its poll event, which fails and shows the outage as before."""

import asyncio
import time

from reflex.utils.prerequisites import parse_redis_url
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from ..db import session_scope
from ..domain.enums import STAFF_ROLES
from ..services import sessions
from ..states.queue_reads import VERSION, version_mark
from .health import session_store_reachable

PATH = "/api/queue/version"
TOKEN_HEADER = "X-Pos-Token"
TOKEN_RECHECK_S = 30.0
STORE_RECHECK_S = 1.0  # with several workers: Redis pinged at most this often per worker
_TOKENS_KEPT = 10_000
_TOKEN_MAX = 100  # a session token is 43 characters
_NO_STORE = {"Cache-Control": "no-store"}

_store_ok_at = float("-inf")  # when Redis last answered a ping (monotonic)
_checked: dict[str, float] = {}  # token hash → when it was last found a staff session (monotonic)


def _checked_recently(token: str) -> bool | None:
    """False for what is no token, True for a staff token checked within TOKEN_RECHECK_S, None when
    the database must tell (answered on the event loop: most requests need no thread)."""
    if not token or len(token) > _TOKEN_MAX or not token.isascii():
        return False
    checked_at = _checked.get(sessions.token_hash(token))
    return True if checked_at is not None and time.monotonic() - checked_at < TOKEN_RECHECK_S else None


def _is_staff_token(token: str) -> bool:
    key = sessions.token_hash(token)
    with session_scope() as session:
        resolved = sessions.resolve(session, token, touch=False)  # the page asks by itself: no touch
    if resolved is None or resolved[0].role not in STAFF_ROLES:
        _checked.pop(key, None)
        return False
    if len(_checked) >= _TOKENS_KEPT:
        _checked.clear()
    _checked[key] = time.monotonic()
    return True


async def queue_version(request: Request) -> Response:
    token = request.headers.get(TOKEN_HEADER, "")
    try:
        staff = _checked_recently(token)
        if not (staff if staff is not None else await asyncio.to_thread(_is_staff_token, token)):
            return Response(status_code=403, headers=_NO_STORE)
        reading = await VERSION.get()
    except Exception:  # the database: the page's poll event that follows reports it (and logs it once)
        return Response(status_code=503, headers=_NO_STORE)
    if not await _session_store_answers():
        return Response(status_code=503, headers=_NO_STORE)
    return PlainTextResponse(version_mark(reading), headers=_NO_STORE)


async def _session_store_answers() -> bool:
    """With several workers (Redis): whether it answered a ping, asked at most once per second."""
    global _store_ok_at
    if parse_redis_url() is None or time.monotonic() - _store_ok_at < STORE_RECHECK_S:
        return True
    if not await asyncio.to_thread(session_store_reachable):
        return False
    _store_ok_at = time.monotonic()
    return True


def queue_version_api() -> Starlette:
    return Starlette(routes=[Route(PATH, queue_version, methods=["GET"])])
