"""How the app process serves its tabs: Reflex's disk state manager purges its folder once a minute,
and on PostgreSQL the interpreter hands the GIL between threads every millisecond instead of every five.

With one worker and no Redis, Reflex 0.10.1 keeps each tab's states in memory and writes them to
`.states` (a file per substate of every tab seen within the token expiry, an hour: thousands of files
after a busy hour). Its write loop lists and stats every file of that folder each time it wakes, and
under load it wakes many times a second (each active tab's debounced write is due at its own moment).
Under the 50-tab queue benchmark that listing was a quarter of the time the app process held the GIL
(py-spy --gil), ahead of the JSON of the updates. Files expire after an hour, so a purge once a minute
removes the same files at nearly the same time, at a tiny part of the cost.

Applied when the app module is imported (pos_dashboard.py); without the method (another Reflex)
nothing is patched.

The GIL, on PostgreSQL: a worker process runs Reflex's event loop in one thread and the pages' reads
in others (`asyncio.to_thread`). A thread that wants the GIL while another runs Python waits for the
holder's switch interval, 5 ms by default; a reading thread takes the GIL back after each of its
round trips to the database server, and a filter change crosses between the loop and a reading thread
several times. Under the live queue's load (50 tabs, 1M appeals, two workers and Redis) 1 ms instead
of 5 lowered the round trip's p95 in 10 of 15 runs on PostgreSQL (by 33 ms on average); on SQLite,
whose statements are short and make no round trips, it was higher in 8 of 10 runs (by 5 ms on
average), so SQLite keeps Python's default (README, «Live queue: shorter GIL turns»)."""

import functools
import math
import sys
import threading
import time

PURGE_EVERY_S = 60.0
SWITCH_INTERVAL_S = 0.001


def hand_the_gil_over_sooner(db_url: str, seconds: float = SWITCH_INTERVAL_S) -> bool:
    """On a database server, let a thread waiting for the GIL have it after `seconds` of another
    thread's Python; whether it was set (not on SQLite)."""
    if db_url.startswith("sqlite"):
        return False
    sys.setswitchinterval(seconds)
    return True


def purge_states_at_most_every(seconds: float = PURGE_EVERY_S) -> bool:
    """Make StateManagerDisk purge expired state files at most once per `seconds` per manager."""
    try:
        from reflex.istate.manager.disk import StateManagerDisk  # noqa: PLC0415  (only the app needs it)
    except ImportError:
        return False
    purge = getattr(StateManagerDisk, "_purge_expired_states", None)
    if purge is None or getattr(purge, "rate_limited", False):
        return False
    last: dict[int, float] = {}
    lock = threading.Lock()  # the write loop runs the purge in a worker thread

    @functools.wraps(purge)
    def rate_limited(self) -> None:
        now = time.monotonic()
        with lock:
            if now - last.get(id(self), -math.inf) < seconds:
                return
            last[id(self)] = now
        purge(self)

    rate_limited.rate_limited = True
    StateManagerDisk._purge_expired_states = rate_limited
    return True
