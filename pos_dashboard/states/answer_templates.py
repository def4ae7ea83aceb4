"""/templates — the organisation's answer templates (its own staff only), and the template picker
of the appeal card, which fills the answer field."""

import asyncio

import reflex as rx
from sqlmodel import select

from .. import routes
from ..db import session_scope
from ..domain.answer_templates import AnswerTemplate
from ..domain.enums import Role
from ..analytics.formatting import category_path
from ..domain.models import Category
from ..services import answer_templates as service
from ..services.actors import Actor
from ..services.errors import ServiceError
from .base import AppState

ANY = "any"


def _categories(session) -> dict[int, str]:
    rows = session.exec(select(Category.id, Category.name, Category.parent_id)).all()
    names = {i: name for i, name, _ in rows}
    return {i: category_path(name, names.get(p)) for i, name, p in rows}


def _row(template: AnswerTemplate, categories: dict[int, str]) -> dict:
    return {"id": template.id, "title": template.title, "text": template.text,
            "category": categories.get(template.category_id, "любая категория"),
            "category_value": str(template.category_id) if template.category_id else ANY}


def _list(actor: Actor) -> tuple[list[dict], list[dict]]:
    with session_scope() as session:
        categories = _categories(session)
        rows = [_row(t, categories) for t in service.list_templates(session, actor=actor)]
        options = [{"value": str(i), "label": label} for i, label in sorted(categories.items(), key=lambda x: x[1])]
        return rows, options


def _save(actor: Actor, form: dict, template_id: int | None) -> None:
    category = str(form.get("category") or ANY)
    with session_scope() as session:
        service.save_template(session, actor=actor, title=form.get("title"), text=form.get("text"),
                              category_id=None if category == ANY else int(category) if category.isdecimal() else -1,
                              template_id=template_id)


def _delete(actor: Actor, template_id: int) -> None:
    with session_scope() as session:
        service.delete_template(session, actor=actor, template_id=template_id)


def _for_appeal(actor: Actor, appeal_id: int) -> list[dict]:
    with session_scope() as session:
        return [{"id": str(t.id), "title": t.title, "text": t.text}
                for t in service.templates_for_appeal(session, actor=actor, appeal_id=appeal_id)]


class TemplatesState(AppState):
    rows: list[dict] = []
    category_options: list[dict] = []
    editing_id: int = 0  # 0: a new template
    editing: dict = {}
    error: str = ""
    notice: str = ""

    @rx.event
    async def on_load(self):
        actor = await self._actor()
        if actor is None:
            return rx.redirect(routes.LOGIN)
        if actor.role != Role.ORG_STAFF:
            return rx.redirect(routes.home_for(actor.role))
        self.editing_id, self.editing, self.error, self.notice = 0, {}, "", ""
        await self._reload(actor)

    async def _reload(self, actor: Actor) -> None:
        try:
            self.rows, self.category_options = await asyncio.to_thread(_list, actor)
        except ServiceError as exc:
            self.rows, self.error = [], exc.message

    @rx.event
    def edit(self, template_id: int):
        found = next((r for r in self.rows if r["id"] == template_id), None)
        self.editing_id, self.editing = (template_id, found) if found else (0, {})
        self.error, self.notice = "", ""

    @rx.event
    async def save(self, form: dict):
        self.error, self.notice = "", ""
        actor = await self._actor()
        try:
            if not isinstance(form, dict):
                return
            await asyncio.to_thread(_save, actor, form, self.editing_id or None)
        except ServiceError as exc:  # the form keeps what was typed
            self.error = exc.message
            return
        self.notice = "Шаблон сохранён"
        self.editing_id, self.editing = 0, {}
        await self._reload(actor)

    @rx.event
    async def delete(self, template_id: int):
        actor = await self._actor()
        try:
            await asyncio.to_thread(_delete, actor, template_id)
        except ServiceError as exc:
            self.error = exc.message
            return
        self.notice, self.editing_id, self.editing = "Шаблон удалён", 0, {}
        await self._reload(actor)


class CardTemplatesState(AppState):
    """The card's template picker: the organisation's templates for the open appeal."""

    templates: list[dict] = []

    @rx.event
    async def load(self):
        self.templates = []
        actor = await self._actor()
        raw_id = str(self.router.page.params.get("appeal_id", ""))
        if actor is None or actor.role != Role.ORG_STAFF or not raw_id.isdecimal():
            return
        try:
            self.templates = await asyncio.to_thread(_for_appeal, actor, int(raw_id))
        except ServiceError:
            self.templates = []

    @rx.event
    def pick(self, template_id: str):
        """Put the template's text into the answer field (the text is one the server loaded for this user)."""
        found = next((t for t in self.templates if t["id"] == template_id), None)
        if found:
            return rx.set_value("action-comment", found["text"])
