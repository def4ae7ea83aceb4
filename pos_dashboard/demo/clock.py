"""Time arithmetic for the generator, fast enough for millions of events.

Times are whole seconds since the epoch (UTC). Deadlines are computed by the domain's own
functions (`pos_dashboard.domain.deadlines`) and memoised on the local date they depend on, so
they are exactly what the services compute. Office time (9:00–18:00 local on working days of the
production calendar) is used to place the staff's actions.
"""

from bisect import bisect_right
from datetime import date, datetime, time, timedelta, timezone

from ..domain import deadlines
from ..domain.enums import DeadlineKind

OFFICE_OPENS = 9 * 3600
OFFICE_DAY = 9 * 3600  # seconds of office time in one working day
FAR_FUTURE = 2**62


class DemoClock:
    def __init__(self, calendar: deadlines.RegionCalendar, first_day: date, last_day: date):
        self.calendar = calendar
        self.days = [first_day + timedelta(days=i) for i in range((last_day - first_day).days + 1)]
        self.midnights = [int(datetime.combine(day, time(0), calendar.tz).timestamp()) for day in self.days]
        self.working = [calendar.is_working_day(day) for day in self.days]
        self.working_before: list[int] = []  # working days strictly before each day
        count = 0
        for is_working in self.working:
            self.working_before.append(count)
            count += is_working
        self.working_days = [i for i, is_working in enumerate(self.working) if is_working]
        self._deadlines: dict[tuple, int] = {}

    # --- days ---

    def day_index(self, ts: int) -> int:
        i = bisect_right(self.midnights, ts) - 1
        if i < 0 or ts >= self.midnights[-1] + 86400:
            raise ValueError(f"time outside the demo calendar: {ts}")
        return i

    def local_date(self, ts: int) -> date:
        return self.days[self.day_index(ts)]

    def seconds_into_day(self, ts: int) -> int:
        return ts - self.midnights[self.day_index(ts)]

    def at_local(self, day_index: int, seconds: int) -> int:
        return self.midnights[day_index] + seconds

    # --- office time ---

    def office_after(self, ts: int, working_days: float) -> int:
        """The moment `working_days` of office time after `ts` (an action outside office hours
        starts counting at the next opening)."""
        if ts >= self.midnights[-1]:
            return FAR_FUTURE
        i = self.day_index(ts)
        office = self.working_before[i] * OFFICE_DAY
        if self.working[i]:
            office += min(max(ts - self.midnights[i] - OFFICE_OPENS, 0), OFFICE_DAY)
        k, offset = divmod(office + int(working_days * OFFICE_DAY), OFFICE_DAY)
        if k >= len(self.working_days):
            return FAR_FUTURE
        return self.midnights[self.working_days[k]] + OFFICE_OPENS + offset

    def awake_after(self, ts: int, hours: float) -> int:
        """A citizen's moment `hours` after `ts`, moved out of the night (0:00–7:00)."""
        moment = ts + int(hours * 3600)
        if moment >= self.midnights[-1]:
            return FAR_FUTURE
        into_day = self.seconds_into_day(moment)
        return moment + (7 * 3600 - into_day) + into_day % 3600 if into_day < 7 * 3600 else moment

    # --- deadlines, exactly as the services compute them ---

    def execution_deadline(self, start: int, days: int, kind: str) -> int:
        key = ("execution", self.day_index(start), days, kind)
        if key not in self._deadlines:
            value = deadlines.execution_deadline(self.calendar, to_datetime(start), days, DeadlineKind(kind))
            self._deadlines[key] = int(value.timestamp())
        return self._deadlines[key]

    def stage_due(self, ts: int) -> int:
        key = ("stage", self.day_index(ts))
        if key not in self._deadlines:
            self._deadlines[key] = int(deadlines.stage_due(self.calendar, to_datetime(ts)).timestamp())
        return self._deadlines[key]

    def extended(self, deadline: int, days: int) -> int:
        return int(deadlines.extend(self.calendar, to_datetime(deadline), days).timestamp())


def to_datetime(ts: int | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, timezone.utc)


def resume_after_pause(deadline: int, paused_at: int, resumed_at: int) -> int:
    """deadlines.resume_after_pause on whole seconds."""
    moved = deadlines.resume_after_pause(to_datetime(deadline), to_datetime(paused_at), to_datetime(resumed_at))
    return int(moved.timestamp())
