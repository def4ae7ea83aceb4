"""/admin/audit — the audit log: administrators' changes and appeal workflow events, newest first,
filtered by who, what, when and object, paged by key («Раньше» / «Позже»)."""

from datetime import date, datetime

import reflex as rx

from ..analytics import audit_log
from ..analytics.audit_log import AuditFilter, Cursor
from ..domain.audit import AuditObject
from .admin_base import AdminPageState
from .admin_lists import text_of


def _date(text: str, what: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise ValueError(f"{what}: дата вида ДД.ММ.ГГГГ") from None


def _filter(values: dict) -> AuditFilter:
    """The filter as typed; ValueError with a Russian message for what cannot be read."""
    object_type = values["object_type"] if values["object_type"] in {str(o) for o in AuditObject} else ""
    number = values["object_id"].strip().lstrip("№").strip()
    if number and not (number.isdecimal() and len(number) <= 10):
        raise ValueError("Номер объекта — целое число")
    if number and not object_type:
        raise ValueError("Выберите, что это за объект: обращение, учётная запись …")
    since, until = _date(values["since"], "Начало периода"), _date(values["until"], "Конец периода")
    if since and until and since > until:
        raise ValueError("Начало периода позже его конца")
    return AuditFilter(who=values["who"][:audit_log.WHO_MAX], kind=values["kind"] if values["kind"] != "all" else "",
                       since=since, until=until, object_type=object_type, object_id=int(number) if number else None)


def _query(session, *, actor, flt: AuditFilter, after: Cursor | None, count: bool):
    rows, cursor = audit_log.fetch_audit(session, actor=actor, flt=flt, after=after)
    return rows, cursor, audit_log.count_audit(session, actor=actor, flt=flt) if count else None


class AdminAuditState(AdminPageState):
    rows: list[audit_log.AuditRow] = []
    total: int = 0
    page_number: int = 1
    has_older: bool = False
    values: dict[str, str] = {"who": "", "kind": "all", "since": "", "until": "", "object_type": "all",
                              "object_id": ""}
    kinds: list[dict] = audit_log.kind_options()
    objects: list[dict] = audit_log.object_options()
    error: str = ""
    form_key: int = 0
    _cursors: list[dict] = []  # where each page after the first starts (the last row of the page before)
    _next: dict = {}

    @rx.var
    def total_label(self) -> str:
        return f"более {audit_log.COUNT_CAP:,}".replace(",", "\u00a0") if self.total > audit_log.COUNT_CAP \
            else f"{self.total:,}".replace(",", "\u00a0")

    @rx.event
    async def on_load(self):
        if refusal := await self._refuse_page():
            return refusal
        params = self.router.url.query_parameters
        self.values = {"who": "", "kind": "all", "since": "", "until": "",
                       "object_id": str(params.get("object_id", ""))[:12],
                       "object_type": str(params.get("object_type", "all"))[:32]}
        self.error, self.form_key = "", self.form_key + 1
        await self._load(first=True)

    async def _load(self, first: bool) -> None:
        try:
            flt = _filter(self.values)
        except ValueError as exc:
            self.error, self.rows, self.total, self.has_older = str(exc), [], 0, False
            return
        if first:
            self._cursors, self.page_number = [], 1
        after = self._cursors[-1] if self._cursors else None
        ok, result, message = await self._call(
            await self._admin(), _query, flt=flt, count=first,
            after=Cursor(datetime.fromisoformat(after["at"]), after["rank"], after["id"]) if after else None)
        if not ok:
            self.error, self.rows, self.has_older = message, [], False
            return
        self.error = ""
        self.rows, cursor, total = result
        self.total = self.total if total is None else total
        self._next = {"at": cursor.at.isoformat(), "rank": cursor.rank, "id": cursor.id} if cursor else {}
        self.has_older = cursor is not None

    @rx.event
    async def apply(self, form: dict):
        self.values = {key: text_of(form, key)[:200] for key in self.values}
        await self._load(first=True)

    @rx.event
    async def clear(self):
        self.values = {key: "all" if key in ("kind", "object_type") else "" for key in self.values}
        self.form_key += 1
        await self._load(first=True)

    @rx.event
    async def older(self):
        if self._next:
            self._cursors = self._cursors + [self._next]
            self.page_number = len(self._cursors) + 1
            await self._load(first=False)

    @rx.event
    async def newer(self):
        if self._cursors:
            self._cursors = self._cursors[:-1]
            self.page_number = len(self._cursors) + 1
            await self._load(first=False)
