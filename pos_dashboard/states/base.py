"""The base state: who is logged in. Every mutating or reading handler asks `_actor()` first;
the browser only holds a random session token, never a role it could forge.

User-bound state: every state below AppState belongs to whoever is logged in on the tab (rows,
cards, forms), so log-out and log-in reset all of them; a new page's state is covered by
inheriting AppState, with nothing to register."""

import asyncio

import reflex as rx

from .. import routes
from ..analytics.dashboard import DASHBOARD_ROLES
from ..analytics.ratings import navigation
from ..db import session_scope
from ..domain.enums import ROLE_LABELS, STAFF_ROLES  # noqa: F401  (STAFF_ROLES: the states read it here)
from ..services import sessions
from ..services.actors import Actor


def _resolve(token: str) -> tuple[Actor, str] | None:
    with session_scope() as session:
        resolved = sessions.resolve(session, token)
        return (Actor.of(resolved[0]), resolved[0].full_name) if resolved else None


def _end_session(token: str) -> None:
    with session_scope() as session:
        sessions.revoke_token(session, token)


def user_bound_states() -> list[type["AppState"]]:
    """Every state class below AppState, in definition order of the tree."""
    found, pending = [], list(AppState.__subclasses__())
    while pending:
        cls = pending.pop(0)
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


class AppState(rx.State):
    auth_token: str = rx.LocalStorage("", name="pos_token", sync=True)
    user_name: str = ""
    user_role_label: str = ""
    home_url: str = routes.LOGIN  # where this user's navigation starts (routes.home_for)
    show_kpi_link: bool = False
    rating_nav_label: str = ""  # «Рейтинг организаций» / «Рейтинг моей организации» / none
    rating_nav_href: str = ""

    async def _actor(self) -> Actor | None:
        if not self.auth_token:
            return None
        resolved = await asyncio.to_thread(_resolve, self.auth_token)
        if resolved is None:
            return None
        actor, name = resolved
        self._remember(actor, name)
        return actor

    def _remember(self, actor: Actor, name: str) -> None:
        """What the header shows for the user a handler has just checked. Only a value that changed
        is set: every queue load checks the user, and a value set again is sent to the tab again
        (and, with Redis, this state written back) although the header did not change."""
        label, organization_id = navigation(actor)
        shown = {"user_name": name, "user_role_label": ROLE_LABELS[actor.role],
                 "home_url": routes.home_for(actor.role), "show_kpi_link": actor.role in DASHBOARD_ROLES,
                 "rating_nav_label": label, "rating_nav_href": routes.rating_url(organization_id) if label else ""}
        for var, value in shown.items():
            if getattr(self, var) != value:
                setattr(self, var, value)

    async def _staff_actor(self) -> Actor | None:
        actor = await self._actor()
        return actor if actor is not None and actor.role in STAFF_ROLES else None

    async def _forget_user(self) -> None:
        """Reset what the tab holds for the previous user, whichever pages it visited."""
        for state_cls in user_bound_states():
            (await self.get_state(state_cls)).reset()
        self.user_name, self.user_role_label = "", ""

    @rx.event
    async def logout(self):
        if self.auth_token:
            await asyncio.to_thread(_end_session, self.auth_token)
        await self._forget_user()
        self.auth_token, self.home_url, self.show_kpi_link = "", routes.LOGIN, False
        self.rating_nav_label, self.rating_nav_href = "", ""
        return rx.redirect(routes.LOGIN)
