"""Work the app process does on its own while it runs: the platform's timers, once a minute.
Registered as a lifespan task in pos_dashboard.py; the work itself is in services.timers."""

import asyncio
import logging

from .db import session_scope
from .domain.types import utcnow
from .outage import failures
from .services.timers import run_due_timers

TIMER_PERIOD_S = 60
log = logging.getLogger(__name__)


def _run_once():
    with session_scope() as session:
        return run_due_timers(session, now=utcnow())


async def run_timers_forever() -> None:
    while True:
        try:
            run = await asyncio.to_thread(_run_once)
            failures.recovered()
            if run.auto_closed or run.auto_rejected:
                log.info("timers: %s closed, %s rejected", run.auto_closed, run.auto_rejected)
        except Exception as exc:  # a failed round must not stop the next one
            failures.failed(exc, "timers")
        await asyncio.sleep(TIMER_PERIOD_S)
