"""`python -m pos_dashboard notify [--once]`: send the queued e-mail notifications of REFLEX_DB_URL
over the SMTP server of POS_SMTP_* (see settings.py). `--once` sends what is due now and exits;
without it the command keeps going like the app's own loop. Ctrl-C stops cleanly: the message in
hand is recorded, the rest of the batch handed back for the next run."""

import signal
import sys
import threading

from sqlmodel import Session

from ..db import make_engine
from .errors import CommandError
from ..services.dispatcher import dispatch_all
from ..settings import db_url, smtp_settings

PERIOD_S = 5


def add_arguments(parser) -> None:
    parser.add_argument("--once", action="store_true", help="один проход: отправить то, что пора, и выйти")


def run(args) -> int:
    try:
        settings = smtp_settings()
    except ValueError as error:
        raise CommandError(f"настройки e-mail: {error}") from None
    if not settings.enabled:
        print("Отправка e-mail выключена: задайте POS_SMTP_HOST (уведомления остаются в очереди)", file=sys.stderr)
        return 2
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    engine = make_engine(db_url())
    try:
        while True:
            with Session(engine, expire_on_commit=False) as session:
                result = dispatch_all(session, settings, stop=stop)
            print(f"отправлено {result.sent}, отложено {result.retried}, не доставлено {result.failed}", flush=True)
            if args.once or stop.wait(PERIOD_S):
                return 0
    finally:
        engine.dispose()
