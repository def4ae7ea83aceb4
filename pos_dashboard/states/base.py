"""The base state: who is logged in. Every mutating or reading handler asks `_actor()` first;
the browser only holds a signed token, never a role it could forge."""

import asyncio

import reflex as rx

from ..analytics.dashboard import DASHBOARD_ROLES
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
    show_kpi_link: bool = False

    async def _actor(self) -> Actor | None:
        if not self.auth_token:
            return None
        resolved = await asyncio.to_thread(_resolve, self.auth_token)
        if resolved is None:
            return None
        actor, name = resolved
        self.user_name, self.user_role_label = name, ROLE_LABELS[actor.role]
        self.show_kpi_link = actor.role in DASHBOARD_ROLES
        return actor

    async def _staff_actor(self) -> Actor | None:
        actor = await self._actor()
        return actor if actor is not None and actor.role in STAFF_ROLES else None

    @rx.event
    def logout(self):
        self.auth_token, self.user_name, self.user_role_label, self.show_kpi_link = "", "", "", False
        return rx.redirect("/login")
