"""The coordinator's appeal queue: filters in, one page of rows and the counts out."""

import asyncio

import reflex as rx

from .. import routes
from ..analytics import queue
from ..analytics.dashboard_filter import queue_drill
from ..analytics.formatting import page_count
from ..analytics.queue_export import FIELDS as FILTER_FIELDS
from ..domain import limits
from ..domain.enums import OPEN_STATUSES, STATUS_LABELS, Status
from ..domain.types import utcnow
from ..outage import DATABASE, failures
from ..services.errors import ServiceError
from ..settings import region_tz
from . import queue_reads
from .base import STAFF_ROLES, AppState
from .queue_reads import ALL, PAGE_SIZE

DATABASE_DOWN = "Нет связи с базой данных, повторяем… Показаны данные на момент последнего обновления."
LOAD_FAILED = "Не удалось загрузить очередь, повторяем…"


class QueueState(AppState):
    status: str = queue.OPEN
    category: str = ALL
    territory: str = ALL
    organization_query: str = ""
    deadline: str = "any"
    search: str = ""
    sort: str = "deadline"
    page: int = 0
    drill: str = ""  # the dashboard's part of the URL (selection, period, KPI) when opened from /kpi
    drill_text: str = ""

    rows: list[dict] = []
    total: int = 0
    status_counts: dict[str, int] = {}
    overdue: int = 0
    at_risk: int = 0
    counts_complete: bool = True  # False: a common word, counted up to queue.COUNT_CAP (analytics/queue_counts)
    counts_capped: bool = False  # a common word: total, overdue and at-risk stop at queue.COUNT_CAP + 1
    totals_exact: bool = False  # … except the total and the chips, read from one top node's word counts
    category_options: list[dict] = []
    territory_options: list[dict] = []
    own_organization: str = ""  # organisation staff see only their organisation's queue
    loading: bool = False
    error: str = ""
    updated_at: str = ""
    as_of: str = ""  # «данные на 26.04.2021»: a historical import read as of its own date
    version_mark: str = ""  # what the page compares with GET /api/queue/version (queue_reads.version_mark)

    _version: tuple = ()
    _stale: bool = False  # the last load failed: the poll retries it until it works
    _options_loaded: bool = False
    _load_number: int = 0  # the latest load asked for; an older one's result is dropped

    @rx.var
    def page_count(self) -> int:
        return page_count(self.total, PAGE_SIZE)

    @rx.var
    def more_pages(self) -> bool:
        """Whether «Вперёд» leads somewhere: a page beyond this one, or a full page of a capped total."""
        return self.page + 1 < self.page_count or (self.counts_capped and not self.totals_exact
                                                      and self.total > queue.COUNT_CAP and len(self.rows) == PAGE_SIZE)

    @rx.var
    def page_label(self) -> str:
        capped = self.counts_capped and not self.totals_exact and self.total > queue.COUNT_CAP
        pages = "" if capped else f" из {self.page_count}"
        return f"Страница {self.page + 1}{pages}"

    @rx.var
    def total_label(self) -> str:
        return queue_reads.count_label(self.total, self.counts_capped and not self.totals_exact)

    @rx.var
    def overdue_label(self) -> str:
        return queue_reads.count_label(self.overdue, self.counts_capped)

    @rx.var
    def at_risk_label(self) -> str:
        return queue_reads.count_label(self.at_risk, self.counts_capped)

    @rx.var
    def status_chips(self) -> list[dict]:
        """Each chip with its count as shown: exact, «более 1 000», or none (not counted: a common
        word matching more than the cap, where only «Все» and the selected status are counted)."""
        counts = self.status_counts
        values = {queue.OPEN: sum(counts.get(s.value, 0) for s in OPEN_STATUSES), queue.ANY: sum(counts.values()),
                  **{s.value: counts.get(s.value, 0) for s in Status}}
        if not self.counts_complete:
            values = {queue.ANY: queue.COUNT_CAP + 1, self.status: self.total}
        labels = [(queue.OPEN, "Открытые"), (queue.ANY, "Все"), *((s.value, STATUS_LABELS[s]) for s in Status)]
        return [{"value": value, "label": label,
                 "count": queue_reads.count_label(values[value], self.counts_capped and not self.totals_exact)
                 if value in values else ""}
                for value, label in labels]

    @rx.event
    async def on_load(self):
        self._options_loaded = False
        try:
            actor = await self._actor()
        except Exception as exc:  # an outage must not send the user to the log-in page
            self._failed(exc)
            return
        if actor is None:
            return rx.redirect(routes.LOGIN)
        if actor.role not in STAFF_ROLES:  # a citizen goes to their own appeals, not back to log-in
            return rx.redirect(routes.home_for(actor.role))
        # A link with filters sets them; a plain reload keeps the filters chosen in this tab.
        if params := self.router.url.query_parameters:
            self._read_url(params)
        self.loading = True
        return QueueState.refresh

    def _read_url(self, params) -> None:
        """Filters from the query string (links from the dashboard, bookmarks); unknown values are ignored."""
        self.status = params.get("status", queue.OPEN) if params.get("status") in (
            queue.OPEN, queue.ANY, *(s.value for s in Status)) else queue.OPEN
        self.deadline = params.get("deadline") if params.get("deadline") in queue.DEADLINE_FILTERS else "any"
        self.search, self.page = params.get("search", "")[:limits.SEARCH_MAX], 0
        self.category = params["category"] if params.get("category", "").isdigit() else ALL
        self.territory = params["territory"] if params.get("territory", "").isdigit() else ALL
        drill_params = {k: v for k, v in params.items() if k not in ("category", "territory") or not v.isdigit()}
        self.drill, _, self.drill_text = queue_drill(drill_params)

    # A change of filter or page loads in its own handler, under the tab's lock: one state round
    # trip (with Redis: one lock, one read and one write of the states) instead of four for a
    # background load, now that every queue query is bounded (a common word's counts stop at the
    # cap). The page load and the poll's reload stay in the background `refresh`.
    @rx.event
    async def set_filter(self, name: str, value: str):
        if queue_reads.acceptable(name, value):
            # Text filters are cut as the browser's maxLength cuts them, whatever the client sends.
            setattr(self, name, value[:queue_reads.TEXT_FILTERS.get(name, len(value))])
            self.page, self.loading = 0, True
            yield  # the spinner, while the page loads
            await self._load_here()

    @rx.event
    async def set_page(self, page: int):
        last = self.page + 1 if self.more_pages else self.page_count - 1  # a capped total: one page on
        self.page, self.loading = max(0, min(page, last)), True
        yield
        await self._load_here()

    @rx.event
    async def clear_drill(self):
        self.drill, self.drill_text, self.page, self.loading = "", "", 0, True
        yield
        await self._load_here()

    @rx.event
    async def reset_filters(self):
        self.status, self.category, self.territory, self.organization_query = queue.OPEN, ALL, ALL, ""
        self.deadline, self.search, self.sort, self.page = "any", "", "deadline", 0
        self.drill, self.drill_text, self.loading = "", "", True
        yield
        await self._load_here()

    async def _load_here(self) -> None:
        self._load_number += 1  # a background load still running for older filters is dropped
        try:
            loaded = await asyncio.to_thread(queue_reads.load_page, self.auth_token, self._filters(), self.page,
                                             not self._options_loaded) if self.auth_token else None
        except ServiceError as exc:
            self.loading, self.error = False, exc.message
            return
        except Exception as exc:  # the page says what went wrong and the poll retries
            self._failed(exc)
            return
        self._loaded(loaded)

    def _filters(self) -> dict:
        return {name: getattr(self, name) for name in FILTER_FIELDS}

    def _loaded(self, loaded) -> None:
        if loaded is None:  # no staff session (any more): stop the spinner, show nothing new
            self.loading, self._stale = False, False
        else:
            actor, name, options, result, version = loaded
            self._remember(actor, name)
            self._show(result, version, options)

    @rx.event(background=True)
    async def refresh(self):
        """Load the page for the tab's filters. The session check and the queries run in one
        worker thread and one database session, without holding the tab's state lock, so a slow
        query under load neither blocks the tab's other events nor outlives the lock (Redis
        expires it); a load started for older filters is dropped when it ends."""
        async with self:
            self._load_number += 1
            number, token, page, filters = self._load_number, self.auth_token, self.page, self._filters()
            need_options = not self._options_loaded
        try:
            loaded = await asyncio.to_thread(queue_reads.load_page, token, filters, page, need_options) \
                if token else None
        except ServiceError as exc:
            async with self:
                if number == self._load_number:
                    self.loading, self.error = False, exc.message
            return
        except Exception as exc:  # the page says what went wrong and the poll retries
            async with self:
                if number == self._load_number:
                    self._failed(exc)
            return
        async with self:
            if number == self._load_number:
                self._loaded(loaded)

    def _show(self, result: queue.QueuePage, version: tuple, options: dict | None) -> None:
        if options is not None:
            self.category_options, self.territory_options = options["categories"], options["territories"]
            self.own_organization, self._options_loaded = options["own_organization"], True
        failures.recovered()
        self.rows, self.total = result.rows, result.total
        self.status_counts, self.overdue, self.at_risk = result.status_counts, result.overdue, result.at_risk
        self.counts_complete, self.counts_capped = result.counts_complete, result.counts_capped
        self.totals_exact = result.totals_exact
        self.as_of = result.as_of
        self._version, self.loading, self.error, self._stale = version, False, "", False
        self.version_mark = queue_reads.version_mark(version)
        self.updated_at = utcnow().astimezone(region_tz()).strftime("%H:%M:%S")

    def _failed(self, exc: Exception) -> None:
        kind = failures.failed(exc, "queue")
        self.loading, self._stale, self.version_mark = False, True, queue_reads.STALE_MARK
        self.error = DATABASE_DOWN if kind == DATABASE else LOAD_FAILED

    @rx.event
    async def poll(self):
        """Sent by the page when GET /api/queue/version differs from `version_mark`, or could not
        answer, or the last load failed (assets/queue_poll.js): reload when appeals changed or the
        last load failed (so the page recovers by itself when the database is back). Usually
        answered from the worker's shared reading of the change counter, with no database round
        trip and no background task; a due reading is taken by `check_version`, off the state lock."""
        if self._stale:
            return QueueState.refresh
        if not self._version:
            return None
        current = queue_reads.VERSION.fresh()
        if current is None:
            return QueueState.check_version
        return QueueState.refresh if current != self._version else None

    @rx.event(background=True)
    async def check_version(self):
        known = self._version  # the tab's value when the event started (read-only here)
        try:
            current = await queue_reads.VERSION.get()
        except Exception as exc:
            async with self:
                self._failed(exc)
            return
        if current != known:
            yield QueueState.refresh
