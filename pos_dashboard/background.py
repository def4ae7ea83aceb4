"""Work the app process does on its own while it runs: the platform's timers, once a minute, and
the e-mail dispatcher, every few seconds; at start, the Russian dictionary of the search loaded.
Registered as lifespan tasks in pos_dashboard.py; the work itself is in services.timers and
services.dispatcher."""

import asyncio
import logging
import threading

from .db import session_scope
from .domain import search_words
from .domain.types import utcnow
from .outage import failures
from .services.attachment_sweep import sweep_orphans
from .services.dispatcher import dispatch_all
from .services.timers import run_due_timers
from .settings import smtp_settings

TIMER_PERIOD_S = 60
SWEEP_EVERY_ROUNDS = 60  # files left by a killed process: hourly is enough
DISPATCH_PERIOD_S = 5
log = logging.getLogger(__name__)


async def load_search_dictionary() -> None:
    """pymorphy3's dictionary read once at start (73 ms), not by the first search a user types."""
    await asyncio.to_thread(search_words.load_dictionary)


def _run_once(round_number: int):
    with session_scope() as session:
        run = run_due_timers(session, now=utcnow())
    if round_number % SWEEP_EVERY_ROUNDS == 0:
        _sweep_attachments()
    return run


def _sweep_attachments() -> None:
    try:
        with session_scope() as session:
            swept = sweep_orphans(session)
    except OSError as exc:  # the storage folder, not the database: the timers go on
        log.error("attachments sweep failed: %s", exc)
        return
    if swept.removed:
        log.warning("attachments: %s stored files without a row removed", swept.removed)


async def run_timers_forever() -> None:
    round_number = 0
    while True:
        try:
            run = await asyncio.to_thread(_run_once, round_number)
            round_number += 1
            failures.recovered()
            if run.auto_closed or run.auto_rejected:
                log.info("timers: %s closed, %s rejected", run.auto_closed, run.auto_rejected)
        except Exception as exc:  # a failed round must not stop the next one
            failures.failed(exc, "timers")
        await asyncio.sleep(TIMER_PERIOD_S)


def _dispatch(stop: threading.Event):
    with session_scope() as session:
        return dispatch_all(session, smtp_settings(), stop=stop)


async def run_dispatcher_forever() -> None:
    """Sends queued e-mail (nothing while POS_SMTP_HOST is unset). On shutdown the batch in hand is
    stopped between messages and its unsent rows handed back (services/dispatcher.py), so the next
    start sends each of them once."""
    stop = threading.Event()
    while True:
        work = asyncio.ensure_future(asyncio.to_thread(_dispatch, stop))
        try:
            run = await asyncio.shield(work)
            if run.claimed:  # a round with sending off reads nothing: it proves nothing about the database
                failures.recovered()
            if run.sent or run.failed or run.retried:
                log.info("notifications: %s sent, %s to retry, %s failed", run.sent, run.retried, run.failed)
        except asyncio.CancelledError:
            stop.set()
            await asyncio.wait([work])  # the message in hand is recorded, the rest released
            raise
        except Exception as exc:  # a failed round must not stop the next one
            failures.failed(exc, "notifications")
        await asyncio.sleep(DISPATCH_PERIOD_S)
