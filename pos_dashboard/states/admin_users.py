"""/admin/users — accounts: search and pages, create (the password generated and shown once, or
set by the administrator), switch off and on, reset the password, change the role."""

import reflex as rx

from ..analytics import admin_lists
from ..analytics.formatting import page_count
from ..domain.limits import SEARCH_MAX
from ..services import admin_users as service
from .admin_base import AdminPageState

PAGE_SIZE = admin_lists.PAGE_SIZE


def _text(form, key: str) -> str:
    value = form.get(key) if isinstance(form, dict) else None
    return value if isinstance(value, str) else ""


class AdminUsersState(AdminPageState):
    rows: list[admin_lists.UserRow] = []
    total: int = 0
    page: int = 0
    query: str = ""
    role_filter: str = "all"
    selected: admin_lists.UserRow | None = None  # the account the action panel is open for
    org_choices: list[str] = []
    new_password: str = ""  # a generated password, shown once until hidden or the page is left
    new_password_for: str = ""
    error: str = ""
    notice: str = ""
    form_key: int = 0  # a new key empties the creation form after a success (a refusal keeps it)

    @rx.var
    def page_count(self) -> int:
        return page_count(self.total, PAGE_SIZE)

    @rx.event
    async def on_load(self):
        if refusal := await self._refuse_page():
            return refusal
        self.error, self.notice, self.new_password, self.new_password_for, self.selected = "", "", "", "", None
        await self._reload()

    async def _reload(self) -> None:
        role = "" if self.role_filter == "all" else self.role_filter
        ok, result, message = await self._call(await self._admin(), admin_lists.users_page, query=self.query,
                                               role=role, page=self.page, page_size=PAGE_SIZE)
        self.rows, self.total = result if ok else ([], 0)
        if not ok:
            self.error = message
        if self.selected is not None:
            self.selected = next((r for r in self.rows if r["id"] == self.selected["id"]), None)

    @rx.event
    async def search(self, query: str):
        self.query, self.page = (query if isinstance(query, str) else "")[:SEARCH_MAX], 0
        await self._reload()

    @rx.event
    async def set_role_filter(self, role: str):
        self.role_filter, self.page = role if isinstance(role, str) else "all", 0
        await self._reload()

    @rx.event
    async def set_page(self, page: int):
        if isinstance(page, int):
            self.page = max(0, min(page, self.page_count - 1))
            await self._reload()

    @rx.event
    async def find_orgs(self, text: str):
        ok, result, _ = await self._call(await self._admin(), admin_lists.organization_choices,
                                         query=text if isinstance(text, str) else "")
        self.org_choices = result if ok else []

    @rx.event
    def select(self, user_id: int):
        """Open the action panel for a row shown on this page (the services check the id again)."""
        self.selected = next((r for r in self.rows if r["id"] == user_id), None)
        self.error, self.notice = "", ""

    @rx.event
    def hide_password(self):
        self.new_password, self.new_password_for = "", ""

    async def _done(self, ok: bool, message: str, notice: str) -> bool:
        self.error, self.notice = ("", notice) if ok else (message, "")
        if ok:
            await self._reload()
        return ok

    @rx.event
    async def create(self, form: dict):
        self.new_password, self.new_password_for = "", ""
        ok, result, message = await self._call(
            await self._admin(), service.create, login=_text(form, "login"), full_name=_text(form, "full_name"),
            role=_text(form, "role"), organization=_text(form, "organization"), email=_text(form, "email"),
            password=_text(form, "password"))
        login = _text(form, "login").strip().lower()
        if await self._done(ok, message, f"Учётная запись «{login}» создана"):
            self.form_key += 1
            self.new_password, self.new_password_for = result[1], login if result[1] else ""

    @rx.event
    async def deactivate(self, user_id: int):
        ok, ended, message = await self._call(await self._admin(), service.deactivate, user_id=user_id)
        await self._done(ok, message, f"Учётная запись отключена; завершено сеансов: {ended}")

    @rx.event
    async def activate(self, user_id: int):
        ok, _, message = await self._call(await self._admin(), service.activate, user_id=user_id)
        await self._done(ok, message, "Учётная запись снова действует")

    @rx.event
    async def reset_password(self, form: dict):
        if self.selected is None:
            return
        target = self.selected
        ok, result, message = await self._call(await self._admin(), service.reset_password, user_id=target["id"],
                                               password=_text(form, "password"))
        if await self._done(ok, message, f"Пароль «{target['login']}» изменён; завершено сеансов: "
                                         f"{result[1] if ok else 0}"):
            self.new_password, self.new_password_for = result[0], target["login"] if result[0] else ""

    @rx.event
    async def change_role(self, form: dict):
        if self.selected is None:
            return
        target = self.selected
        ok, ended, message = await self._call(await self._admin(), service.change_role, user_id=target["id"],
                                              role=_text(form, "role"), organization=_text(form, "organization"))
        await self._done(ok, message, f"Роль «{target['login']}» изменена; завершено сеансов: {ended}")
