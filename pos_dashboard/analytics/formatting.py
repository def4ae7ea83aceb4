"""Display formatting shared by the read models: times in the region's zone, Russian style."""

from datetime import datetime, timedelta

from ..settings import region_tz


def local_time(moment: datetime) -> str:
    return moment.astimezone(region_tz()).strftime("%d.%m.%Y %H:%M")


def duration(delta: timedelta) -> str:
    """A positive span as «3 дн. 4 ч» or, under a day, «5 ч 12 мин»."""
    days, hours, minutes = delta.days, delta.seconds // 3600, delta.seconds % 3600 // 60
    return f"{days} дн. {hours} ч" if days else f"{hours} ч {minutes} мин"


def time_left(deadline: datetime, now: datetime) -> str:
    """«3 дн. 4 ч» before the deadline, «просрочено на 2 ч 5 мин» after it."""
    delta = deadline - now
    return duration(delta) if delta >= timedelta(0) else "просрочено на " + duration(-delta)
