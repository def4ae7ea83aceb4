"""One place where the operator commands' failures become one Russian line and an exit code
(issue 11): `__main__.py` wraps every command in `explain`, so no command handles them itself.

Exit codes: 0 done; 1 an unexpected error (a bug: the traceback with --debug); 2 the command was
used wrongly (arguments, files, the database's address); 3 the database cannot be reached or used
(down, full, read-only, not migrated): the same command can be run again once it is fixed;
130 interrupted (Ctrl-C)."""

import errno
import os

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

OK, INTERNAL, USAGE, DATABASE, INTERRUPTED = 0, 1, 2, 3, 130
DETAIL_MAX = 200


class CommandError(Exception):
    """A command refuses its input: `message` is the Russian line shown, `code` the exit code."""

    def __init__(self, message: str, code: int = USAGE):
        super().__init__(message)
        self.message, self.code = message, code


_OS_ERRORS = {errno.ENOENT: "нет такого файла или папки", errno.EACCES: "нет прав доступа",
              errno.EPERM: "операция не разрешена", errno.EROFS: "файловая система только для чтения",
              errno.ENOSPC: "на диске нет места", errno.EISDIR: "это папка, а не файл",
              errno.ENOTDIR: "не папка", errno.ECONNREFUSED: "соединение отклонено"}

# fragments of a driver's message → what it means for the operator
_DATABASE_HINTS = [
    ("readonly database", "база данных открыта только для чтения (проверьте права на файл и его папку)"),
    ("read-only", "база данных только для чтения"),
    ("disk is full", "на диске нет места для базы данных"),
    ("no space left", "на диске нет места для базы данных"),
    ("could not extend file", "на диске нет места для базы данных"),
    ("unable to open database file", "не удаётся открыть файл базы данных (нет папки или прав доступа)"),
    ("file is not a database", "файл не является базой данных SQLite"),
    ("database is locked", "база данных занята другим процессом"),
    ("connection refused", "сервер базы данных не отвечает (соединение отклонено)"),
    ("timeout expired", "сервер базы данных не ответил вовремя"),
    ("timed out", "сервер базы данных не ответил вовремя"),
    ("could not translate host name", "неизвестное имя сервера базы данных"),
    ("name or service not known", "неизвестное имя сервера базы данных"),
    ("password authentication failed", "неверное имя пользователя или пароль базы данных"),
    ("does not exist", "такой базы данных (или таблицы) нет"),
    ("no such table", "в базе нет нужных таблиц: выполните python -m pos_dashboard migrate"),
    ("server closed the connection", "сервер базы данных разорвал соединение"),
    ("terminating connection", "сервер базы данных разорвал соединение"),
    ("consuming input failed", "сервер базы данных разорвал соединение"),
]


def safe_url(url: str) -> str:
    """The database URL without its password, fit to print."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001  (an unparsable URL is shown as the scheme only)
        return url.split("://", 1)[0] + "://…" if "://" in url else "(не адрес)"


def _short(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= DETAIL_MAX else text[:DETAIL_MAX] + "…"


def database_problem(error: BaseException) -> str:
    """What a database error means, in Russian, with the driver's own words (shortened) after it."""
    original = getattr(error, "orig", None) or error
    text = str(original)
    meaning = next((hint for fragment, hint in _DATABASE_HINTS if fragment in text.lower()), None)
    detail = _short(text.splitlines()[0] if text.strip() else type(original).__name__)
    return f"{meaning} ({detail})" if meaning else f"ошибка базы данных: {type(original).__name__}: {detail}"


def explain(error: BaseException, database_url: str) -> tuple[str, int]:
    """(one Russian line, exit code) for a failure that reached the command line."""
    where = safe_url(database_url)
    if isinstance(error, CommandError):
        return error.message, error.code
    if isinstance(error, KeyboardInterrupt):
        return "прервано (Ctrl-C)", INTERRUPTED
    if isinstance(error, (sa_exc.ArgumentError, sa_exc.NoSuchModuleError)):
        return f"неверный адрес базы данных REFLEX_DB_URL={where} ({_short(error)})", USAGE
    if isinstance(error, sa_exc.SQLAlchemyError):
        return f"база данных {where}: {database_problem(error)}", DATABASE
    if _is_alembic_error(error):
        return f"миграции базы данных {where} не применены: {_short(error)}", DATABASE
    if isinstance(error, OSError):
        name = error.filename if error.filename is not None else ""
        meaning = _OS_ERRORS.get(error.errno, error.strerror or type(error).__name__)
        return (f"{os.fspath(name)}: {meaning}" if name != "" else meaning), USAGE
    return f"внутренняя ошибка: {type(error).__name__}: {_short(error)} (подробности: --debug)", INTERNAL


def _is_alembic_error(error: BaseException) -> bool:
    return type(error).__module__.startswith("alembic")
