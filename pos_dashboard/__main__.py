"""Command line: `python -m pos_dashboard [--debug] COMMAND …`.

Each command lives in its own module and is imported only when used, so that
`python -m pos_dashboard kpi` never loads the web framework. Every command runs inside one error
wrapper (`cli/errors.py`): a failure is one Russian line on stderr and an exit code (2 wrong use,
3 database unavailable, 1 a bug), never a traceback unless `--debug` is given.
"""

import argparse
import importlib
import logging
import re
import sys

PROG = "python -m pos_dashboard"

# command → (module, help). Each module exposes `add_arguments(parser)` and `run(args) -> int`.
COMMANDS = {
    "migrate": ("pos_dashboard.cli.migrate", "применить миграции Alembic к базе REFLEX_DB_URL"),
    "demo": ("pos_dashboard.demo.cli", "создать демонстрационный регион (детерминированно)"),
    "import-spb": ("pos_dashboard.importers.spb_cli", "импортировать «Наш Санкт-Петербург»"),
    "kpi": ("pos_dashboard.analytics.kpi_cli", "показатели (KPI) по группам в CSV или JSON"),
    "rollups": ("pos_dashboard.cli.rollups", "сводные таблицы KPI: --rebuild пересчитывает их из обращений"),
    "user": ("pos_dashboard.cli.users", "учётные записи операторов: add, passwd, deactivate, list, orgs"),
    "notify": ("pos_dashboard.cli.notify", "отправить уведомления из очереди по e-mail (--once: один проход)"),
    "attachments-sweep": ("pos_dashboard.cli.attachments", "удалить файлы вложений без записи в базе (после сбоя)"),
}

# argparse's own messages (English) → Russian; a message a command gives (ArgumentTypeError) passes as is
_ARGPARSE_MESSAGES = [
    (r"the following arguments are required: (.*)", r"не хватает аргументов: \1"),
    (r"unrecognized arguments: (.*)", r"непонятные аргументы: \1"),
    (r"invalid int value: (.*)", r"не целое число: \1"),
    (r"invalid float value: (.*)", r"не число: \1"),
    (r"invalid choice: (.*?) \(choose from (.*)\)", r"недопустимое значение \1 (допустимы: \2)"),
    (r"expected one argument", r"нужно значение"),
    (r"ambiguous option: (.*)", r"неоднозначный ключ: \1"),
    (r"not allowed with argument (.*)", r"нельзя вместе с \1"),
]


class _Parser(argparse.ArgumentParser):
    """Argument errors as one Russian line (exit code 2), without the usage block."""

    def error(self, message: str):
        for pattern, russian in _ARGPARSE_MESSAGES:
            message = re.sub(pattern, russian, message)
        message = re.sub(r"^argument ([^:]+): ", r"аргумент \1: ", message)
        print(f"{self.prog}: ошибка: {message} (справка: --help)", file=sys.stderr)
        sys.exit(2)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    argv = [arg for arg in argv if arg != "--debug"]
    if debug:
        logging.basicConfig(level=logging.WARNING)
        logging.getLogger("pos_dashboard").setLevel(logging.DEBUG)
    try:
        return _dispatch(argv, debug)
    except (Exception, KeyboardInterrupt) as error:  # noqa: BLE001  (the one place failures are told)
        from pos_dashboard.cli.errors import CommandError, explain
        from pos_dashboard.settings import db_url
        if debug and not isinstance(error, (CommandError, KeyboardInterrupt)):
            raise
        message, code = explain(error, db_url())
        print(f"{PROG}{' ' + argv[0] if argv and argv[0] in COMMANDS else ''}: {message}", file=sys.stderr)
        return code


def _dispatch(argv: list[str], debug: bool) -> int:
    parser = _Parser(prog=PROG)
    parser.add_argument("--debug", action="store_true", help="при ошибке показать трассировку (traceback)")
    sub = parser.add_subparsers(dest="command", required=True)
    modules = {}
    wanted = argv[:1]
    for name, (module_name, help_text) in COMMANDS.items():
        command_parser = sub.add_parser(name, help=help_text)
        if name in wanted:  # only the chosen command's module is imported
            modules[name] = importlib.import_module(module_name)
            modules[name].add_arguments(command_parser)
    args = parser.parse_args(argv)
    args.debug = debug
    return modules[args.command].run(args)


if __name__ == "__main__":
    sys.exit(main())
