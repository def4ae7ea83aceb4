"""What every administration page state shares: only an administrator gets anything, and each
page's database work runs in a worker thread with its own session."""

import asyncio
import logging

import reflex as rx

from .. import routes
from ..db import session_scope
from ..domain.enums import Role
from ..services.actors import Actor
from ..services.errors import ServiceError
from .base import AppState

log = logging.getLogger(__name__)
FAILED = "Не удалось выполнить: ошибка на сервере. Повторите позже."
NOT_ADMIN = "Справочники и учётные записи меняет только администратор"


def in_session(function, *args, **kwargs):
    """Run `function(session, *args, **kwargs)` in one transaction (committed on success)."""
    with session_scope() as session:
        return function(session, *args, **kwargs)


class AdminPageState(AppState):
    """No vars of its own: each page keeps its own rows and messages."""

    async def _admin(self) -> Actor | None:
        actor = await self._actor()
        return actor if actor is not None and actor.role == Role.ADMIN else None

    async def _refuse_page(self):
        """On load: the log-in page without a session, the user's own home for another role."""
        actor = await self._actor()
        if actor is None:
            return rx.redirect(routes.LOGIN)
        if actor.role != Role.ADMIN:
            return rx.redirect(routes.home_for(actor.role))
        return None

    async def _call(self, actor: Actor | None, function, *args, **kwargs) -> tuple[bool, object, str]:
        """(ok, result, Russian message): a service's refusal as it is, anything else logged."""
        if actor is None:
            return False, None, NOT_ADMIN
        try:
            return True, await asyncio.to_thread(in_session, function, *args, actor=actor, **kwargs), ""
        except ServiceError as exc:
            return False, None, exc.message
        except Exception:
            log.exception("administration: %s failed", getattr(function, "__name__", function))
            return False, None, FAILED
