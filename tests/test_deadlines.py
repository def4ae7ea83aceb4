"""Deadline engine: the Russian production calendar in the region's time zone.

Known facts of the 2025/2026 production calendars (Постановления Правительства РФ о переносе выходных):
2025: 1–8 Jan off; 1–4 and 8–11 May off (2 May moved from 4 Jan, 8 May from 23 Feb); 12–13 Jun off
(13 Jun moved from 8 Mar); Saturday 1 Nov is a working day, 2–4 Nov off (3 Nov moved from 1 Nov);
31 Dec off (moved from 5 Jan). 2026: 1–11 Jan off (9 Jan moved from 3 Jan), 12 Jan is the first working day.
"""

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pos_dashboard.domain import deadlines
from pos_dashboard.domain.deadlines import RegionCalendar
from pos_dashboard.domain.enums import DeadlineKind

MSK = ZoneInfo("Europe/Moscow")
KAM = ZoneInfo("Asia/Kamchatka")
UTC = timezone.utc
ZONES = ["UTC", "Europe/Moscow", "Asia/Kamchatka", "Europe/Kaliningrad", "Asia/Vladivostok", "America/New_York",
         "Pacific/Kiritimati", "Pacific/Pago_Pago"]

msk = RegionCalendar(MSK)
kam = RegionCalendar(KAM)
CALENDARS = {"Europe/Moscow": msk, "Asia/Kamchatka": kam}

# Instants in 2024–2027 in any time zone (DST zones included, imaginary local times excluded).
instants = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31),
                        timezones=st.sampled_from(ZONES).map(ZoneInfo), allow_imaginary=False)
calendars = st.sampled_from(sorted(CALENDARS)).map(CALENDARS.get)
PROPS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def eod(tz, y, m, d) -> datetime:
    return datetime(y, m, d, 23, 59, 59, tzinfo=tz)


# --- the calendar itself ---

@pytest.mark.parametrize("day, working", [
    (date(2025, 11, 1), True),  # working Saturday (moved to 3 Nov)
    (date(2025, 11, 3), False),
    (date(2025, 11, 4), False),
    (date(2025, 5, 2), False),  # moved from 4 Jan
    (date(2025, 5, 8), False),  # moved from 23 Feb
    (date(2025, 5, 7), True),
    (date(2025, 6, 13), False),  # moved from 8 Mar
    (date(2025, 12, 31), False),  # moved from 5 Jan
    (date(2025, 12, 30), True),
    (date(2026, 1, 8), False),
    (date(2026, 1, 9), False),  # moved from 3 Jan
    (date(2026, 1, 12), True),
    (date(2025, 3, 8), False),  # a Saturday holiday
    (date(2025, 3, 10), True),  # not moved in 2025 (the Saturday holiday went to 13 Jun)
    (date(2025, 3, 15), False),  # an ordinary Saturday
    (date(2025, 3, 14), True),  # an ordinary Friday
])
def test_production_calendar_facts(day, working):
    assert msk.is_working_day(day) is working


def test_new_year_break_2025_2026():
    off = [d for d in (date(2025, 12, 31) + timedelta(n) for n in range(13)) if not msk.is_working_day(d)]
    assert off == [date(2025, 12, 31)] + [date(2026, 1, n) for n in range(1, 12)]


# --- add_working_days ---

def test_new_year_appeal_one_and_ten_working_days():
    start = datetime(2025, 12, 30, 10, 0, tzinfo=MSK)
    assert msk.add_working_days(start, 1) == eod(MSK, 2026, 1, 12)  # 31 Dec and 1–11 Jan are skipped
    assert msk.add_working_days(start, 10) == eod(MSK, 2026, 1, 23)
    assert msk.add_working_days(datetime(2025, 12, 29, 10, 0, tzinfo=MSK), 1) == eod(MSK, 2025, 12, 30)


def test_may_and_november_2025():
    # Wednesday 30 April: 1–4 May off, 5–7 May working, 8–11 May off, 12 May working
    start = datetime(2025, 4, 30, 12, 0, tzinfo=MSK)
    assert [msk.add_working_days(start, n).date() for n in range(1, 6)] == [
        date(2025, 5, 5), date(2025, 5, 6), date(2025, 5, 7), date(2025, 5, 12), date(2025, 5, 13)]
    # Friday 31 October: Saturday 1 November is a working day, then 2–4 Nov off
    start = datetime(2025, 10, 31, 12, 0, tzinfo=MSK)
    assert msk.add_working_days(start, 1) == eod(MSK, 2025, 11, 1)
    assert msk.add_working_days(start, 2) == eod(MSK, 2025, 11, 5)


def test_thirty_working_days_regulation():
    # Monday 3 March 2025 + 30 working days = Monday 14 April 2025
    assert msk.add_working_days(datetime(2025, 3, 3, 9, 0, tzinfo=MSK), 30) == eod(MSK, 2025, 4, 14)
    # Over the May holidays: Friday 18 April + 30 → Thursday 5 June (1, 2, 8 and 9 May skipped)
    assert msk.add_working_days(datetime(2025, 4, 18, 9, 0, tzinfo=MSK), 30) == eod(MSK, 2025, 6, 5)


def test_kamchatka_counts_from_the_local_date():
    # 31 Dec 2025 13:00 UTC is 1 Jan 2026 01:00 in Kamchatka: counting starts from 1 Jan local
    start = datetime(2025, 12, 31, 13, 0, tzinfo=UTC)
    assert kam.local_date(start) == date(2026, 1, 1)
    assert msk.local_date(start) == date(2025, 12, 31)
    result = kam.add_working_days(start, 1)
    assert result == eod(KAM, 2026, 1, 12)
    assert result == datetime(2026, 1, 12, 11, 59, 59, tzinfo=UTC)
    assert result.utcoffset() == timedelta(0)  # returned in UTC
    # 29 Dec 2025 13:00 UTC: still the 29th (Monday) in Moscow, already the 30th in Kamchatka
    start = datetime(2025, 12, 29, 13, 0, tzinfo=UTC)
    assert msk.add_working_days(start, 1) == eod(MSK, 2025, 12, 30)
    assert kam.add_working_days(start, 1) == eod(KAM, 2026, 1, 12)
    # a moment late on Friday in Moscow is already Saturday in Kamchatka
    friday_evening = datetime(2025, 3, 7, 20, 0, tzinfo=MSK)
    assert msk.add_working_days(friday_evening, 1) == eod(MSK, 2025, 3, 10)
    assert kam.add_working_days(friday_evening, 1) == eod(KAM, 2025, 3, 10)
    assert msk.add_working_days(datetime(2025, 3, 6, 20, 0, tzinfo=MSK), 1) == eod(MSK, 2025, 3, 7)
    assert kam.add_working_days(datetime(2025, 3, 6, 20, 0, tzinfo=MSK), 1) == eod(KAM, 2025, 3, 10)


def _is_end_of_working_day(cal: RegionCalendar, moment: datetime) -> bool:
    local = moment.astimezone(cal.tz)
    return local.time() == time(23, 59, 59) and cal.is_working_day(local.date())


@PROPS
@given(start=instants, n=st.integers(1, 60), cal=calendars)
def test_working_day_results_are_ends_of_working_days(start, n, cal):
    result = cal.add_working_days(start, n)
    assert _is_end_of_working_day(cal, result)
    assert result.utcoffset() == timedelta(0)
    # exactly n working days strictly after the local start date, up to and including the result date
    first, last = cal.local_date(start), cal.local_date(result)
    days = [first + timedelta(k) for k in range(1, (last - first).days + 1)]
    assert sum(cal.is_working_day(d) for d in days) == n


@PROPS
@given(a=instants, b=instants, n=st.integers(1, 40), cal=calendars)
def test_add_working_days_is_monotonic_in_start(a, b, n, cal):
    a, b = sorted([a, b])
    assert cal.add_working_days(a, n) <= cal.add_working_days(b, n)


@PROPS
@given(start=instants, n=st.integers(1, 40), m=st.integers(1, 40), cal=calendars)
def test_add_working_days_is_strictly_monotonic_in_n(start, n, m, cal):
    assume(n != m)
    lo, hi = sorted([n, m])
    assert cal.add_working_days(start, lo) < cal.add_working_days(start, hi)
    # and composes: n then m working days = n + m working days
    assert cal.add_working_days(cal.add_working_days(start, n), m) == cal.add_working_days(start, n + m)


@PROPS
@given(start=instants, n=st.integers(1, 40), cal=calendars,
       other=st.sampled_from(ZONES + ["+05:00", "-11:00"]))
def test_result_does_not_depend_on_how_the_instant_is_written(start, n, cal, other):
    """For any aware instant the result equals the one computed from its region-local form."""
    if other.startswith(("+", "-")):
        sign = 1 if other[0] == "+" else -1
        zone = timezone(sign * timedelta(hours=int(other[1:3])))
    else:
        zone = ZoneInfo(other)
    expected = cal.add_working_days(start.astimezone(cal.tz), n)
    assert cal.add_working_days(start.astimezone(zone), n) == expected
    assert cal.add_working_days(start.astimezone(UTC), n) == expected
    # and it depends only on the local date: any moment of that local day gives the same deadline
    local_midnight = datetime.combine(start.astimezone(cal.tz).date(), time(0), cal.tz)
    assert cal.add_working_days(local_midnight, n) == expected


# --- calendar-day rule ---

def test_calendar_days_move_off_weekends_and_holidays():
    # 10 calendar days from 21 Dec 2025 → 31 Dec (a day off) → 1–11 Jan off → 12 Jan
    assert msk.add_calendar_days(datetime(2025, 12, 21, 12, 0, tzinfo=MSK), 10) == eod(MSK, 2026, 1, 12)
    # 5 calendar days from Monday 10 March 2025 → Saturday 15th → Monday 17th
    assert msk.add_calendar_days(datetime(2025, 3, 10, 12, 0, tzinfo=MSK), 5) == eod(MSK, 2025, 3, 17)
    # 4 calendar days from Thursday 6 March 2025 → Monday 10th, a working day: not moved
    assert msk.add_calendar_days(datetime(2025, 3, 6, 12, 0, tzinfo=MSK), 4) == eod(MSK, 2025, 3, 10)
    # 26 Oct 2025 + 6 → Saturday 1 Nov, a working Saturday: kept
    assert msk.add_calendar_days(datetime(2025, 10, 26, 12, 0, tzinfo=MSK), 6) == eod(MSK, 2025, 11, 1)
    # 7 calendar days landing on 2 Nov → 2–4 Nov off → 5 Nov
    assert msk.add_calendar_days(datetime(2025, 10, 26, 12, 0, tzinfo=MSK), 7) == eod(MSK, 2025, 11, 5)


def test_add_dispatches_on_the_rule_kind():
    start = datetime(2025, 3, 3, 9, 0, tzinfo=MSK)
    assert msk.add(start, 10, DeadlineKind.WORKING) == eod(MSK, 2025, 3, 17)
    assert msk.add(start, 10, DeadlineKind.CALENDAR) == eod(MSK, 2025, 3, 13)
    assert deadlines.execution_deadline(msk, start, 10, DeadlineKind.CALENDAR) == eod(MSK, 2025, 3, 13)
    assert deadlines.stage_due(msk, datetime(2025, 3, 7, 18, 0, tzinfo=MSK)) == eod(MSK, 2025, 3, 10)


@PROPS
@given(start=instants, n=st.integers(0, 60), cal=calendars)
def test_calendar_day_results(start, n, cal):
    result = cal.add_calendar_days(start, n)
    assert _is_end_of_working_day(cal, result)
    target = cal.local_date(start) + timedelta(n)
    got = cal.local_date(result)
    assert got >= target
    # the result is the first working day on or after the target date
    assert all(not cal.is_working_day(target + timedelta(k)) for k in range((got - target).days))


# --- pauses and the extension ---

def test_resume_after_pause_moves_by_the_pause_length():
    deadline = eod(MSK, 2025, 4, 14)
    paused = datetime(2025, 3, 5, 10, 0, tzinfo=MSK)
    assert deadlines.resume_after_pause(deadline, paused, paused + timedelta(days=3, minutes=5)) == \
        deadline + timedelta(days=3, minutes=5)
    assert deadlines.resume_after_pause(deadline, paused, paused) == deadline
    # a resume "before" the pause (clock skew) never shortens the deadline
    assert deadlines.resume_after_pause(deadline, paused, paused - timedelta(hours=1)) == deadline


@PROPS
@given(deadline=instants, paused=instants, pause=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=60)),
       resume_zone=st.sampled_from(ZONES).map(ZoneInfo))
def test_resume_after_pause_property(deadline, paused, pause, resume_zone):
    """The deadline moves by the elapsed length of the pause, whatever zones the three instants are written
    in (wall-clock arithmetic inside a zone with summer time would be an hour off)."""
    resumed = (paused.astimezone(UTC) + pause).astimezone(resume_zone)
    moved = deadlines.resume_after_pause(deadline, paused, resumed)
    assert moved.astimezone(UTC) - deadline.astimezone(UTC) == pause


def test_resume_after_pause_refuses_naive_datetimes():
    aware = datetime(2025, 3, 5, 10, 0, tzinfo=MSK)
    naive = datetime(2025, 3, 5, 10, 0)
    for args in [(naive, aware, aware), (aware, naive, aware), (aware, aware, naive), (naive, naive, naive)]:
        with pytest.raises(ValueError, match="naive"):
            deadlines.resume_after_pause(*args)


def test_extend_bounds():
    deadline = eod(MSK, 2025, 4, 14).astimezone(UTC)
    assert deadlines.extend(msk, deadline, 1) == eod(MSK, 2025, 4, 15)
    assert deadlines.extend(msk, deadline, 5) == eod(MSK, 2025, 4, 21)
    assert deadlines.extend(msk, deadline, 30) == msk.add_working_days(deadline, 30)
    for days in (0, -1, 31, 100):
        with pytest.raises(ValueError) as info:
            deadlines.extend(msk, deadline, days)
        assert "продлить" in str(info.value)


def test_extension_in_kamchatka_counts_from_the_local_deadline_day():
    deadline = eod(KAM, 2025, 12, 30).astimezone(UTC)  # 30 Dec 11:59:59 UTC
    assert deadlines.extend(kam, deadline, 1) == eod(KAM, 2026, 1, 12)


# --- overdue and at risk ---

def test_overdue_and_at_risk_boundaries():
    deadline = eod(MSK, 2025, 4, 14).astimezone(UTC)
    second = timedelta(seconds=1)
    day = timedelta(hours=24)
    assert not deadlines.is_overdue(deadline, deadline)  # exactly at the deadline: still on time
    assert deadlines.is_overdue(deadline, deadline + timedelta(microseconds=1))
    assert deadlines.is_at_risk(deadline, deadline)
    assert not deadlines.is_at_risk(deadline, deadline + second)  # overdue is not "at risk"
    assert deadlines.is_at_risk(deadline, deadline - day)  # exactly 24 h before
    assert not deadlines.is_at_risk(deadline, deadline - day - second)
    assert not deadlines.is_overdue(None, deadline) and not deadlines.is_at_risk(None, deadline)
    # the same instant written in another zone gives the same answer
    assert deadlines.is_at_risk(deadline, (deadline - day).astimezone(KAM))
    assert not deadlines.is_overdue(deadline, deadline.astimezone(KAM))
    assert deadlines.is_at_risk(deadline, deadline - 2 * day, horizon=2 * day)


@PROPS
@given(deadline=instants, offset=st.timedeltas(min_value=timedelta(days=-5), max_value=timedelta(days=5)))
def test_overdue_at_risk_partition(deadline, offset):
    now = deadline + offset
    overdue, at_risk = deadlines.is_overdue(deadline, now), deadlines.is_at_risk(deadline, now)
    assert overdue == (offset > timedelta(0))
    assert at_risk == (timedelta(hours=-24) <= offset <= timedelta(0))
    assert not (overdue and at_risk)


# --- working time between two moments ---

def test_working_days_between_known_values():
    fri_noon = datetime(2025, 3, 7, 12, 0, tzinfo=MSK)
    mon_noon = datetime(2025, 3, 10, 12, 0, tzinfo=MSK)
    assert msk.working_days_between(fri_noon, mon_noon) == pytest.approx(1.0)  # the weekend counts zero
    sat = datetime(2025, 3, 15, 8, 0, tzinfo=MSK)
    assert msk.working_days_between(sat, sat + timedelta(hours=30)) == 0.0
    assert msk.working_days_between(mon_noon, fri_noon) == 0.0  # reversed: zero
    # the New Year break counts zero: 30 Dec noon → 12 Jan noon is 1 working day
    assert msk.working_days_between(datetime(2025, 12, 30, 12, 0, tzinfo=MSK),
                                    datetime(2026, 1, 12, 12, 0, tzinfo=MSK)) == pytest.approx(1.0)
    # the same instants, the Kamchatka calendar: 30 Dec 12:00 MSK = 30 Dec 21:00 KAM; 12 Jan 12:00 MSK = 21:00 KAM
    assert kam.working_days_between(datetime(2025, 12, 30, 12, 0, tzinfo=MSK),
                                    datetime(2026, 1, 12, 12, 0, tzinfo=MSK)) == pytest.approx(1.0)
    # 1 Nov 2025 (working Saturday) counts
    assert msk.working_days_between(datetime(2025, 11, 1, 0, 0, tzinfo=MSK),
                                    datetime(2025, 11, 2, 0, 0, tzinfo=MSK)) == pytest.approx(1.0)


@PROPS
@given(a=instants, b=instants, c=instants, cal=calendars)
def test_working_days_between_is_additive(a, b, c, cal):
    a, b, c = sorted([a, b, c])
    whole = cal.working_days_between(a, c)
    assert whole == pytest.approx(cal.working_days_between(a, b) + cal.working_days_between(b, c), abs=1e-6)
    assert 0.0 <= whole <= (c - a).total_seconds() / 86400 + 1e-9


@PROPS
@given(start=instants, n=st.integers(1, 30), cal=calendars)
def test_working_days_between_agrees_with_add_working_days(start, n, cal):
    """From a moment to the deadline n working days later there are between n and n+1 working days
    (n full days, plus what is left of the start day if it is a working day, minus the last second)."""
    deadline = cal.add_working_days(start, n)
    span = cal.working_days_between(start, deadline)
    local = start.astimezone(cal.tz)
    left_today = 0.0
    if cal.is_working_day(local.date()):
        next_midnight = datetime.combine(local.date() + timedelta(1), time(0), cal.tz)
        left_today = (next_midnight - local).total_seconds() / 86400
    assert span == pytest.approx(n - 1 / 86400 + left_today, abs=1e-6)


# --- naive datetimes ---

def test_naive_datetimes_are_refused():
    naive = datetime(2025, 3, 3, 9, 0)
    aware = naive.replace(tzinfo=MSK)
    calls = [
        lambda: msk.add_working_days(naive, 1),
        lambda: msk.add_calendar_days(naive, 1),
        lambda: msk.add(naive, 1, DeadlineKind.WORKING),
        lambda: msk.local_date(naive),
        lambda: msk.working_days_between(naive, aware),
        lambda: msk.working_days_between(aware, naive),
        lambda: deadlines.is_overdue(aware, naive),
        lambda: deadlines.is_at_risk(aware, naive),
        lambda: deadlines.stage_due(msk, naive),
        lambda: deadlines.execution_deadline(msk, naive, 30, DeadlineKind.WORKING),
        lambda: deadlines.extend(msk, naive, 5),
    ]
    for call in calls:
        with pytest.raises(ValueError, match="naive"):
            call()
