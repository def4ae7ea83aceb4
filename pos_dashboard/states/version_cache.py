"""One reading of a change counter per worker process, shared by every tab it serves.

Every open queue polls «has anything changed?» every few seconds. Asked per tab, 50 tabs make
17 database round trips a second that almost always answer «no»; here a worker asks at most once
per `max_age` seconds (one read in flight at a time, its answer shared by every tab waiting for it)
and a tab's own load offers the version it read, so the cache is never older than what a tab holds.
No Reflex here: it is plain asyncio, usable by any page that polls a counter."""

import asyncio
import time
from collections.abc import Callable


class SharedReading:
    """`source` names what is read (the database's URL): a reading of another source is never
    given out (tests switch databases within one process)."""

    def __init__(self, read: Callable[[], tuple], max_age: float, source: Callable[[], object] = lambda: None) -> None:
        self._read, self._max_age, self._source = read, max_age, source
        # (value, source, wall clock of the reading: time.time(), comparable across processes), replaced
        # as a whole: page loads offer readings from worker threads
        self._reading: tuple = (None, None, 0.0)
        self._pending: asyncio.Future | None = None

    def fresh(self) -> tuple | None:
        """The last reading if it is recent enough, without waiting; None when a read is due."""
        value, source, read_at = self._reading
        if value is not None and time.time() - read_at < self._max_age and source == self._source():
            return value
        return None

    def offer(self, value: tuple, read_at: float) -> None:
        """A value read elsewhere (a page load) at `read_at`; kept if it is the newest reading."""
        source = self._source()
        _, known_source, known_at = self._reading
        if read_at > known_at or source != known_source:
            self._reading = (value, source, read_at)

    async def get(self) -> tuple:
        """A recent reading: the cached one, or the database's (one read at a time per process)."""
        if (value := self.fresh()) is not None:
            return value
        loop = asyncio.get_running_loop()
        pending = self._pending
        if pending is None or pending.get_loop() is not loop:
            pending = self._pending = loop.create_task(self._fetch())
        try:
            return await asyncio.shield(pending)
        finally:
            if pending.done() and self._pending is pending:
                self._pending = None

    async def _fetch(self) -> tuple:
        started = time.time()
        value = await asyncio.to_thread(self._read)
        self.offer(value, started)
        return value
