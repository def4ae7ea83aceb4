"""What a user sees when a handler fails for a reason that is not a refusal (ServiceError is
handled by the handlers themselves): a Russian toast saying the action did not happen, and a
rate-limited log line instead of Reflex's English toast and a traceback per event. An outage of
the database or of the session store (Redis) also puts a notice on the page, which checks every
2 s and reconnects by itself once both answer again (assets/outage.js): a page whose loading
failed is loaded again, without a reload. Without the session store no handler can run at all,
so its notice hides the page's values instead of letting them pass for real ones."""

import reflex as rx
from reflex.event import EventSpec

from ..outage import DATABASE, SESSION_STORE, failures

DATABASE_TITLE = "Нет связи с базой данных"
DATABASE_TEXT = "Действие не выполнено (или данные страницы не загружены). Повторите его, когда связь вернётся."
SERVER_TITLE = "Ошибка на сервере"
SERVER_TEXT = "Действие не выполнено. Повторите попытку; если ошибка повторится, сообщите администратору."


def outage_notice(kind: str) -> EventSpec:
    # `socket` is the page's live connection in the scope where Reflex evaluates the script.
    script = f"window.posOutage && window.posOutage('{kind}', typeof socket === 'undefined' ? null : socket)"
    return rx.call_script(script)


def backend_exception_handler(exception: Exception) -> list[EventSpec]:
    kind = failures.failed(exception, "event handler")
    if kind == SESSION_STORE:
        return [outage_notice("session_store")]
    if kind == DATABASE:
        return [_toast(DATABASE_TITLE, DATABASE_TEXT), outage_notice("database")]
    return [_toast(SERVER_TITLE, SERVER_TEXT)]


def _toast(title: str, text: str) -> EventSpec:
    return rx.toast.error(title, description=text, id="backend_error", position="top-center",
                          duration=10_000, close_button=True)
