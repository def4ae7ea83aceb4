"""Command line: `python -m pos_dashboard COMMAND …`.

Each command lives in its own module and is imported only when used, so that
`python -m pos_dashboard kpi` never loads the web framework.
"""

import argparse
import importlib
import sys

# command → (module, help). Each module exposes `add_arguments(parser)` and `run(args) -> int`.
COMMANDS = {
    "migrate": ("pos_dashboard.cli.migrate", "применить миграции Alembic к базе REFLEX_DB_URL"),
    "demo": ("pos_dashboard.demo.cli", "создать демонстрационный регион (детерминированно)"),
    "import-spb": ("pos_dashboard.importers.spb_cli", "импортировать «Наш Санкт-Петербург»"),
    "kpi": ("pos_dashboard.analytics.kpi_cli", "показатели (KPI) по группам в CSV или JSON"),
    "rollups": ("pos_dashboard.cli.rollups", "сводные таблицы KPI: --rebuild пересчитывает их из обращений"),
    "user": ("pos_dashboard.cli.users", "учётные записи операторов: add, passwd, deactivate, list, orgs"),
    "notify": ("pos_dashboard.cli.notify", "отправить уведомления из очереди по e-mail (--once: один проход)"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pos_dashboard")
    sub = parser.add_subparsers(dest="command", required=True)
    modules = {}
    wanted = (argv if argv is not None else sys.argv[1:])[:1]
    for name, (module_name, help_text) in COMMANDS.items():
        command_parser = sub.add_parser(name, help=help_text)
        if name in wanted:  # only the chosen command's module is imported
            modules[name] = importlib.import_module(module_name)
            modules[name].add_arguments(command_parser)
    args = parser.parse_args(argv)
    return modules[args.command].run(args)


if __name__ == "__main__":
    sys.exit(main())
