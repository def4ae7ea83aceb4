"""The dashboard's filters as they live in the URL, the period they mean, and the queue links that
show the appeals behind a number (the queue reads the same query parameters)."""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from ..domain.enums import OrgType
from ..settings import region_tz
from .kpi import KpiSelection

PERIOD_DAYS = {"7": 7, "30": 30, "90": 90, "365": 365}
PERIOD_LABELS = {"7": "7 дней", "30": "30 дней", "90": "90 дней", "365": "Год", "custom": "Свои даты"}
DEFAULT_PERIOD = "30"
MAX_IDS = 50  # a forged URL cannot make the query arbitrarily long


@dataclass(frozen=True)
class DashboardFilter:
    period: str = DEFAULT_PERIOD  # a key of PERIOD_DAYS, or "custom" with the dates below
    date_from: str = ""  # ISO dates in the region's calendar, both included
    date_to: str = ""
    territory_ids: tuple[int, ...] = ()
    category_ids: tuple[int, ...] = ()
    organization_type: str = ""
    organization_ids: tuple[int, ...] = ()

    def selection(self) -> KpiSelection:
        return KpiSelection(territory_ids=self.territory_ids, category_ids=self.category_ids,
                            organization_type=self.organization_type or None,
                            organization_ids=self.organization_ids)

    def is_whole_region(self) -> bool:
        return not (self.territory_ids or self.category_ids or self.organization_type or self.organization_ids)


def _ids(text: str) -> tuple[int, ...]:
    ids = [int(part) for part in (text or "").split(",") if part.strip().isdigit()]
    return tuple(sorted(set(ids)))[:MAX_IDS]


def _iso_date(text: str) -> str:
    try:
        return date.fromisoformat(text or "").isoformat()
    except ValueError:
        return ""


def from_query(params: Mapping[str, str]) -> DashboardFilter:
    """The filter a URL asks for; anything malformed falls back to its default."""
    period = params.get("period", DEFAULT_PERIOD)
    date_from, date_to = _iso_date(params.get("from", "")), _iso_date(params.get("to", ""))
    if period not in PERIOD_DAYS and not (period == "custom" and date_from and date_to and date_from <= date_to):
        period, date_from, date_to = DEFAULT_PERIOD, "", ""
    org_type = params.get("org_type", "")
    return DashboardFilter(
        period=period, date_from=date_from if period == "custom" else "", date_to=date_to if period == "custom" else "",
        territory_ids=_ids(params.get("territory", "")), category_ids=_ids(params.get("category", "")),
        organization_type=org_type if org_type in {t.value for t in OrgType} else "",
        organization_ids=_ids(params.get("organization", "")))


def selection_params(flt: DashboardFilter) -> dict[str, str]:
    params = {"territory": ",".join(map(str, flt.territory_ids)), "category": ",".join(map(str, flt.category_ids)),
              "org_type": flt.organization_type, "organization": ",".join(map(str, flt.organization_ids))}
    return {key: value for key, value in params.items() if value}


def to_query(flt: DashboardFilter) -> str:
    params = {"period": flt.period}
    if flt.period == "custom":
        params |= {"from": flt.date_from, "to": flt.date_to}
    return urlencode(params | selection_params(flt))


def day_start(day: date) -> datetime:
    """Midnight of a day in the region's calendar, as an aware datetime."""
    return datetime.combine(day, time(0), tzinfo=region_tz())


def period_bounds(flt: DashboardFilter, now: datetime) -> tuple[datetime, datetime]:
    """[since, until): whole days of the region's calendar; a preset of N days ends with today."""
    if flt.period == "custom":
        return day_start(date.fromisoformat(flt.date_from)), day_start(date.fromisoformat(flt.date_to) + timedelta(days=1))
    today = now.astimezone(region_tz()).date()
    until = day_start(today + timedelta(days=1))
    return day_start(today - timedelta(days=PERIOD_DAYS[flt.period] - 1)), until


def previous_bounds(since: datetime, until: datetime) -> tuple[datetime, datetime]:
    return since - (until - since), since


def period_label(since: datetime, until: datetime) -> str:
    last = (until - timedelta(days=1)).astimezone(region_tz())
    return f"{since.astimezone(region_tz()):%d.%m.%Y} — {last:%d.%m.%Y}"


# What the queue must show for the appeals behind a KPI: its status and deadline filters, and the
# KPI flag the queue narrows to (see `kpi.DRILL_FLAGS`). A KPI missing here opens all its appeals.
_DRILL = {
    "overdue_now": {"deadline": "overdue"},
    "at_risk_now": {"deadline": "at_risk"},
}


def queue_link(flt: DashboardFilter, since: datetime, until: datetime, kpi_name: str = "received",
               **narrow) -> str:
    """The queue's URL listing the appeals counted by `kpi_name` under the filter (narrowed to one
    group by `narrow`, e.g. territory_ids=(5,))."""
    flt = replace(flt, **narrow)
    last = (until - timedelta(days=1)).astimezone(region_tz()).date()
    params = {"status": "all", "since": since.astimezone(region_tz()).date().isoformat(),
              "until": last.isoformat()} | selection_params(flt)
    params |= _DRILL.get(kpi_name, {"kpi": kpi_name} if kpi_name != "received" else {})
    return "/?" + urlencode(params)


DRILL_KEYS = ("territory", "category", "org_type", "organization", "since", "until", "kpi")


def queue_drill(params: Mapping[str, str]) -> tuple[str, dict, str]:
    """The dashboard part of a queue URL: its canonical query string, the `QueueFilter` fields it
    sets (selection, creation period, KPI) and a Russian description for the page."""
    from .kpi import KPI_DEFINITIONS, drill_condition

    flt = from_query(params)
    since, until = _iso_date(params.get("since", "")), _iso_date(params.get("until", ""))
    kpi_name = params.get("kpi", "")
    kpi_name = kpi_name if kpi_name in KPI_DEFINITIONS and drill_condition(kpi_name) is not None else ""
    canonical = selection_params(flt) | {key: value for key, value in
                                         (("since", since), ("until", until), ("kpi", kpi_name)) if value}
    fields = {"selection": None if flt.is_whole_region() else flt.selection(),
              "created_since": day_start(date.fromisoformat(since)) if since else None,
              "created_until": day_start(date.fromisoformat(until) + timedelta(days=1)) if until else None,
              "kpi": kpi_name}
    parts = []
    if since or until:
        parts.append("поступившие " + (f"с {date.fromisoformat(since):%d.%m.%Y} " if since else "")
                     + (f"по {date.fromisoformat(until):%d.%m.%Y}" if until else ""))
    if kpi_name:
        parts.append(f"показатель «{KPI_DEFINITIONS[kpi_name].label_ru}»")
    for key, title in (("territory", "территорий"), ("category", "категорий"), ("organization", "организаций")):
        if canonical.get(key):
            parts.append(f"{title}: {len(canonical[key].split(','))}")
    if flt.organization_type:
        parts.append("тип организации задан")
    return urlencode(canonical), fields, "; ".join(parts)
