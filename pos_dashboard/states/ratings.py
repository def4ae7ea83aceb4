"""/ratings: the ranking of organisations — filters in, one page of rows out, exports on demand."""

import asyncio

import reflex as rx

from .. import routes
from ..analytics import rating_views
from ..analytics.rating_views import RankingQuery
from ..analytics.ratings import (ALL_TYPES, DEFAULT_PERIOD, PAGE_SIZE_MAX, PERIODS, SORTS, RatingRow,
                                 rating_moment, type_label)
from ..analytics.table_export import FORMATS
from ..api.exports import RANKING, signed_link
from ..db import session_scope
from ..domain.enums import OrgType
from ..domain.types import utcnow
from ..services.actors import Actor
from ..services.errors import PermissionDenied, ServiceError
from ..analytics.formatting import page_count
from .base import AppState


def _now():
    return rating_moment(utcnow())


def _load(query: RankingQuery, actor: Actor) -> rating_views.RankingPage:
    with session_scope() as session:
        return rating_views.ranking_page(session, query, actor=actor, now=_now())


class RatingsState(AppState):
    period: str = DEFAULT_PERIOD
    org_type: str = ALL_TYPES
    sort: str = "rank"
    page: int = 0

    rows: list[RatingRow] = []
    total: int = 0
    ranked: int = 0
    narrowed: bool = False  # organisation staff: their peers, reduced to name, index and rank
    shown_type: str = ""
    loading: bool = False
    error: str = ""

    @rx.var
    def page_count(self) -> int:
        return page_count(self.total, PAGE_SIZE_MAX)

    @rx.event
    async def on_load(self):
        if await self._actor() is None:
            return rx.redirect(routes.LOGIN)
        self.period, self.org_type, self.sort, self.page, self.rows = DEFAULT_PERIOD, ALL_TYPES, "rank", 0, []
        await self._reload()

    @rx.event
    async def set_filter(self, name: str, value: str):
        allowed = {"period": PERIODS, "org_type": [ALL_TYPES, *OrgType], "sort": SORTS}
        if name in allowed and value in allowed[name]:
            setattr(self, name, value)
            self.page, self.loading = 0, True
            yield
            await self._reload()

    @rx.event
    async def set_page(self, page: int):
        self.page, self.loading = max(0, min(int(page), self.page_count - 1)), True
        yield
        await self._reload()

    @rx.event
    async def export(self, fmt: str):
        actor = await self._actor()
        if actor is None or fmt not in FORMATS:
            return
        try:  # streamed from a signed link; the route's read model checks the actor again
            link = await asyncio.to_thread(signed_link, self.auth_token, RANKING, {
                "period": self.period, "org_type": self.org_type, "sort": self.sort, "fmt": fmt})
        except ServiceError as exc:
            self.error = exc.message
            return
        return rx.download(url=link, filename=f"rating_{self.period}d.{fmt}")

    def _query(self) -> RankingQuery:
        return RankingQuery(period=self.period, org_type=self.org_type, sort=self.sort, page=self.page)

    async def _reload(self):
        actor = await self._actor()
        try:
            if actor is None:
                raise PermissionDenied("Войдите, чтобы увидеть рейтинг")
            result = await asyncio.to_thread(_load, self._query(), actor)
        except ServiceError as exc:  # the read model refused: show why, hold no rows
            self.rows, self.total, self.ranked, self.loading, self.error = [], 0, 0, False, exc.message
            return
        self.rows, self.total, self.ranked, self.narrowed = result.rows, result.total, result.ranked, result.narrowed
        self.shown_type = "" if result.org_type == ALL_TYPES else type_label(result.org_type)
        self.loading, self.error = False, ""
