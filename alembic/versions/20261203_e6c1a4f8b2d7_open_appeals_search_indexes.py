"""Search indexes of the open appeals alone: the lemmas and the folded address of the appeals still in work

The coordinator's queue shows the open appeals (3 % of a region's appeals), and its counts (open,
overdue, at risk, a status) need a word's matches among them, exactly when there are at most the
count cap of them. The indexes of every appeal made that a read of all of a word's matches («Садовая»:
29k at 1M, read with their rows to find the 930 open ones, 50–110 ms); these hold only the open
appeals, so a word's open matches are read alone.

PostgreSQL: partial GIN indexes of `search_vector` and of the trigrams of `search_address`, under
the open condition (domain/enums.OPEN_STATUS_SQL, written identically); the planner uses them for a
query that has that condition or a single open status. SQLite: two FTS5 tables of the open appeals
(`appeal_fts_open_words` of the lemmas, `appeal_fts_open_address` of the trigrams of the folded
address), kept by triggers as an appeal is written, changes status or is removed
(`migrations.rebuild_sqlite_search` refills them after a bulk load).

Revision ID: e6c1a4f8b2d7
Revises: d3b7e9a1f5c8
Create Date: 2026-12-03 10:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "e6c1a4f8b2d7"
down_revision: str | None = "d3b7e9a1f5c8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_STATUS_SQL = ("status IN ('answer_review', 'clarification', 'control', 'coordination', 'in_work', "
                   "'interim_answer', 'moderation')")
_OPEN = {prefix: OPEN_STATUS_SQL.replace("status", f"{prefix}.status") for prefix in ("new", "old")}
_TABLES = {"appeal_fts_open_words": ("search_words", "unicode61"), "appeal_fts_open_address": ("search_address", "trigram")}


def _insert(row: str) -> str:
    return "".join(f"INSERT INTO {table}(rowid, {column}) SELECT {row}.id, {row}.{column} WHERE {_OPEN[row]}; "
                   for table, (column, _tokenizer) in _TABLES.items())


def _delete(row: str) -> str:
    return "".join(f"INSERT INTO {table}({table}, rowid, {column}) SELECT 'delete', {row}.id, {row}.{column} "
                   f"WHERE {_OPEN[row]}; " for table, (column, _tokenizer) in _TABLES.items())


TRIGGERS = {
    "appeal_fts_open_after_insert": f"CREATE TRIGGER appeal_fts_open_after_insert AFTER INSERT ON appeal BEGIN "
                                    f"{_insert('new')}END",
    "appeal_fts_open_after_delete": f"CREATE TRIGGER appeal_fts_open_after_delete AFTER DELETE ON appeal BEGIN "
                                    f"{_delete('old')}END",
    "appeal_fts_open_after_update": f"CREATE TRIGGER appeal_fts_open_after_update AFTER UPDATE OF status, "
                                    f"search_words, search_address ON appeal BEGIN {_delete('old')}{_insert('new')}END",
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(f"CREATE INDEX ix_appeal_open_vector_fts ON appeal USING gin (search_vector) WHERE {OPEN_STATUS_SQL}")
        op.execute("CREATE INDEX ix_appeal_open_address_trgm ON appeal USING gin (search_address gin_trgm_ops) "
                   f"WHERE {OPEN_STATUS_SQL}")
    elif dialect == "sqlite":
        for table, (column, tokenizer) in _TABLES.items():
            op.execute(f"CREATE VIRTUAL TABLE {table} USING fts5({column}, content='appeal', content_rowid='id', "
                       f"tokenize='{tokenizer}')")
            op.execute(f"INSERT INTO {table}(rowid, {column}) SELECT id, {column} FROM appeal WHERE {OPEN_STATUS_SQL}")
        for definition in TRIGGERS.values():
            op.execute(definition)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_appeal_open_address_trgm")
        op.execute("DROP INDEX IF EXISTS ix_appeal_open_vector_fts")
    elif dialect == "sqlite":
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        for table in _TABLES:
            op.execute(f"DROP TABLE IF EXISTS {table}")
