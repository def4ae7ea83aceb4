"""/admin/routing — routing rules (category × territory → organisation): add, change, delete."""

import reflex as rx

from ..analytics import admin_lists
from ..services import admin_directories, admin_routing as service
from .admin_base import AdminPageState
from .admin_lists import DirectoryMixin, id_of, text_of


class AdminRoutingState(DirectoryMixin, AdminPageState):
    rows: list[admin_lists.RuleRow] = []
    categories: list[dict] = []
    territories: list[dict] = []
    org_choices: list[str] = []

    def _lister(self):
        return admin_lists.rules_page

    def _set_rows(self, rows: list) -> None:
        self.rows = rows

    @rx.var
    def editing(self) -> admin_lists.RuleRow:
        return next((r for r in self.rows if r["id"] == self.editing_id), admin_lists.RuleRow(
            id=0, category_id="", category="", territory_id="", territory="", organization="",
            organization_active=True))

    @rx.event
    async def on_load(self):
        if refusal := await self._start():
            return refusal
        actor = await self._admin()
        ok, categories, _ = await self._call(actor, admin_lists.category_choices)
        ok2, territories, _ = await self._call(actor, admin_lists.territory_choices)
        self.categories, self.territories = categories if ok else [], territories if ok2 else []

    @rx.event
    async def find_orgs(self, text: str):
        ok, result, _ = await self._call(await self._admin(), admin_lists.organization_choices,
                                         query=text if isinstance(text, str) else "")
        self.org_choices = result if ok else []

    @rx.event
    async def save(self, form: dict):
        self.error, self.notice = "", ""
        actor = await self._admin()
        reference = text_of(form, "organization").strip()
        if not reference:
            self.error = "Выберите организацию-исполнителя"
            return
        ok, organization_id, message = await self._call(actor, admin_directories.organization_by_reference,
                                                        reference=reference)
        if not ok:
            self.error = message
            return
        category_id = id_of(form, "category")
        fields = dict(category_id=-1 if category_id is None else category_id, territory_id=id_of(form, "territory"),
                      organization_id=organization_id)
        if self.editing_id:
            ok, _, message = await self._call(actor, service.update_rule, rule_id=self.editing_id, **fields)
        else:
            ok, _, message = await self._call(actor, service.create_rule, **fields)
        await self._finish(ok, message, "Правило сохранено")

    @rx.event
    async def delete(self, rule_id: int):
        ok, _, message = await self._call(await self._admin(), service.delete_rule, rule_id=rule_id)
        await self._finish(ok, message, "Правило удалено: такие обращения пойдут по более общему правилу или в ЦУР")
