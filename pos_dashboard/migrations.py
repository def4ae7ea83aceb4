"""Run Alembic migrations from Python (the command line tools use this; the tests check that the
revisions match the models). Nothing here runs on import."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

import pos_dashboard.domain  # noqa: F401  (registers every table)
from pos_dashboard.domain.enums import FEW_SETTLED_SQL, OPEN_STATUS_SQL

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(url: str | None = None) -> Config:
    config = Config(str(ROOT / "alembic" / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    config.attributes["configure_logger"] = False
    if url:
        config.attributes["url"] = url
    return config


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Search structures made only by migrations are not in the models, so autogenerate and the
    drift check leave them out: PostgreSQL trigram and word indexes (`*_trgm`, `*_fts`), SQLite's
    covering indexes of the search's walks (`*_covering`), PostgreSQL's deadline orders of a top
    node (`*_walk`), PostgreSQL's generated `appeal.search_vector`, and SQLite's FTS5 tables
    (`appeal_fts`, `appeal_fts_words` and their shadow tables)."""
    if name is None:
        return True
    if type_ == "column" and name == "search_vector":
        return False
    if type_ == "index" and name.endswith(("_trgm", "_fts", "_covering", "_walk")):
        return False
    return not (type_ == "table" and name.startswith("appeal_fts"))


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Bring the database at `url` (default: REFLEX_DB_URL) up to `revision`."""
    command.upgrade(alembic_config(url), revision)


_FOLD_SQL = "replace(replace({}, 'ё', 'е'), 'Ё', 'Е')"  # as in analytics/queue.py and the migrations
# The lemmas each followed by «@week» of the deadline, as the triggers of revision d7b2e5a9f3c1 write them.
_WEEK_SQL = "(CAST(strftime('%s', deadline_at) AS INTEGER) / 604800)"
_WORD_WEEKS_SQL = f"replace(search_words, ' ', '@' || {_WEEK_SQL} || ' ') || '@' || {_WEEK_SQL}"


def rebuild_sqlite_search(conn: Connection) -> None:
    """Refill SQLite's contentless FTS5 table from the appeals, ё folded to е as its triggers do, and
    the FTS5 tables of the lemmas, of the open appeals, of the answered, rejected and withdrawn
    ones, and of the lemmas by week of deadline (after a bulk load that ran without the triggers)."""
    conn.execute(text("INSERT INTO appeal_fts(appeal_fts) VALUES ('delete-all')"))
    conn.execute(text(f"INSERT INTO appeal_fts(rowid, text, address) SELECT id, {_FOLD_SQL.format('text')}, "
                      f"{_FOLD_SQL.format('address')} FROM appeal"))
    if conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'appeal_fts_words'")).first():
        conn.execute(text("INSERT INTO appeal_fts_words(appeal_fts_words) VALUES ('rebuild')"))
    for table, column, condition in (("appeal_fts_open_words", "search_words", OPEN_STATUS_SQL),
                                     ("appeal_fts_open_address", "search_address", OPEN_STATUS_SQL),
                                     ("appeal_fts_few_settled_words", "search_words", FEW_SETTLED_SQL)):
        if conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = :name"), {"name": table}).first():
            conn.execute(text(f"INSERT INTO {table}({table}) VALUES ('delete-all')"))
            conn.execute(text(f"INSERT INTO {table}(rowid, {column}) SELECT id, {column} FROM appeal "
                              f"WHERE {condition}"))
    if conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'appeal_fts_word_weeks'")).first():
        conn.execute(text("INSERT INTO appeal_fts_word_weeks(appeal_fts_word_weeks) VALUES ('delete-all')"))
        conn.execute(text(f"INSERT INTO appeal_fts_word_weeks(rowid, words) SELECT id, {_WORD_WEEKS_SQL} FROM appeal "
                          "WHERE deadline_at IS NOT NULL AND search_words IS NOT NULL AND search_words != ''"))


def drop_everything(engine: Engine) -> None:
    """Remove every table of the application and the migration bookkeeping (demo --reset)."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("DROP TABLE IF EXISTS appeal_fts"))  # its triggers go with the appeal table
            conn.execute(text("DROP TABLE IF EXISTS appeal_fts_words"))
            conn.execute(text("DROP TABLE IF EXISTS appeal_fts_open_words"))
            conn.execute(text("DROP TABLE IF EXISTS appeal_fts_open_address"))
            conn.execute(text("DROP TABLE IF EXISTS appeal_fts_few_settled_words"))
            conn.execute(text("DROP TABLE IF EXISTS appeal_fts_word_weeks"))
    SQLModel.metadata.drop_all(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
