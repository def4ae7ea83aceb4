"""/kpi: the tables' own events — sorting and paging the organisations, exports — on KpiState's vars."""

import asyncio

import reflex as rx

from ..analytics.dashboard_export import export_name
from ..analytics.dashboard_pdf import report_name
from ..analytics.dashboard_view import organisation_page
from ..api.exports import REPORT, TABLE, signed_link
from ..db import session_scope
from ..domain.types import utcnow
from ..services.actors import Actor
from ..services.errors import ServiceError
from .kpi import KpiState


def _org_page(actor: Actor, flt, sort: str, descending: bool, page: int) -> dict:
    with session_scope() as session:
        return organisation_page(session, flt, actor=actor, now=utcnow(), sort=sort, descending=descending, page=page)


class KpiTablesState(KpiState):
    # The table's vars are KpiState's: read and written on that state explicitly.
    @rx.event
    async def sort_organisations(self, column: str):
        kpi = await self.get_state(KpiState)
        kpi.org_sort, kpi.org_desc = column, not kpi.org_desc if column == kpi.org_sort else column != "group"
        await self._organisations(kpi, 0)

    @rx.event
    async def set_org_page(self, page: int):
        await self._organisations(await self.get_state(KpiState), page)

    async def _organisations(self, kpi: KpiState, page: int):
        actor = await kpi._dashboard_actor()
        if actor is not None:
            result = await asyncio.to_thread(_org_page, actor, kpi._filter(), kpi.org_sort, kpi.org_desc, page)
            for key, value in result.items():
                setattr(kpi, key, value)

    async def _download(self, kpi: KpiState, kind: str, filename: str, params: dict):
        """The file comes as a streamed HTTP response from a signed link (`api.exports`), not through
        the websocket; the route checks the session and the role again."""
        try:
            link = await asyncio.to_thread(signed_link, kpi.auth_token, kind, {"q": kpi.query, **params})
        except ServiceError as exc:
            kpi.error = exc.message
            return None
        return rx.download(url=link, filename=filename)

    @rx.event
    async def export(self, group_by: str, fmt: str):
        kpi = await self.get_state(KpiState)
        if await kpi._dashboard_actor() is None:
            return
        try:
            name = export_name(kpi._filter(), group_by, fmt, utcnow())
        except ServiceError as exc:
            kpi.error = exc.message
            return
        by_org = group_by == "organisation"
        return await self._download(kpi, TABLE, name, {
            "table": group_by, "fmt": fmt, "sort": kpi.org_sort if by_org else "group",
            "desc": "1" if kpi.org_desc and by_org else "0"})

    @rx.event
    async def export_report(self):
        """The whole dashboard under the filter as a PDF (organisations in the page's order)."""
        kpi = await self.get_state(KpiState)
        if await kpi._dashboard_actor() is None:
            return
        return await self._download(kpi, REPORT, report_name(kpi._filter(), utcnow()), {"sort": kpi.org_sort, "desc": "1" if kpi.org_desc else "0"})
