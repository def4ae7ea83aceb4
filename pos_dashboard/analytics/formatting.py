"""Display formatting shared by the read models: times in the region's zone, Russian style."""

from datetime import datetime

from ..settings import region_tz


def local_time(moment: datetime) -> str:
    return moment.astimezone(region_tz()).strftime("%d.%m.%Y %H:%M")
