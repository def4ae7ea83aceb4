"""PostgreSQL: a read of a page run beside the page's other reads, on a connection of its own.

A common search's page of every status walks its order or reads the word index within a range of
deadlines (analytics/deadline_range), and then its rows; its overdue and at-risk counts read the
open appeals' index, and need nothing of the rest. Run one after the other they added up: «мусор вывозят», all
statuses, at 5M, 14.5 ms for the range and 4.6 ms for the counts on a slow machine. Side by side the
server reads both at once, on a machine of two cores.

Only where it costs nobody: a database every connection sees (not an in-memory SQLite one, nor a
session that wrote appeals it has not committed), a connection of the engine's pool lying idle (a
new one takes longer to open than the read it would spare), and a side thread free (SIDE_READS_MAX
at once in the process). Otherwise the read runs later, on the page's own session, as before.
"""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from sqlmodel import Session

from ..db import shared_database
from ..services.search_terms import APPEALS_WRITTEN

SIDE_READS_MAX = 2

T = TypeVar("T")
_threads = ThreadPoolExecutor(max_workers=SIDE_READS_MAX, thread_name_prefix="page-side-read")
_free = threading.BoundedSemaphore(SIDE_READS_MAX)


def started(session: Session, read: Callable[[Session], T]) -> Callable[[], T]:
    """`read` begun on a connection of its own where that costs nobody; returns what gives its
    result (waiting for it), or, where it was not begun, runs it then on `session`."""
    engine = getattr(session.get_bind(), "engine", session.get_bind())
    if engine.dialect.name != "postgresql" or session.info.get(APPEALS_WRITTEN) or not shared_database(engine) \
            or getattr(engine.pool, "checkedin", lambda: 0)() == 0 or not _free.acquire(blocking=False):
        return lambda: read(session)
    try:
        future = _threads.submit(_on_its_own, engine, read)
    except BaseException:
        _free.release()
        raise
    return future.result


def _on_its_own(engine, read: Callable[[Session], T]) -> T:
    try:
        with Session(engine) as side:
            return read(side)
    finally:
        _free.release()
