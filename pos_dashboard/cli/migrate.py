"""`python -m pos_dashboard migrate`: apply the Alembic migrations to REFLEX_DB_URL."""

from alembic.migration import MigrationContext
from sqlalchemy import inspect, select

from .. import migrations
from ..db import get_engine, refresh_statistics
from ..domain.kpi_measures import kpi_block
from ..domain.models import Appeal
from ..services import kpi_rollups
from ..settings import db_url


def add_arguments(parser) -> None:
    parser.add_argument("--revision", default="head", help="целевая ревизия (по умолчанию head)")


def run(args) -> int:
    engine = get_engine()
    before = _revision(engine)
    migrations.upgrade(revision=args.revision)
    if _revision(engine) != before:  # a backfill may have rewritten big tables; autovacuum may be off
        refresh_statistics(engine, ["appeal", "queuetally", "queueversion"])
        _fill_empty_rollups(engine)
    print(f"База данных обновлена до ревизии {args.revision}: {_safe(db_url())}")
    return 0


def _fill_empty_rollups(engine) -> None:
    """A revision that changes the shape of the KPI rollups leaves them empty: rebuild them here, so
    that the dashboard never reads empty rollups of a region that has appeals."""
    if "kpi_block" not in inspect(engine).get_table_names():
        return
    with engine.connect() as conn:
        has_appeals = conn.execute(select(Appeal.id).limit(1)).first() is not None
        has_blocks = conn.execute(select(kpi_block.c.organization_id).limit(1)).first() is not None
    if has_appeals and not has_blocks:
        print("Пересчитываем сводные таблицы KPI после обновления схемы…", flush=True)
        with engine.begin() as conn:
            kpi_rollups.rebuild(conn)
        refresh_statistics(engine, ["kpi_fact", "kpi_block"])


def _revision(engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _safe(url: str) -> str:
    """The URL without its password, fit to print."""
    from sqlalchemy.engine import make_url
    return make_url(url).render_as_string(hide_password=True)
