"""Alembic environment wired to the project's tables and to REFLEX_DB_URL."""

from logging.config import fileConfig

from alembic import context
from sqlmodel import SQLModel

import pos_dashboard.domain  # noqa: F401  (registers every table)
from pos_dashboard.db import make_engine
from pos_dashboard.domain.types import UTCDateTime
from pos_dashboard.migrations import include_object
from pos_dashboard.settings import db_url

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = SQLModel.metadata


def render_item(type_, obj, autogen_context):
    """Write our UTC timestamp type as a plain timezone-aware DateTime in migrations."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(**kwargs) -> None:
    context.configure(target_metadata=target_metadata, render_item=render_item, render_as_batch=True,
                      compare_type=True, include_object=include_object, **kwargs)


def run_migrations_offline() -> None:
    _configure(url=config.attributes.get("url") or db_url(), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(config.attributes.get("url") or db_url())
    with engine.connect() as connection:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
