"""The officials' KPI dashboard read model: cards, chart series and table pages, ready to show.

Every number comes from `kpi.compute_kpis(exact=False)`, the rollups (or, for the per-week and
per-month series, from the same registry applied to the rollups' sums per week and month): one
definition of each KPI. NaN becomes None here."""

import math
import time
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import TypedDict

import pandas as pd
from sqlalchemy import func, select
from sqlmodel import Session

from ..domain.enums import ORG_TYPE_LABELS, Role
from ..domain.models import Appeal, Category, Organization, Territory
from ..services.actors import Actor
from ..services.errors import PermissionDenied
from ..settings import region_tz
from . import kpi
from .dashboard_filter import DashboardFilter, period_bounds, previous_bounds, queue_link
from .queue import queue_version

DASHBOARD_ROLES = frozenset({Role.OFFICIAL, Role.COORDINATOR, Role.ADMIN})
CARD_KPIS = ("received", "answered", "on_time_share", "overdue_now", "at_risk_now", "median_hours_to_first_answer",
             "p90_hours_to_first_answer", "satisfaction_share", "average_rating", "returned_for_rework",
             "redirected", "disputed", "re_reviewed")
HIGHER_IS_BETTER = {"answered", "on_time_share", "satisfaction_share", "average_rating"}
NEUTRAL = {"received"}
SHARES = {name for name in kpi.KPI_DEFINITIONS if name.endswith("_share")}
HOURS = {"median_hours_to_first_answer", "p90_hours_to_first_answer"}
# The columns of the per-organisation, per-territory and per-category tables (and of their exports).
TABLE_KPIS = ("received", "answered", "on_time_share", "overdue_now", "at_risk_now", "median_hours_to_first_answer",
              "satisfaction_share", "average_rating", "returned_for_rework")
MAP_KPIS = ("on_time_share", "overdue_now", "median_hours_to_first_answer", "satisfaction_share", "received")


class KpiCard(TypedDict):
    name: str
    label: str
    definition: str
    value: str
    delta: str
    tone: str  # good | bad | neutral
    region: str
    href: str


def check_access(actor: Actor | None) -> Actor:
    if actor is None or actor.role not in DASHBOARD_ROLES:
        raise PermissionDenied("Панель показателей доступна сотрудникам министерства, координаторам и администраторам")
    return actor


def clean(value):
    """A KPI value as JSON can carry it: NaN → None, numpy scalars → Python numbers."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return int(value) if float(value).is_integer() and not isinstance(value, float) else float(value)


def display(name: str, value) -> str:
    """The value as the page shows it (and the exports store it, unrounded beyond this)."""
    value = clean(value)
    if value is None:
        return "—"
    if name in SHARES:
        return f"{value * 100:.1f} %".replace(".", ",")
    if name in HOURS or name == "average_rating":
        return f"{value:.1f}".replace(".", ",") + (" ч" if name in HOURS else "")
    return f"{int(value):,}".replace(",", "\u00a0")


def rounded(name: str, value):
    """The number the page shows, as a number (percent for shares): what the exports write."""
    value = clean(value)
    if value is None:
        return None
    if name in SHARES:
        return round(value * 100, 1)
    return round(value, 1) if name in HOURS or name == "average_rating" else int(value)


def _delta(name: str, current, previous) -> tuple[str, str]:
    current, previous = clean(current), clean(previous)
    if current is None or previous is None:
        return "нет данных за прошлый период", "neutral"
    change = current - previous
    if change == 0:
        return "без изменений к прошлому периоду", "neutral"
    if name in SHARES:
        text = f"{change * 100:+.1f}".replace(".", ",") + " п.п."
    elif name in HOURS or name == "average_rating":
        text = f"{change:+.1f}".replace(".", ",") + (" ч" if name in HOURS else "")
    else:
        text = f"{int(change):+d}"
    better = change > 0 if name in HIGHER_IS_BETTER else change < 0
    tone = "neutral" if name in NEUTRAL or change == 0 else "good" if better else "bad"
    return text + " к прошлому периоду", tone


def cards(session: Session, flt: DashboardFilter, *, actor: Actor, now: datetime) -> list[KpiCard]:
    check_access(actor)
    since, until = period_bounds(flt, now)
    selection = flt.selection()
    current = kpi.compute_kpis(session, since=since, until=until, now=now, selection=selection, exact=False).iloc[-1]
    previous = kpi.compute_kpis(session, since=previous_bounds(since, until)[0], until=since, now=now,
                                selection=selection, exact=False).iloc[-1]
    region = current if flt.is_whole_region() else \
        kpi.compute_kpis(session, since=since, until=until, now=now, exact=False).iloc[-1]
    result = []
    for name in CARD_KPIS:
        label, definition = kpi.KPI_DEFINITIONS[name]
        delta, tone = _delta(name, current[name], previous[name])
        result.append(KpiCard(name=name, label=label, definition=definition, value=display(name, current[name]),
                              delta=delta, tone=tone, region=display(name, region[name]),
                              href=queue_link(flt, since, until, name)))
    return result


class KpiTableRow(TypedDict):
    group_id: int
    group: str
    values: list[str]  # in TABLE_KPIS order
    received_href: str
    overdue_href: str


_GROUPED_CACHE: OrderedDict[tuple, pd.DataFrame] = OrderedDict()
CACHE_SIZE, CACHE_SECONDS = 32, 300


def grouped(session: Session, flt: DashboardFilter, group_by: str, *, actor: Actor, now: datetime) -> pd.DataFrame:
    """compute_kpis per group under the filter, without the total row. Sorting and paging the
    organisations reuse the last result while appeals did not change (and for a few minutes at most:
    overdue and at-risk counts move with the clock)."""
    check_access(actor)
    since, until = period_bounds(flt, now)
    key = (str(session.get_bind().url), flt, group_by, since, until, queue_version(session),
           int(now.timestamp()) // CACHE_SECONDS)
    if key not in _GROUPED_CACHE:
        table = kpi.compute_kpis(session, group_by=group_by, since=since, until=until, now=now,
                                 selection=flt.selection(), exact=False)
        _GROUPED_CACHE[key] = table.iloc[:-1]
        while len(_GROUPED_CACHE) > CACHE_SIZE:
            _GROUPED_CACHE.popitem(last=False)
    _GROUPED_CACHE.move_to_end(key)
    return _GROUPED_CACHE[key]


_NARROW = {"territory": "territory_ids", "category": "category_ids", "organisation": "organization_ids"}


def table_rows(table: pd.DataFrame, flt: DashboardFilter, group_by: str, now: datetime) -> list[KpiTableRow]:
    since, until = period_bounds(flt, now)
    rows = []
    for record in table.to_dict("records"):
        group_id = clean(record["group_id"])
        narrow = {_NARROW[group_by]: (group_id,)} if group_id is not None else {}
        rows.append(KpiTableRow(
            group_id=group_id if group_id is not None else -1, group=record["group"],
            values=[display(name, record[name]) for name in TABLE_KPIS],
            received_href=queue_link(flt, since, until, "received", **narrow) if narrow else "",
            overdue_href=queue_link(flt, since, until, "overdue_now", **narrow) if narrow else ""))
    return rows


def sort_page(table: pd.DataFrame, sort: str, descending: bool, page: int, page_size: int) -> tuple[pd.DataFrame, int]:
    """One page of a grouped table sorted by a KPI (missing values last; ties keep compute_kpis'
    order: by name, the unassigned group last) or by name; the page clamped."""
    if sort in TABLE_KPIS:
        ordered = table.sort_values(sort, ascending=not descending, na_position="last", kind="stable")
    else:
        ordered = table.iloc[::-1] if descending else table
    pages = max(1, math.ceil(len(ordered) / page_size))
    page = max(0, min(page, pages - 1))
    return ordered.iloc[page * page_size:(page + 1) * page_size], pages


class Bubble(TypedDict):
    territory: str
    lat: float
    lon: float
    received: int
    value: float | None
    text: str


# Where each territory's bubble stands: the mean point of its appeals, a scan of the appeal table.
# It is kept per database and recomputed when appeals changed and the last one is older than
# POINTS_SECONDS (a few new appeals barely move a territory's centre).
_POINTS_CACHE: dict[str, tuple[tuple, float, dict]] = {}
POINTS_SECONDS = 600


def territory_points(session: Session) -> dict[int, list[float]]:
    """Top-level territory id → [sum of latitudes, sum of longitudes, appeals with a point]."""
    url, version, clock = str(session.get_bind().url), queue_version(session), time.monotonic()
    kept = _POINTS_CACHE.get(url)
    if kept is not None and (kept[0] == version or clock - kept[1] < POINTS_SECONDS):
        return kept[2]
    parents = dict(session.execute(select(Territory.id, Territory.parent_id)).all())
    points: dict[int, list[float]] = {}
    for territory_id, lat, lon, count in session.execute(
            select(Appeal.territory_id, func.avg(Appeal.latitude), func.avg(Appeal.longitude), func.count(Appeal.latitude))
            .where(Appeal.latitude.is_not(None)).group_by(Appeal.territory_id)).all():
        root = kpi._root(parents, territory_id)
        if root is not None and count:
            acc = points.setdefault(root, [0.0, 0.0, 0])
            acc[0], acc[1], acc[2] = acc[0] + lat * count, acc[1] + lon * count, acc[2] + count
    _POINTS_CACHE[url] = (version, clock, points)
    return points


def territory_bubbles(session: Session, table: pd.DataFrame, kpi_name: str) -> list[Bubble]:
    """One bubble per top-level territory at the mean point of its appeals (no tile server needed)."""
    points = territory_points(session)
    bubbles = []
    for record in table.to_dict("records"):
        group_id = clean(record["group_id"])
        if group_id in points:
            lat_sum, lon_sum, count = points[group_id]
            bubbles.append(Bubble(territory=record["group"], lat=lat_sum / count, lon=lon_sum / count,
                                  received=int(record["received"]), value=clean(record[kpi_name]),
                                  text=display(kpi_name, record[kpi_name])))
    return bubbles


class Option(TypedDict):
    value: str
    label: str


def filter_options(session: Session, *, actor: Actor, organization_type: str = "", limit: int = 300) -> dict:
    """Territories and categories as indented trees, organisation types, and organisations (of the
    chosen type, at most `limit`, by name)."""
    check_access(actor)

    def tree(model) -> list[Option]:
        nodes = session.execute(select(model.id, model.name, model.parent_id).order_by(model.name)).all()
        children: dict = {}
        for node in nodes:
            children.setdefault(node.parent_id, []).append(node)
        result, stack = [], [(node, 0) for node in reversed(children.get(None, []))]
        while stack:
            node, depth = stack.pop()
            result.append(Option(value=str(node.id), label="\u2003" * depth + node.name))
            stack.extend((child, depth + 1) for child in reversed(children.get(node.id, [])))
        return result

    orgs = select(Organization.id, Organization.name).order_by(Organization.name).limit(limit)
    if organization_type:
        orgs = orgs.where(Organization.org_type == organization_type)
    return {
        "territories": tree(Territory), "categories": tree(Category),
        "org_types": [Option(value=t.value, label=label) for t, label in ORG_TYPE_LABELS.items()],
        "organizations": [Option(value=str(i), label=name) for i, name in session.execute(orgs).all()],
    }


def week_start(moment: datetime) -> datetime:
    local = moment.astimezone(region_tz())
    return (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
