"""Migration drift: the committed Alembic revisions build exactly the schema the models declare,
on SQLite and on PostgreSQL, and they can be rolled back."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from pos_dashboard.db import make_engine
from pos_dashboard.migrations import alembic_config, drop_everything, include_object

from .conftest import database_url_for_tests


def _empty_database(url: str):
    engine = make_engine(url)
    drop_everything(engine)
    return engine


def _drift(engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": include_object})
        return compare_metadata(context, SQLModel.metadata)


def test_migrations_match_the_models(tmp_path_factory):
    url = database_url_for_tests(tmp_path_factory)
    engine = _empty_database(url)
    try:
        command.upgrade(alembic_config(url), "head")
        assert _drift(engine) == []
        assert set(SQLModel.metadata.tables) <= set(inspect(engine).get_table_names())
    finally:
        _empty_database(url).dispose()
        engine.dispose()


def test_postgresql_gets_trigram_indexes_for_text_search(tmp_path_factory):
    url = database_url_for_tests(tmp_path_factory)
    engine = _empty_database(url)
    try:
        command.upgrade(alembic_config(url), "head")
        names = {index["name"] for index in inspect(engine).get_indexes("appeal")}
        expected = {"ix_appeal_text_trgm", "ix_appeal_address_trgm"} if engine.dialect.name == "postgresql" else set()
        assert {name for name in names if name.endswith("_trgm")} == expected
    finally:
        _empty_database(url).dispose()
        engine.dispose()


def test_migrations_roll_back_and_forward(tmp_path_factory):
    url = database_url_for_tests(tmp_path_factory)
    engine = _empty_database(url)
    try:
        config = alembic_config(url)
        command.upgrade(config, "head")
        command.downgrade(config, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        command.upgrade(config, "head")
        assert _drift(engine) == []
    finally:
        _empty_database(url).dispose()
        engine.dispose()
