"""`python -m pos_dashboard migrate`: apply the Alembic migrations to REFLEX_DB_URL."""

from .. import migrations
from ..settings import db_url


def add_arguments(parser) -> None:
    parser.add_argument("--revision", default="head", help="целевая ревизия (по умолчанию head)")


def run(args) -> int:
    migrations.upgrade(revision=args.revision)
    print(f"База данных обновлена до ревизии {args.revision}: {_safe(db_url())}")
    return 0


def _safe(url: str) -> str:
    """The URL without its password, fit to print."""
    from sqlalchemy.engine import make_url
    return make_url(url).render_as_string(hide_password=True)
