"""Display formatting shared by the read models: times in the region's zone, Russian style."""

from datetime import datetime, timedelta, tzinfo
from functools import lru_cache

from ..settings import region_tz


def local_time(moment: datetime, zone: tzinfo | None = None) -> str:
    """`zone`: the region's zone when the caller formats many times (a queue page: 100 times)."""
    return moment.astimezone(zone or region_tz()).strftime("%d.%m.%Y %H:%M")


def duration(delta: timedelta) -> str:
    """A positive span as «3 дн. 4 ч» or, under a day, «5 ч 12 мин»."""
    days, hours, minutes = delta.days, delta.seconds // 3600, delta.seconds % 3600 // 60
    return f"{days} дн. {hours} ч" if days else f"{hours} ч {minutes} мин"


def time_left(deadline: datetime, now: datetime) -> str:
    """«3 дн. 4 ч» before the deadline, «просрочено на 2 ч 5 мин» after it."""
    delta = deadline - now
    return duration(delta) if delta >= timedelta(0) else "просрочено на " + duration(-delta)


# Generic words that open most place names («муниципальный округ Ивановский»): shortened, so that a
# narrow cell shows the part that tells places apart. The full name stays in the cell's hover text.
_PLACE_ABBREVIATIONS = (("муниципальный округ", "МО"), ("муниципальное образование", "МО"),
                        ("внутригородское муниципальное образование", "МО"), ("городской округ", "г. о."),
                        ("муниципальный район", "м. р."), ("городское поселение", "г. п."),
                        ("сельское поселение", "с. п."))


@lru_cache(maxsize=4096)  # a region has a few thousand places; a queue page names each twice per row
def short_place(name: str) -> str:
    lowered = name.lower()
    for long, short in sorted(_PLACE_ABBREVIATIONS, key=lambda pair: -len(pair[0])):
        at = lowered.find(long)
        if at != -1:
            return (name[:at] + short + name[at + len(long):]).strip()
    return name


def place_path(name: str | None, parent: str | None) -> str:
    """«Невский › МО Ивановский»: the district people name first, then the okrug."""
    if not name:
        return "—"
    return f"{short_place(parent)} › {short_place(name)}" if parent else short_place(name)


def category_path(name: str, parent: str | None) -> str:
    """«Благоустройство / Освещение»: the top category, then the category."""
    return f"{parent} / {name}" if parent else name


def full_place(name: str | None, parent: str | None) -> str:
    return " › ".join(part for part in (parent, name) if part) or "—"


def page_count(total: int, page_size: int) -> int:
    """Pages of a paged table: at least one, so an empty table still shows «1 из 1»."""
    return max(1, -(-total // page_size))
