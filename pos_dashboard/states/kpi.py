"""/kpi — the officials' dashboard: the filter lives in the URL; the read models do the rest."""

import asyncio
import logging
from urllib.parse import parse_qsl

import reflex as rx

from ..analytics import dashboard_filter as flt_url
from ..analytics.dashboard import KpiCard, KpiTableRow, Option, check_access, filter_options
from ..analytics.dashboard_charts import CountBar, MonthPoint, WeekPoint
from ..analytics.dashboard_view import Chip, load_view
from ..db import session_scope
from ..domain.types import utcnow
from ..services.actors import Actor
from ..services.errors import ServiceError
from ..settings import region_tz
from . import queue_reads
from .base import AppState

log = logging.getLogger(__name__)


def _load(actor: Actor, flt, table: dict) -> dict:
    with session_scope() as session:
        return load_view(session, flt, actor=actor, now=utcnow(), **table) | {
            "options": filter_options(session, actor=actor, organization_type=flt.organization_type)}


class KpiState(AppState):
    query: str = ""  # the filter as a query string: the URL of the view
    period: str = flt_url.DEFAULT_PERIOD
    date_from: str = ""
    date_to: str = ""
    period_text: str = ""
    chips: list[Chip] = []
    cards: list[KpiCard] = []
    territory_rows: list[KpiTableRow] = []
    category_rows: list[KpiTableRow] = []
    org_rows: list[KpiTableRow] = []
    org_sort: str = "received"
    org_desc: bool = True
    org_page: int = 0
    org_pages: int = 1
    org_total: int = 0
    map_kpi: str = "on_time_share"
    weekly: list[WeekPoint] = []
    monthly: list[MonthPoint] = []
    hours: list[CountBar] = []
    ratings: list[CountBar] = []
    top_categories: list[CountBar] = []
    map_points: list[dict[str, str]] = []
    weekly_figure: dict = {}
    monthly_figure: dict = {}
    hours_figure: dict = {}
    ratings_figure: dict = {}
    categories_figure: dict = {}
    map_figure: dict = {}
    options: dict[str, list[Option]] = {}
    loading: bool = False
    error: str = ""
    updated_at: str = ""
    version_mark: str = ""  # what the page compares with GET /api/queue/version (queue_reads.version_mark)
    _version: tuple = ()

    async def _dashboard_actor(self) -> Actor | None:
        try:
            return check_access(await self._actor())
        except ServiceError as exc:
            self.error, self.cards, self.org_rows, self.territory_rows, self.category_rows = exc.message, [], [], [], []
            return None

    def _filter(self) -> flt_url.DashboardFilter:
        return flt_url.from_query(_parse(self.query))

    @rx.event
    async def on_load(self):
        if not self.auth_token:
            return rx.redirect("/login")
        self.query = flt_url.to_query(flt_url.from_query(self.router.url.query_parameters))
        self.org_page, self.loading = 0, True
        return KpiState.load  # in the background: the page hydrates at once and shows the spinner

    @rx.event(supersedes=True)
    async def set_filter(self, name: str, value: str):
        """Change one filter (period, from, to, org_type) or add/remove an id (territory, category,
        organization, given as "+5" / "-5"); the URL follows."""
        params = _parse(self.query)
        if name in ("territory", "category", "organization") and value[:1] in "+-" and value[1:].isdigit():
            ids = set(filter(None, params.get(name, "").split(",")))
            ids = ids | {value[1:]} if value[0] == "+" else ids - {value[1:]}
            params[name] = ",".join(sorted(ids, key=int))
        elif name in ("from", "to"):  # the view changes once both dates are there
            setattr(self, "date_" + name, value)
            if not (self.date_from and self.date_to):
                return
            params |= {"period": "custom", "from": self.date_from, "to": self.date_to}
        elif name in ("period", "org_type"):
            params[name] = value
        self.query, self.org_page, self.loading = flt_url.to_query(flt_url.from_query(params)), 0, True
        return [rx.call_script(f"window.history.replaceState(null, '', '/kpi?{self.query}')"), KpiState.load]

    @rx.event
    async def set_map_kpi(self, value: str):
        self.map_kpi, self.loading = value, True
        return KpiState.load

    @rx.event(background=True)
    async def load(self):
        """Recompute the whole view for the current filter (a newer load supersedes an older one)."""
        async with self:
            actor = await self._dashboard_actor()
            if actor is None:
                self.loading = False
                return
            query = self.query
            table = {"org_sort": self.org_sort, "org_desc": self.org_desc, "org_page": self.org_page,
                     "map_kpi": self.map_kpi}
        try:
            view = await asyncio.to_thread(_load, actor, flt_url.from_query(_parse(query)), table)
        except ServiceError as exc:
            view = {"error": exc.message}
        except Exception:
            log.exception("dashboard load failed")
            view = {"error": "Не удалось загрузить показатели. Попробуйте обновить страницу."}
        async with self:
            if query != self.query:
                return  # the filter changed meanwhile: its own load will show it
            self._version = view.pop("version", self._version)
            # a failed load makes the page send its poll at every tick until a load succeeds
            self.version_mark = queue_reads.STALE_MARK if "error" in view else queue_reads.version_mark(self._version)
            for key, value in ({"error": ""} | view).items():
                setattr(self, key, value)
            flt = self._filter()
            self.period, self.date_from, self.date_to, self.loading = flt.period, flt.date_from, flt.date_to, False
            self.updated_at = utcnow().astimezone(region_tz()).strftime("%H:%M:%S")

    @rx.event(background=True)
    async def poll(self):
        """Sent by the page when GET /api/queue/version differs from `version_mark` or cannot answer,
        or the last load failed (assets/queue_poll.js): recompute when appeals changed. The change
        reading is the worker's shared one; a database outage raises here, and the app's handler
        shows it (toast, banner, reconnection once the database answers)."""
        async with self:
            known, stale = self._version, self.version_mark == queue_reads.STALE_MARK
        if stale or (known and await queue_reads.VERSION.get() != known):
            yield KpiState.load


def _parse(query: str) -> dict[str, str]:
    return dict(parse_qsl(query))
