"""Everything /kpi shows for one filter, in one call: cards, tables (one page of organisations),
chart series with their figures, the selected filters' names and the change fingerprint."""

from datetime import datetime
from typing import TypedDict

from sqlmodel import Session

from ..domain.enums import ORG_TYPE_LABELS
from ..domain.models import Category, Organization, Territory
from ..services.actors import Actor
from . import kpi, snapshot
from .dashboard import (HIGHER_IS_BETTER, MAP_KPIS, TABLE_KPIS, cards, check_access, grouped, sort_page,
                        table_rows, territory_bubbles)
from .figures import plain_figure
from .dashboard_charts import COLORS, CountBar, bars_figure, bubble_figure, chart_series, monthly_figure, weekly_figure
from .dashboard_filter import DashboardFilter, period_bounds, period_label, to_query
from .queue import queue_reading

ORG_PAGE_SIZE = 25
TOP_CATEGORIES = 10


class Chip(TypedDict):
    kind: str  # territory | category | org_type | organization
    value: str
    label: str


def table_headers() -> list[dict]:
    return [{"name": name, "label": kpi.KPI_DEFINITIONS[name].label_ru,
             "definition": kpi.KPI_DEFINITIONS[name].definition_ru} for name in TABLE_KPIS]


def organisation_page(session: Session, flt: DashboardFilter, *, actor: Actor, now: datetime, sort: str,
                      descending: bool, page: int) -> dict:
    now = snapshot.clock(session, now)
    table = grouped(session, flt, "organisation", actor=actor, now=now)
    shown, pages = sort_page(table, sort, descending, page, ORG_PAGE_SIZE)
    return {"org_rows": table_rows(shown, flt, "organisation", now), "org_pages": pages,
            "org_page": min(max(0, page), pages - 1), "org_total": len(table)}


def _chips(session: Session, flt: DashboardFilter) -> list[Chip]:
    chips = []
    for kind, model, ids in (("territory", Territory, flt.territory_ids), ("category", Category, flt.category_ids),
                             ("organization", Organization, flt.organization_ids)):
        for node_id in ids:
            node = session.get(model, node_id)
            chips.append(Chip(kind=kind, value=str(node_id), label=node.name if node else f"№{node_id} (нет такой)"))
    if flt.organization_type:
        chips.append(Chip(kind="org_type", value=flt.organization_type,
                          label=ORG_TYPE_LABELS.get(flt.organization_type, flt.organization_type)))
    return chips


def map_view(session: Session, territory_table, map_kpi: str) -> dict:
    map_kpi = map_kpi if map_kpi in MAP_KPIS else MAP_KPIS[0]
    bubbles = territory_bubbles(session, territory_table, map_kpi)
    label = kpi.KPI_DEFINITIONS[map_kpi].label_ru
    return {"map_figure": plain_figure(bubble_figure(bubbles, label, map_kpi in HIGHER_IS_BETTER)), "map_kpi": map_kpi,
            "map_points": [{"label": b["territory"], "value": b["text"]} for b in bubbles]}


def load_view(session: Session, flt: DashboardFilter, *, actor: Actor, now: datetime, org_sort: str,
              org_desc: bool, org_page: int, map_kpi: str) -> dict:
    check_access(actor)
    version = queue_reading(session)  # before the view: a change while it is read makes it read again
    as_of = snapshot.as_of_label(session, now)
    now = snapshot.clock(session, now)  # a historical import: periods and «now» counts as of its own date
    since, until = period_bounds(flt, now)
    series = chart_series(session, flt, actor=actor, now=now)
    territory_table = grouped(session, flt, "territory", actor=actor, now=now)
    category_table = grouped(session, flt, "category", actor=actor, now=now)
    top = category_table.sort_values(["received", "group"], ascending=[False, True]).head(TOP_CATEGORIES)
    top_categories = [CountBar(label=r["group"], count=int(r["received"])) for r in top.to_dict("records")]
    return {
        "query": to_query(flt), "period_text": period_label(since, until) + (f" ({as_of})" if as_of else ""), "chips": _chips(session, flt),
        "cards": cards(session, flt, actor=actor, now=now),
        "territory_rows": table_rows(territory_table, flt, "territory", now),
        "category_rows": table_rows(category_table, flt, "category", now),
        **organisation_page(session, flt, actor=actor, now=now, sort=org_sort, descending=org_desc, page=org_page),
        **series, "top_categories": top_categories,
        "weekly_figure": plain_figure(weekly_figure(series["weekly"])),
        "monthly_figure": plain_figure(monthly_figure(series["monthly"])),
        "hours_figure": plain_figure(bars_figure(series["hours"], COLORS["received"])),
        "ratings_figure": plain_figure(bars_figure(series["ratings"], COLORS["answered"], "оценок")),
        "categories_figure": plain_figure(bars_figure(top_categories, COLORS["received"], horizontal=True)),
        **map_view(session, territory_table, map_kpi),
        "version": version,  # what the page's poll compares with GET /api/queue/version
    }
