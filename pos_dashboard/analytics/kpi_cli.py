"""`python -m pos_dashboard kpi`: the KPIs of the database REFLEX_DB_URL, one row per group plus
the total row, as CSV or JSON on stdout. No web framework is loaded."""

import argparse
import json
import sys
from datetime import date, datetime, time

from ..cli.errors import CommandError
from ..db import make_engine
from ..settings import db_url, region_tz
from .kpi import GROUPINGS, compute_kpis

FLOAT_DIGITS = 4


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--group-by", choices=GROUPINGS, default=None,
                        help="территория (верхний уровень), организация или категория (верхний уровень)")
    parser.add_argument("--format", choices=("csv", "json"), default="csv")
    parser.add_argument("--since", type=moment, default=None,
                        help="созданные не раньше (дата или дата-время; без зоны — время региона)")
    parser.add_argument("--until", type=moment, default=None, help="созданные раньше (не включая)")
    parser.add_argument("--now", type=moment, default=None,
                        help="момент для «просрочено сейчас» и «под угрозой» (по умолчанию — текущий)")
    parser.add_argument("--fast", action="store_true",
                        help="из сводных таблиц (те же счётчики, процентили в пределах 0,5 %%); "
                             "по умолчанию — точный расчёт по обращениям")


def moment(text: str) -> datetime:
    """An ISO date (its start) or date-time; without a zone it is the region's local time."""
    try:
        value = datetime.fromisoformat(text) if "T" in text or " " in text.strip() else \
            datetime.combine(date.fromisoformat(text), time(0))
    except ValueError:
        raise argparse.ArgumentTypeError(f"не дата: {text!r} (ожидается ГГГГ-ММ-ДД или ГГГГ-ММ-ДДTЧЧ:ММ)") from None
    return value if value.tzinfo else value.replace(tzinfo=region_tz())


def run(args: argparse.Namespace) -> int:
    if args.since is not None and args.until is not None and args.until <= args.since:
        raise CommandError(f"--until ({args.until.isoformat()}) должно быть позже --since ({args.since.isoformat()})")
    engine = make_engine(db_url())
    try:
        table = compute_kpis(engine, group_by=args.group_by, since=args.since, until=args.until, now=args.now,
                             exact=not args.fast)
    finally:
        engine.dispose()
    table.insert(0, "group_by", args.group_by or "")
    floats = table.select_dtypes("float").columns
    table[floats] = table[floats].round(FLOAT_DIGITS)
    if args.format == "csv":
        table.to_csv(sys.stdout, index=False)
    else:
        records = json.loads(table.to_json(orient="records", force_ascii=False))
        json.dump(records, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    return 0
