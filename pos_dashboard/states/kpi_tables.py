"""/kpi: the tables' own events — sorting and paging the organisations, exports — on KpiState's vars."""

import asyncio

import reflex as rx

from ..analytics.dashboard_export import export_table
from ..analytics.dashboard_pdf import dashboard_report
from ..analytics.dashboard_view import organisation_page
from ..db import session_scope
from ..domain.types import utcnow
from ..services.actors import Actor
from ..services.errors import ServiceError
from .kpi import KpiState


def _org_page(actor: Actor, flt, sort: str, descending: bool, page: int) -> dict:
    with session_scope() as session:
        return organisation_page(session, flt, actor=actor, now=utcnow(), sort=sort, descending=descending, page=page)


def _export(actor: Actor, flt, group_by: str, fmt: str, sort: str, descending: bool) -> tuple[str, bytes, str]:
    with session_scope() as session:
        return export_table(session, flt, group_by, fmt, actor=actor, now=utcnow(), sort=sort, descending=descending)


def _report(actor: Actor, flt, sort: str, descending: bool) -> tuple[str, bytes, str]:
    with session_scope() as session:
        return dashboard_report(session, flt, actor=actor, now=utcnow(), sort=sort, descending=descending)


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

    @rx.event
    async def export(self, group_by: str, fmt: str):
        kpi = await self.get_state(KpiState)
        actor = await kpi._dashboard_actor()
        if actor is None:
            return
        by_org = group_by == "organisation"
        try:
            name, data, mime = await asyncio.to_thread(_export, actor, kpi._filter(), group_by, fmt,
                                                       kpi.org_sort if by_org else "group", kpi.org_desc and by_org)
        except ServiceError as exc:
            kpi.error = exc.message
            return
        return rx.download(data=data, filename=name, mime_type=mime)

    @rx.event
    async def export_report(self):
        """The whole dashboard under the filter as a PDF (organisations in the page's order)."""
        kpi = await self.get_state(KpiState)
        actor = await kpi._dashboard_actor()
        if actor is None:
            return
        try:
            name, data, mime = await asyncio.to_thread(_report, actor, kpi._filter(), kpi.org_sort, kpi.org_desc)
        except ServiceError as exc:
            kpi.error = exc.message
            return
        return rx.download(data=data, filename=name, mime_type=mime)
