"""/ratings/[organization_id]: one organisation's index, its components, monthly trend, weakest
categories and low-rated answers. The read models decide who may see it."""

import asyncio

import reflex as rx

from .. import routes
from ..analytics import rating_views
from ..analytics.figures import plain_figure
from ..analytics.rating_chart import trend_figure
from ..analytics.rating_views import CategoryRow, ComponentRow, LowRatedRow, TrendRow
from ..analytics.ratings import DEFAULT_PERIOD, PERIODS, check_detail, rating_moment
from ..analytics.table_export import FORMATS
from ..api.exports import TREND, signed_link
from ..db import session_scope
from ..domain.types import utcnow
from ..services.actors import Actor
from ..services.errors import PermissionDenied, ServiceError, ValidationFailed
from ..analytics.formatting import page_count
from .base import AppState


def _now():
    return rating_moment(utcnow())


def _load(organization_id: int, period: str, actor: Actor):
    with session_scope() as session:
        now = _now()
        rating = rating_views.organization_rating(session, organization_id, actor=actor, period=period, now=now)
        answers = rating_views.low_rated_answers(session, organization_id, actor=actor, period=period, now=now)
        return rating, answers


def _answers(organization_id: int, period: str, page: int, actor: Actor):
    with session_scope() as session:
        return rating_views.low_rated_answers(session, organization_id, actor=actor, period=period, now=_now(),
                                              page=page)


class RatingDetailState(AppState):
    period: str = DEFAULT_PERIOD
    organization: dict[str, str] = {}  # name, type, index, rank, received
    components: list[ComponentRow] = []
    trend: list[TrendRow] = []
    figure: dict = {}
    categories: list[CategoryRow] = []
    low_rated: list[LowRatedRow] = []
    low_total: int = 0
    low_page: int = 0
    loading: bool = False
    error: str = ""

    @rx.var
    def low_page_count(self) -> int:
        return page_count(self.low_total, rating_views.LOW_RATED_PAGE_SIZE)

    @rx.event
    async def on_load(self):
        if await self._actor() is None:
            return rx.redirect(routes.LOGIN)
        self.period, self.low_page, self.organization = DEFAULT_PERIOD, 0, {}
        await self._reload()

    @rx.event
    async def set_period(self, period: str):
        if period in PERIODS:
            self.period, self.low_page, self.loading = period, 0, True
            yield
            await self._reload()

    @rx.event
    async def set_low_page(self, page: int):
        actor = await self._actor()
        self.low_page = max(0, min(int(page), self.low_page_count - 1))
        try:
            self.low_rated, self.low_total = await asyncio.to_thread(
                _answers, self._organization_id(), self.period, self.low_page, actor)
        except ServiceError as exc:
            self._refuse(exc.message)

    @rx.event
    async def export(self, fmt: str):
        actor = await self._actor()
        if actor is None or fmt not in FORMATS:
            return
        try:
            organization_id = self._organization_id()
            check_detail(actor, organization_id)  # refused here, before any link is made
            link = await asyncio.to_thread(signed_link, self.auth_token, TREND, {  # streamed; checked again there
                "org": str(organization_id), "period": self.period, "fmt": fmt})
        except ServiceError as exc:
            self._refuse(exc.message)
            return
        return rx.download(url=link, filename=f"rating_{organization_id}_{self.period}d.{fmt}")

    def _organization_id(self) -> int:
        raw = str(self.organization_id)  # the route's dynamic argument
        if not raw.isdigit():
            raise ValidationFailed("Неверный номер организации")
        return int(raw)

    def _refuse(self, message: str) -> None:
        self.organization, self.components, self.trend, self.categories = {}, [], [], []
        self.low_rated, self.low_total, self.figure = [], 0, {}
        self.loading, self.error = False, message

    async def _reload(self):
        actor = await self._actor()
        try:
            if actor is None:
                raise PermissionDenied("Войдите, чтобы увидеть рейтинг")
            rating, (answers, total) = await asyncio.to_thread(_load, self._organization_id(), self.period, actor)
        except ServiceError as exc:
            self._refuse(exc.message)
            return
        self.organization = {"id": str(rating.organization_id), "name": rating.name, "type": rating.org_type,
                             "index": rating.index, "rank": rating.rank, "received": str(rating.received)}
        self.components, self.trend, self.categories = rating.components, rating.trend, rating.categories
        self.figure = plain_figure(trend_figure(rating.series))
        self.low_rated, self.low_total, self.loading, self.error = answers, total, False, ""
