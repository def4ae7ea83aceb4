"""/admin/categories — the category tree with its deadline rules: add, change (name, parent, days,
working or calendar, expedited, evidence), switch off and on, delete an unused one."""

import reflex as rx

from ..analytics import admin_lists
from ..services import admin_directories as service
from .admin_base import AdminPageState
from .admin_lists import DirectoryMixin, flag_of, id_of, text_of


def _days(form) -> int | str:
    """The number of days as typed: a number, or the text itself (the service refuses it in Russian)."""
    text = text_of(form, "deadline_days").strip()
    return int(text) if text.isdecimal() and len(text) <= 6 else text


class AdminCategoriesState(DirectoryMixin, AdminPageState):
    rows: list[admin_lists.CategoryRow] = []
    parents: list[dict] = []

    def _lister(self):
        return admin_lists.categories_page

    def _set_rows(self, rows: list) -> None:
        self.rows = rows

    @rx.var
    def editing(self) -> admin_lists.CategoryRow:
        """The row being changed, or an empty one for a new category."""
        return next((r for r in self.rows if r["id"] == self.editing_id), admin_lists.CategoryRow(
            id=0, name="", path="", parent_id="", deadline_days=30, deadline_kind="working", rule="",
            expedited=False, evidence_required=False, active=True))

    @rx.event
    async def on_load(self):
        if refusal := await self._start():
            return refusal
        await self._load_parents()

    async def _load_parents(self) -> None:
        ok, result, _ = await self._call(await self._admin(), admin_lists.category_choices)
        self.parents = result if ok else []

    @rx.event
    async def save(self, form: dict):
        self.error, self.notice = "", ""
        fields = dict(name=text_of(form, "name"), parent_id=id_of(form, "parent"), deadline_days=_days(form),
                      deadline_kind=text_of(form, "deadline_kind"), expedited=flag_of(form, "expedited"),
                      evidence_required=flag_of(form, "evidence_required"))
        if self.editing_id:
            ok, _, message = await self._call(await self._admin(), service.update_category,
                                              category_id=self.editing_id, **fields)
        else:
            ok, _, message = await self._call(await self._admin(), service.create_category, **fields)
        await self._finish(ok, message, "Категория сохранена")
        if ok:
            await self._load_parents()

    @rx.event
    async def set_active(self, category_id: int, active: bool):
        ok, _, message = await self._call(await self._admin(), service.set_category_active,
                                          category_id=category_id, active=active)
        await self._finish(ok, message, "Категория включена" if active is True else "Категория отключена")

    @rx.event
    async def delete(self, category_id: int):
        ok, _, message = await self._call(await self._admin(), service.delete_category, category_id=category_id)
        await self._finish(ok, message, "Категория удалена")
        if ok:
            await self._load_parents()
