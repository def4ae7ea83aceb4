"""Migration drift: the committed Alembic revisions build exactly the schema the models declare,
on SQLite and on PostgreSQL, and they can be rolled back."""

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from pos_dashboard.db import make_engine
from pos_dashboard.migrations import alembic_config, drop_everything, include_object

from .conftest import database_url_for_tests


@pytest.fixture()
def migrated(tmp_path_factory):
    """An empty database brought to head by the migrations: (alembic config, engine)."""
    url = database_url_for_tests(tmp_path_factory)
    engine = make_engine(url)
    drop_everything(engine)
    config = alembic_config(url)
    command.upgrade(config, "head")
    yield config, engine
    drop_everything(engine)
    engine.dispose()


def _drift(engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": include_object})
        return compare_metadata(context, SQLModel.metadata)


def test_migrations_match_the_models(migrated):
    _config, engine = migrated
    assert _drift(engine) == []
    assert set(SQLModel.metadata.tables) <= set(inspect(engine).get_table_names())


def test_text_search_structures_exist_for_each_backend(migrated):
    _config, engine = migrated
    inspector = inspect(engine)
    trigram = {index["name"] for index in inspector.get_indexes("appeal") if index["name"].endswith("_trgm")}
    words = {index["name"] for index in inspector.get_indexes("appeal") if index["name"].endswith("_fts")}
    if engine.dialect.name == "postgresql":
        assert trigram == {"ix_appeal_text_trgm", "ix_appeal_search_address_trgm", "ix_appeal_open_address_deadline_trgm"}
        assert words == {"ix_appeal_vector_deadline_fts", "ix_appeal_open_vector_deadline_fts", "ix_appeal_word_weeks_fts",
                         "ix_appeal_few_settled_vector_fts", "ix_appeal_few_settled_word_weeks_fts"}
    else:
        assert not trigram and not words
        assert {"appeal_fts", "appeal_fts_words", "appeal_fts_open_words", "appeal_fts_open_address",
                "appeal_fts_few_settled_words", "appeal_fts_word_weeks"} <= set(inspector.get_table_names())
        with engine.connect() as conn:
            covering = set(conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index'").scalars())
        assert {"ix_appeal_deadline_covering", "ix_appeal_open_covering"} <= covering


def test_migrations_roll_back_and_forward(migrated):
    config, engine = migrated
    command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    command.upgrade(config, "head")
    assert _drift(engine) == []
