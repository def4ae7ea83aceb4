"""Deadline engine: the Russian production calendar in the region's time zone.

A deadline of N working days counted from a moment falls at the end (23:59:59 local) of the
N-th working day after the local date of that moment. Calendar-day rules count every day.
Non-working days come from the `holidays` package (Russian public holidays with the government's
transfers) plus weekends, minus the Saturdays the government made working days.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from .enums import DeadlineKind

DEFAULT_EXECUTION_DAYS = 30
EXPEDITED_EXECUTION_DAYS = 10
STAGE_WORKING_DAYS = 1  # moderation, coordination and answer review each have about one working day
AT_RISK_HORIZON = timedelta(hours=24)
EXTENSION_MAX_DAYS = 30

_END_OF_DAY = time(23, 59, 59)


@lru_cache(maxsize=64)
def _russian_calendar(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("RU", years=year)


@dataclass(frozen=True)
class RegionCalendar:
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Moscow"))

    def is_working_day(self, day: date) -> bool:
        cal = _russian_calendar(day.year)
        if day in getattr(cal, "weekend_workdays", set()):
            return True
        return day.weekday() < 5 and day not in cal

    def local_date(self, moment: datetime) -> date:
        return _aware(moment).astimezone(self.tz).date()

    def end_of_day(self, day: date) -> datetime:
        return datetime.combine(day, _END_OF_DAY, self.tz).astimezone(timezone.utc)

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """End of the `days`-th working day after the local date of `start`."""
        day, counted = self.local_date(start), 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return self.end_of_day(day)

    def add_calendar_days(self, start: datetime, days: int) -> datetime:
        """End of the `days`-th calendar day; a deadline falling on a day off moves to the next
        working day (as Russian procedural deadlines do)."""
        day = self.local_date(start) + timedelta(days=days)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return self.end_of_day(day)

    def add(self, start: datetime, days: int, kind: DeadlineKind) -> datetime:
        if kind == DeadlineKind.CALENDAR:
            return self.add_calendar_days(start, days)
        return self.add_working_days(start, days)

    def working_days_between(self, start: datetime, end: datetime) -> float:
        """Working time between two moments, in working days (a day off counts as zero)."""
        start, end = _aware(start).astimezone(self.tz), _aware(end).astimezone(self.tz)
        if end <= start:
            return 0.0
        total, cursor = 0.0, start
        while cursor < end:
            next_midnight = datetime.combine(cursor.date() + timedelta(days=1), time(0), self.tz)
            piece_end = min(end, next_midnight)
            if self.is_working_day(cursor.date()):
                total += (piece_end - cursor).total_seconds() / 86400
            cursor = piece_end
        return total


def execution_deadline(calendar: RegionCalendar, start: datetime, days: int, kind: DeadlineKind) -> datetime:
    """Deadline of the execution stage for a category rule (30 working days by default)."""
    return calendar.add(start, days, kind)


def stage_due(calendar: RegionCalendar, start: datetime) -> datetime:
    """Due time of a short stage (moderation, coordination, answer review)."""
    return calendar.add_working_days(start, STAGE_WORKING_DAYS)


def resume_after_pause(deadline: datetime, paused_at: datetime, resumed_at: datetime) -> datetime:
    """The clock stops while the citizen is asked for clarification: the deadline moves by the
    length of the pause (elapsed time, computed in UTC)."""
    pause = _aware(resumed_at).astimezone(timezone.utc) - _aware(paused_at).astimezone(timezone.utc)
    return _aware(deadline).astimezone(timezone.utc) + max(pause, timedelta(0))


def extend(calendar: RegionCalendar, deadline: datetime, days: int) -> datetime:
    if not 1 <= days <= EXTENSION_MAX_DAYS:
        raise ValueError(f"срок можно продлить на 1–{EXTENSION_MAX_DAYS} рабочих дней")
    return calendar.add_working_days(deadline, days)


def is_overdue(deadline: datetime | None, now: datetime) -> bool:
    return deadline is not None and _aware(now) > deadline


def is_at_risk(deadline: datetime | None, now: datetime, horizon: timedelta = AT_RISK_HORIZON) -> bool:
    """Not yet overdue, but due within the horizon (24 hours)."""
    return deadline is not None and _aware(now) <= deadline <= _aware(now) + horizon


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime refused: {moment!r}")
    return moment


def plural(n: int, one: str, few: str, many: str) -> str:
    """«1 день», «3 дня», «5 дней» (Russian plural forms)."""
    if n % 10 == 1 and n % 100 != 11:
        return f"{n} {one}"
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return f"{n} {few}"
    return f"{n} {many}"


def rule_text(days: int, kind: DeadlineKind | str) -> str:
    """A category's deadline rule as people read it: «30 рабочих дней», «1 календарный день»."""
    if kind == DeadlineKind.WORKING:
        return plural(days, "рабочий день", "рабочих дня", "рабочих дней")
    return plural(days, "календарный день", "календарных дня", "календарных дней")
