"""`python -m pos_dashboard attachments-sweep`: delete stored files that have no row, left by a
process killed between placing a file and committing its row (services.attachment_sweep); the
app's timers do it hourly."""

from sqlalchemy import func
from sqlmodel import Session, select

from ..db import make_engine
from ..domain.attachments import Attachment
from ..services.attachment_sweep import GRACE_S, sweep_orphans
from ..settings import db_url
from .errors import CommandError


def add_arguments(parser) -> None:
    parser.add_argument("--grace", type=int, default=GRACE_S,
                        help=f"не трогать файлы моложе стольких секунд (по умолчанию {GRACE_S})")


def run(args) -> int:
    if args.grace < 0:
        raise CommandError("--grace не может быть отрицательным")
    engine = make_engine(db_url())
    try:
        with Session(engine) as session:
            rows = session.exec(select(func.count()).select_from(Attachment)).one()
            swept = sweep_orphans(session, grace_s=args.grace)
    finally:
        engine.dispose()
    print(f"Вложений в базе: {rows:,}. Незавершённых записей файлов старше {args.grace} с: {swept.journals:,}; "
          f"удалено файлов без записи в базе: {swept.removed:,}")
    return 0
