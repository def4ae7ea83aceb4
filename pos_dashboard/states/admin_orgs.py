"""/admin/organizations — organisations: search and pages, add, change, switch off and on."""

import reflex as rx

from ..analytics import admin_lists
from ..services import admin_directories as service
from .admin_base import AdminPageState
from .admin_lists import DirectoryMixin, id_of, text_of


class AdminOrgsState(DirectoryMixin, AdminPageState):
    rows: list[admin_lists.OrgRow] = []
    territories: list[dict] = []
    org_choices: list[str] = []

    def _lister(self):
        return admin_lists.organizations_page

    def _set_rows(self, rows: list) -> None:
        self.rows = rows

    @rx.var
    def editing(self) -> admin_lists.OrgRow:
        """The row being changed, or an empty one for a new organisation."""
        return next((r for r in self.rows if r["id"] == self.editing_id), admin_lists.OrgRow(
            id=0, name="", org_type="other", type_label="", territory_id="", territory="", parent="", active=True))

    @rx.event
    async def on_load(self):
        if refusal := await self._start():
            return refusal
        ok, result, _ = await self._call(await self._admin(), admin_lists.territory_choices)
        self.territories = result if ok else []

    @rx.event
    async def find_orgs(self, text: str):
        ok, result, _ = await self._call(await self._admin(), admin_lists.organization_choices,
                                         query=text if isinstance(text, str) else "")
        self.org_choices = result if ok else []

    async def _parent(self, form) -> int | None:
        """The parent organisation as typed: «№ — name», a number or an exact name; empty for none."""
        text = text_of(form, "parent").strip()
        if not text:
            return None
        ok, found, message = await self._call(await self._admin(), service.organization_by_reference, reference=text)
        if not ok:
            self.error = message
            return -1
        return found

    @rx.event
    async def save(self, form: dict):
        self.error, self.notice = "", ""
        parent_id = await self._parent(form)
        if parent_id == -1:
            return
        fields = dict(name=text_of(form, "name"), org_type=text_of(form, "org_type"),
                      territory_id=id_of(form, "territory"), parent_id=parent_id)
        if self.editing_id:
            ok, _, message = await self._call(await self._admin(), service.update_organization,
                                              organization_id=self.editing_id, **fields)
        else:
            ok, _, message = await self._call(await self._admin(), service.create_organization, **fields)
        await self._finish(ok, message, "Организация сохранена")

    @rx.event
    async def set_active(self, organization_id: int, active: bool):
        ok, _, message = await self._call(await self._admin(), service.set_organization_active,
                                          organization_id=organization_id, active=active)
        await self._finish(ok, message, "Организация включена" if active is True else "Организация отключена")

