"""What a user sees when a handler fails for a reason that is not a refusal (ServiceError is
handled by the handlers themselves): a Russian toast saying the action did not happen, and a
rate-limited log line instead of Reflex's English toast and a traceback per event. When the
session store (Redis) is gone no handler can run at all: the page hides its values behind a
Russian notice and reconnects by itself once the store is back (assets/session_store_outage.js)."""

import reflex as rx
from reflex.event import EventSpec

from ..outage import DATABASE, SESSION_STORE, failures

DATABASE_TITLE = "Нет связи с базой данных"
DATABASE_TEXT = "Действие не выполнено. Повторите его через несколько секунд."
SERVER_TITLE = "Ошибка на сервере"
SERVER_TEXT = "Действие не выполнено. Повторите попытку; если ошибка повторится, сообщите администратору."
# `socket` is the page's live connection in the scope where Reflex evaluates the script.
SESSION_STORE_DOWN = "window.posSessionStoreDown && window.posSessionStoreDown(typeof socket === 'undefined' ? null : socket)"


def backend_exception_handler(exception: Exception) -> EventSpec:
    kind = failures.failed(exception, "event handler")
    if kind == SESSION_STORE:
        return rx.call_script(SESSION_STORE_DOWN)
    title, text = (DATABASE_TITLE, DATABASE_TEXT) if kind == DATABASE else (SERVER_TITLE, SERVER_TEXT)
    return rx.toast.error(title, description=text, id="backend_error", position="top-center",
                          duration=10_000, close_button=True)
