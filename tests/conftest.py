"""Shared fixtures: a real database session on SQLite, or on PostgreSQL when
POS_TEST_DATABASE_URL is set (the same suite runs against both)."""

import os

import pytest
from sqlmodel import Session, SQLModel

import pos_dashboard.domain  # noqa: F401  (registers every table)
from pos_dashboard.analytics import deadline_range
from pos_dashboard.db import make_engine
from pos_dashboard.migrations import drop_everything, upgrade

SPB_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "spb_our_city")


@pytest.fixture(scope="session", autouse=True)
def attachments_outside_the_tree(tmp_path_factory):
    """Files the tests attach (and the demo's photos) go to a temporary folder, never ./attachments."""
    if not os.environ.get("POS_ATTACHMENTS_DIR"):
        os.environ["POS_ATTACHMENTS_DIR"] = str(tmp_path_factory.mktemp("attachments"))
    yield


@pytest.fixture(autouse=True)
def no_learnt_page_ends():
    """Each test builds its own region in the same database: no range end learnt from another's."""
    deadline_range.forget_learnt()
    yield


def database_url_for_tests(tmp_path_factory) -> str:
    url = os.environ.get("POS_TEST_DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")


@pytest.fixture()
def engine(tmp_path_factory):
    engine = make_engine(database_url_for_tests(tmp_path_factory))
    SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)
    yield engine
    SQLModel.metadata.drop_all(engine)
    engine.dispose()


@pytest.fixture()
def session(engine):
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture()
def migrated(tmp_path_factory):
    """(engine, session) of an empty database brought to head by the migrations: the search tables
    and indexes of the backend (FTS5 on SQLite, GIN and pg_trgm on PostgreSQL) are there."""
    url = database_url_for_tests(tmp_path_factory)
    engine = make_engine(url)
    drop_everything(engine)
    upgrade(url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            yield engine, session
    finally:
        drop_everything(engine)
        engine.dispose()
