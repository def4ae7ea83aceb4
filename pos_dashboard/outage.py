"""Infrastructure failures as the app meets them: telling a database or session-store (Redis)
outage from a bug, and logging failures without a storm. During an outage every open tab retries
every few seconds; one line per failure kind per interval (with the count of repeats) says as much
as a traceback per attempt, and a line when it works again says how long it lasted."""

import logging
import threading
import time
from dataclasses import dataclass

from redis import exceptions as redis_exc
from sqlalchemy import exc as sa_exc

LOG_INTERVAL_S = 60.0
MAX_DETAIL = 300  # characters of an error message in the log (a statement may hold user input)
DATABASE = "database"
SESSION_STORE = "session store"  # Redis, where several workers keep the tabs' state

log = logging.getLogger("pos_dashboard.outage")


def is_database_outage(error: BaseException) -> bool:
    """The database could not be reached or used (down, restarting, connections cut, disk full,
    read-only, pool exhausted): not a bug and not a refusal, worth retrying later."""
    return isinstance(error, (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError,
                              sa_exc.TimeoutError))


def is_session_store_outage(error: BaseException) -> bool:
    """Redis could not be reached. Reflex waits for its lock subscription with a plain
    TimeoutError: that one counts only when it was raised inside Reflex's Redis state manager."""
    if isinstance(error, (redis_exc.ConnectionError, redis_exc.TimeoutError)):
        return True
    return isinstance(error, TimeoutError) and _raised_in_redis_manager(error)


def _raised_in_redis_manager(error: BaseException) -> bool:
    trace = error.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_filename.endswith("istate/manager/redis.py"):
            return True
        trace = trace.tb_next
    return False


def failure_kind(error: BaseException) -> str:
    if is_database_outage(error):
        return DATABASE
    return SESSION_STORE if is_session_store_outage(error) else type(error).__name__


def _detail(error: BaseException) -> str:
    original = getattr(error, "orig", None) or error  # without SQLAlchemy's statement and parameters
    text = " ".join(str(original).split())
    return f"{type(original).__name__}: {text[:MAX_DETAIL]}"


@dataclass
class _Streak:
    since: float
    logged_at: float
    unlogged: int = 0
    total: int = 1


class FailureLog:
    """Rate-limited log of failures by kind; thread-safe (handlers run in worker threads)."""

    def __init__(self, logger: logging.Logger = log, interval_s: float = LOG_INTERVAL_S, clock=time.monotonic):
        self.logger, self.interval_s, self.clock = logger, interval_s, clock
        self._streaks: dict[str, _Streak] = {}
        self._lock = threading.Lock()

    def failed(self, error: BaseException, where: str = "") -> str:
        """Record one failure; returns its kind."""
        kind, now = failure_kind(error), self.clock()
        with self._lock:
            streak = self._streaks.get(kind)
            if streak is None:
                self._streaks[kind] = _Streak(since=now, logged_at=now)
                first = True
            else:
                streak.total += 1
                if now - streak.logged_at < self.interval_s:
                    streak.unlogged += 1
                    return kind
                repeats, elapsed = streak.unlogged + 1, now - streak.logged_at
                streak.unlogged, streak.logged_at = 0, now
                first = False
        if first:
            # A bug gets its traceback once per streak; an outage is said in one line.
            self.logger.error("%s failure%s: %s", kind, f" in {where}" if where else "", _detail(error),
                              exc_info=None if kind in (DATABASE, SESSION_STORE) else error)
        else:
            self.logger.error("%s failure still happening: %d more times in %.0f s; last: %s",
                              kind, repeats, elapsed, _detail(error))
        return kind

    def recovered(self, kind: str = DATABASE) -> None:
        if not self._streaks:  # the usual case, without taking the lock
            return
        with self._lock:
            streak = self._streaks.pop(kind, None)
        if streak is not None:
            self.logger.warning("%s works again after %.1f s (%d failures)", kind, self.clock() - streak.since,
                                streak.total)


failures = FailureLog()


class ReflexRedisLogFilter(logging.Filter):
    """Reflex's own Redis subscriptions log every failed reconnect (with tracebacks when a task
    gives up, through asyncio's «Task exception was never retrieved»): during a Redis outage that
    is hundreds of lines a minute per worker. Their records go to the rate-limited failure log
    instead; everything else passes untouched."""

    def __init__(self, failure_log: FailureLog):
        super().__init__()
        self.failure_log = failure_log

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if error is not None and is_session_store_outage(error):
            self.failure_log.failed(error, "Reflex's Redis subscriptions")
            return False
        # reflex.utils.tasks runs only the Redis subscriptions; the token manager says «Redis error …»
        if record.name == "reflex.utils.tasks" or (record.name == "reflex.utils.token_manager"
                                                   and record.getMessage().startswith("Redis error")):
            self.failure_log.failed(redis_exc.ConnectionError(record.getMessage()), "Reflex's Redis subscriptions")
            return False
        return True


def quiet_reflex_redis_logs(failure_log: FailureLog = failures) -> None:
    """Install the filter on the loggers that Reflex's Redis tasks write to (once per process)."""
    for name in ("reflex.utils.tasks", "reflex.utils.token_manager", "asyncio"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, ReflexRedisLogFilter) for f in logger.filters):
            logger.addFilter(ReflexRedisLogFilter(failure_log))
