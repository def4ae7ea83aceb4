"""A historical import's «data as of» moment (issue 10, item 4): the newest event time of its source,
kept by the importer in `sourcesnapshot`. Overdue and at-risk of history appeals are judged at that
moment, so an imported snapshot reads as of its own date instead of «просрочено на 2225 дн.».

The card judges each history appeal at the moment; the queue and the KPIs take one moment for the
whole region (`clock`): the data-as-of moment while every appeal is still the source's history,
otherwise now (a region where the platform works, or appeals adopted with `--adopt`)."""

from datetime import datetime

from sqlalchemy import exists, func, select

from ..domain.models import Appeal, SourceSnapshot
from ..settings import region_tz


def data_as_of(bind) -> datetime | None:
    """The newest data-as-of moment of the imports (a Session or a Connection), or None."""
    return bind.execute(select(func.max(SourceSnapshot.data_as_of))).scalar()


UNREAD = object()  # a data-as-of moment not read yet


def clock(bind, now: datetime, as_of: datetime | None | object = UNREAD) -> datetime:
    """The moment at which overdue and at-risk are judged for the region's appeals; `as_of`: the
    data-as-of moment when the caller has read it already (the queue reads it with its version)."""
    as_of = data_as_of(bind) if as_of is UNREAD else as_of
    if as_of is None or as_of >= now:
        return now
    platform_owned = bind.execute(select(exists().where(Appeal.source_history.is_(False)))).scalar()
    return now if platform_owned else as_of


def as_of_label(bind, now: datetime) -> str:
    """«данные на 26.04.2021» when the region reads as of its import's moment, "" otherwise."""
    return clock_label(clock(bind, now), now)


def clock_label(moment: datetime, now: datetime) -> str:
    """as_of_label for a clock already read (`moment`, what `clock` gave for `now`)."""
    return f"данные на {moment.astimezone(region_tz()).strftime('%d.%m.%Y')}" if moment != now else ""
