"""`python -m pos_dashboard migrate`: apply the Alembic migrations to REFLEX_DB_URL."""

from alembic.migration import MigrationContext

from .. import migrations
from ..db import get_engine, refresh_statistics
from ..settings import db_url


def add_arguments(parser) -> None:
    parser.add_argument("--revision", default="head", help="целевая ревизия (по умолчанию head)")


def run(args) -> int:
    engine = get_engine()
    before = _revision(engine)
    migrations.upgrade(revision=args.revision)
    if _revision(engine) != before:  # a backfill may have rewritten big tables; autovacuum may be off
        refresh_statistics(engine, ["appeal", "queuetally", "queueversion"])
    print(f"База данных обновлена до ревизии {args.revision}: {_safe(db_url())}")
    return 0


def _revision(engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _safe(url: str) -> str:
    """The URL without its password, fit to print."""
    from sqlalchemy.engine import make_url
    return make_url(url).render_as_string(hide_password=True)
