"""Errors reported by browsers: the server log gets them bounded in length and in rate (a client
decides what its browser reports, and how often). Failures of our own handlers: `outage.py`."""

import logging
import threading
import time

logger = logging.getLogger("pos_dashboard")

LOG_TEXT_MAX = 2_000  # characters of one message in the log
FRONTEND_REPORTS_PER_MINUTE = 30  # for the whole process: per-client budgets reset on reconnect


def clip(text: str, limit: int = LOG_TEXT_MAX) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… [{len(text) - limit} more characters not logged]"


class _Window:
    """At most `limit` reports per minute; one line says when the rest are dropped."""

    def __init__(self, limit: int):
        self.limit, self.start, self.count = limit, 0.0, 0
        self.lock = threading.Lock()

    def admit(self) -> bool:
        with self.lock:
            now = time.monotonic()
            if now - self.start >= 60:
                self.start, self.count = now, 0
            self.count += 1
            if self.count == self.limit + 1:
                logger.warning("More than %d browser error reports in a minute: the rest are not logged", self.limit)
            return self.count <= self.limit


_frontend_window = _Window(FRONTEND_REPORTS_PER_MINUTE)


def frontend_exception_handler(exception: Exception) -> None:
    """Reflex's handler for errors reported by browsers (`rx.App(frontend_exception_handler=…)`)."""
    if _frontend_window.admit():
        logger.error("Browser error: %s", clip(str(exception)))
