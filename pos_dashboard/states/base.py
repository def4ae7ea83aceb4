"""The base state: who is logged in. Every mutating or reading handler asks `_actor()` first;
the browser only holds a signed token, never a role it could forge."""

import asyncio

import reflex as rx

from .. import routes
from ..analytics.ratings import navigation
from ..db import session_scope
from ..domain.enums import ROLE_LABELS, Role
from ..services import auth
from ..services.actors import Actor

STAFF_ROLES = frozenset({Role.COORDINATOR, Role.OFFICIAL, Role.ADMIN, Role.ORG_STAFF})


def _resolve(token: str) -> tuple[Actor, str] | None:
    with session_scope() as session:
        user = auth.user_from_token(session, token)
        return (Actor.of(user), user.full_name) if user else None


class AppState(rx.State):
    auth_token: str = rx.LocalStorage("", name="pos_token", sync=True)
    user_name: str = ""
    user_role_label: str = ""
    rating_nav_label: str = ""  # «Рейтинг организаций» / «Рейтинг моей организации» / none
    rating_nav_href: str = ""

    async def _actor(self) -> Actor | None:
        if not self.auth_token:
            return None
        resolved = await asyncio.to_thread(_resolve, self.auth_token)
        if resolved is None:
            return None
        actor, name = resolved
        self.user_name, self.user_role_label = name, ROLE_LABELS[actor.role]
        label, organization_id = navigation(actor)
        self.rating_nav_label, self.rating_nav_href = label, routes.rating_url(organization_id) if label else ""
        return actor

    async def _staff_actor(self) -> Actor | None:
        actor = await self._actor()
        return actor if actor is not None and actor.role in STAFF_ROLES else None

    @rx.event
    def logout(self):
        self.auth_token, self.user_name, self.user_role_label = "", "", ""
        self.rating_nav_label, self.rating_nav_href = "", ""
        return rx.redirect("/login")
