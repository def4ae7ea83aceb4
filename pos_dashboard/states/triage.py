"""/triage — the ЦУР coordinator's distribution view: stage tabs, routing with the rule's
suggestion or any organisation found by name, bulk actions with a result per row."""

import asyncio

import reflex as rx

from .. import routes
from ..analytics import triage
from ..db import session_scope
from ..domain.limits import ORGANIZATION_QUERY_MAX
from ..services import triage as service
from ..services.actors import Actor
from ..services.errors import ServiceError
from ..analytics.formatting import page_count
from .base import AppState

PAGE_SIZE = 50
FAILED = "Не удалось выполнить: нет связи с сервером базы данных. Повторите (дважды ничего не выполнится)."


def _load(actor: Actor, view: str, page: int):
    with session_scope() as session:
        rows, total = triage.fetch_triage(session, actor=actor, view=view, page=page, page_size=PAGE_SIZE)
        return rows, total, triage.view_counts(session, actor=actor)


def _search(actor: Actor, query: str) -> list[dict]:
    with session_scope() as session:
        return service.search_organizations(session, actor=actor, query=query)


def _name(actor: Actor, organization_id: int) -> str | None:
    with session_scope() as session:
        service.require_coordinator(actor)
        return service.organization_name(session, organization_id)


def _bulk(actor: Actor, ids: list, action: str, organization_id: int | None) -> list[dict]:
    with session_scope() as session:
        return service.bulk(session, actor=actor, appeal_ids=ids, action=action, organization_id=organization_id)


class TriageState(AppState):
    view: str = "coordination"
    rows: list[triage.TriageRow] = []
    total: int = 0
    page: int = 0
    counts: dict[str, int] = {}
    selected: list[int] = []
    results: list[dict] = []
    org_query: str = ""
    org_options: list[dict] = []
    picked_org_id: int = 0
    picked_org_name: str = ""
    error: str = ""

    @rx.var
    def page_count(self) -> int:
        return page_count(self.total, PAGE_SIZE)

    async def _coordinator(self) -> Actor | None:
        actor = await self._actor()
        return actor if actor is not None and actor.role in service.COORDINATOR_ROLES else None

    @rx.event
    async def on_load(self):
        actor = await self._actor()
        if actor is None:
            return rx.redirect(routes.LOGIN)
        if actor.role not in service.COORDINATOR_ROLES:
            return rx.redirect(routes.home_for(actor.role))
        self.results, self.error = [], ""
        await self._reload(actor)

    async def _reload(self, actor: Actor) -> None:
        try:
            self.rows, self.total, self.counts = await asyncio.to_thread(_load, actor, self.view, self.page)
        except ServiceError as exc:
            self.rows, self.total, self.error = [], 0, exc.message
            return
        shown = {row["id"] for row in self.rows}
        self.selected = [i for i in self.selected if i in shown]

    @rx.event
    async def set_view(self, view: str):
        if (actor := await self._coordinator()) and view in triage.VIEWS:
            self.view, self.page, self.selected, self.results = view, 0, [], []
            await self._reload(actor)

    @rx.event
    async def set_page(self, page: int):
        if (actor := await self._coordinator()) and isinstance(page, int):
            self.page, self.selected = max(0, min(page, self.page_count - 1)), []
            await self._reload(actor)

    @rx.event
    def toggle(self, appeal_id: int, checked: bool):
        """Only rows shown on this page can be selected (the services check each one again)."""
        if appeal_id in {row["id"] for row in self.rows}:
            self.selected = [i for i in self.selected if i != appeal_id] + ([appeal_id] if checked is True else [])

    @rx.event
    def toggle_all(self, checked: bool):
        self.selected = [row["id"] for row in self.rows] if checked is True else []

    @rx.event
    async def search_orgs(self, query: str):
        if not isinstance(query, str) or (actor := await self._coordinator()) is None:
            return
        self.org_query = query[:ORGANIZATION_QUERY_MAX]
        self.org_options = await asyncio.to_thread(_search, actor, self.org_query)

    @rx.event
    async def pick_org(self, organization_id: str):
        if (actor := await self._coordinator()) is None or not str(organization_id).isdecimal():
            return
        name = await asyncio.to_thread(_name, actor, int(organization_id))
        self.picked_org_id, self.picked_org_name = (int(organization_id), name) if name else (0, "")

    @rx.event
    async def route_one(self, appeal_id: int, organization_id: int):
        await self._run([appeal_id], "route", organization_id)

    @rx.event
    async def bulk_approve(self):
        await self._run(list(self.selected), "approve_moderation", None)

    @rx.event
    async def bulk_route(self):
        await self._run(list(self.selected), "route", self.picked_org_id or None)

    async def _run(self, ids: list, action: str, organization_id: int | None) -> None:
        self.results, self.error = [], ""
        actor = await self._actor()
        if actor is None:
            self.error = "Войдите заново: сеанс завершён"
            return
        try:
            self.results = await asyncio.to_thread(_bulk, actor, ids, action, organization_id)
        except ServiceError as exc:
            self.error = exc.message
            return
        except Exception:  # the rows that were done stay done; the coordinator sees it after reload
            self.error = FAILED
        self.selected = []
        await self._reload(actor)
