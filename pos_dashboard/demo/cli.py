"""`python -m pos_dashboard demo [--appeals N] [--seed S] [--reset] [--now ISO]`: the demo region
in the database named by REFLEX_DB_URL. Without --reset an existing demo region is left alone,
so a start script can call this every time."""

import argparse
import sys
from datetime import datetime, timezone

from .. import migrations
from ..db import get_engine
from ..settings import db_url
from .accounts import DEMO_PASSWORD, demo_accounts
from .generator import DemoOptions, load_demo

MIN_APPEALS = 1_000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--appeals", type=int, default=DemoOptions.appeals,
                        help=f"число обращений (от {MIN_APPEALS:,}; по умолчанию {DemoOptions.appeals:,})")
    parser.add_argument("--seed", type=int, default=DemoOptions.seed, help="зерно генератора (по умолчанию 42)")
    parser.add_argument("--reset", action="store_true", help="удалить все данные и создать регион заново")
    parser.add_argument("--now", type=_moment, default=None,
                        help="момент «сейчас» в ISO 8601 (по умолчанию — начало текущего часа)")


def run(args: argparse.Namespace) -> int:
    if args.appeals < MIN_APPEALS:
        print(f"--appeals: не меньше {MIN_APPEALS:,}", file=sys.stderr)
        return 2
    options = DemoOptions(appeals=args.appeals, seed=args.seed, now=args.now)
    engine = get_engine()
    if args.reset:
        migrations.drop_everything(engine)
    migrations.upgrade()
    result = load_demo(engine, options)
    if result.status == "exists":
        print(f"{result.message} ({_safe_url()}); ничего не изменено. Для пересоздания: --reset")
        return 0
    if result.status != "created":
        print(result.message, file=sys.stderr)
        return 1
    print(f"Демонстрационный регион создан за {result.seconds:.1f} с ({_safe_url()}):")
    for table, count in sorted(result.counts.items()):
        print(f"  {table:<16} {count:>12,}")
    rows = sum(result.counts.values())
    print(f"  {'всего строк':<16} {rows:>12,}  ({rows / result.seconds:,.0f} строк/с)")
    print(f"Учётные записи (пароль у всех: {DEMO_PASSWORD}):")
    for account in demo_accounts():
        print(f"  {account.login:<12} {account.description}")
    return 0


def _moment(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("укажите часовой пояс, например 2025-06-11T10:00:00+00:00")
    return moment.astimezone(timezone.utc)


def _safe_url() -> str:
    url = db_url()
    return url.split("@")[-1] if "@" in url else url
