"""What a user sees when a handler fails for a reason that is not a refusal (ServiceError is
handled by the handlers themselves): a Russian toast saying the action did not happen, and a
rate-limited log line instead of Reflex's English toast and a traceback per event."""

import reflex as rx
from reflex.event import EventSpec

from ..outage import DATABASE, failures

DATABASE_TITLE = "Нет связи с базой данных"
DATABASE_TEXT = "Действие не выполнено. Повторите его через несколько секунд."
SERVER_TITLE = "Ошибка на сервере"
SERVER_TEXT = "Действие не выполнено. Повторите попытку; если ошибка повторится, сообщите администратору."


def backend_exception_handler(exception: Exception) -> EventSpec:
    kind = failures.failed(exception, "event handler")
    title, text = (DATABASE_TITLE, DATABASE_TEXT) if kind == DATABASE else (SERVER_TITLE, SERVER_TEXT)
    return rx.toast.error(title, description=text, id="backend_error", position="top-center",
                          duration=10_000, close_button=True)
