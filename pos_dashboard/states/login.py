"""Log-in form. On a refusal the message is shown and the typed login stays in the form."""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import reflex as rx

from .. import routes
from ..db import session_scope
from ..demo.generator import MARKER_LOGIN
from ..demo.writer import demo_state
from ..outage import DATABASE, failures
from ..services import auth
from ..services.errors import ServiceError
from .base import AppState

# Log-ins wait for the password hasher in threads of their own: a crowd at the form then queues
# here instead of taking the default pool's threads, which every page's queries need.
_LOGIN_THREADS = ThreadPoolExecutor(max_workers=auth.HASH_CONCURRENCY + 1, thread_name_prefix="login")


def _demo_loaded() -> bool:
    """Whether this database holds the demo region (the log-in page lists its accounts only then)."""
    with session_scope() as session:
        return demo_state(session.get_bind(), MARKER_LOGIN) == "complete"


def _log_in(login: str, password: str, address: str, user_agent: str) -> str:
    with session_scope() as session:
        return auth.log_in(session, login=login, password=password, address=address, user_agent=user_agent)


class LoginState(AppState):
    error: str = ""
    busy: bool = False
    demo_loaded: bool = False

    @rx.event
    async def submit(self, form: dict):
        self.busy, self.error = True, ""
        yield
        call = partial(_log_in, str(form.get("login", "")), str(form.get("password", "")),
                       self.router.session.client_ip, self.router.headers.user_agent)
        try:
            token = await asyncio.get_running_loop().run_in_executor(_LOGIN_THREADS, call)
        except ServiceError as exc:
            self.error, self.busy = exc.message, False
            return
        except Exception as exc:  # the form must come back usable, saying why
            reason = "Нет связи с базой данных" if failures.failed(exc, "log-in") == DATABASE else "Ошибка на сервере"
            self.error, self.busy = f"{reason}: вход не выполнен. Повторите через несколько секунд.", False
            return
        await self._forget_user()  # the tab may still hold the previous user's rows
        self.auth_token = token
        actor = await self._actor()  # each role has its own home page (a citizen is not staff)
        yield rx.redirect(routes.home_for(actor.role if actor else None))

    @rx.event
    async def redirect_if_logged_in(self):
        if (actor := await self._actor()) is not None:
            return rx.redirect(routes.home_for(actor.role))
        try:
            self.demo_loaded = await asyncio.to_thread(_demo_loaded)
        except Exception as exc:  # the form works without the list
            failures.failed(exc, "log-in page")
