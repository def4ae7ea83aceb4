"""What the directory pages' states share: a searched, server-paged list and the form's messages."""

import reflex as rx

from ..analytics.formatting import page_count
from ..domain.limits import ID_MAX, SEARCH_MAX

NONE = "none"  # the select's value for «no territory / no parent / the whole region»
PAGE_SIZE = 25


def text_of(form, key: str) -> str:
    value = form.get(key) if isinstance(form, dict) else None
    return value if isinstance(value, str) else ""


def id_of(form, key: str) -> int | None:
    """A select's id, None for NONE; anything else that is not a number is an id no row has."""
    value = text_of(form, key).strip()
    if value in ("", NONE):
        return None
    return int(value) if value.isdecimal() and len(value) <= 10 and int(value) <= ID_MAX else -1


def flag_of(form, key: str) -> bool:
    return text_of(form, key) in ("on", "true", "1")


class DirectoryMixin(rx.State, mixin=True):
    """Mixed into each directory page's state (with AdminPageState), which gets its own copy of these
    vars, and names its list with `_lister()` (an analytics.admin_lists function)."""

    total: int = 0
    page: int = 0
    query: str = ""
    editing_id: int = 0  # 0: the form adds a new entry
    error: str = ""
    notice: str = ""
    form_key: int = 0

    @rx.var
    def page_count(self) -> int:
        return page_count(self.total, PAGE_SIZE)

    def _set_rows(self, rows: list) -> None:
        raise NotImplementedError

    def _lister(self):
        raise NotImplementedError

    async def _reload(self) -> None:
        ok, result, message = await self._call(await self._admin(), self._lister(), query=self.query,
                                               page=self.page, page_size=PAGE_SIZE)
        self._set_rows(result[0] if ok else [])
        self.total = result[1] if ok else 0
        if not ok:
            self.error = message

    async def _start(self):
        if refusal := await self._refuse_page():
            return refusal
        self.error, self.notice, self.editing_id = "", "", 0
        await self._reload()
        return None

    @rx.event
    async def search(self, query: str):
        self.query, self.page = (query if isinstance(query, str) else "")[:SEARCH_MAX], 0
        await self._reload()

    @rx.event
    async def set_page(self, page: int):
        if isinstance(page, int):
            self.page = max(0, min(page, self.page_count - 1))
            await self._reload()

    @rx.event
    def edit(self, row_id: int):
        self.editing_id = row_id if isinstance(row_id, int) else 0
        self.error, self.notice, self.form_key = "", "", self.form_key + 1

    async def _finish(self, ok: bool, message: str, notice: str) -> None:
        self.error, self.notice = ("", notice) if ok else (message, "")
        if ok:
            self.editing_id, self.form_key = 0, self.form_key + 1
            await self._reload()
