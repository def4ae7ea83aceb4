"""Text search reads ё as е: the search structures index the appeal text and address with ё folded to е

The queue folds the query the same way, so «елка» finds «ёлка» and «ёлка» finds «елка».
PostgreSQL: the trigram indexes (same names) cover the folded expression the queue queries.
SQLite: the FTS5 trigram table becomes contentless (it holds only the folded text; the appeal table
keeps the original), its triggers insert and delete folded values, and it is filled from the appeal
table (`pos_dashboard.migrations.rebuild_sqlite_search` does the same after bulk loads). Trigrams
know no word boundaries: «елка» also finds «поселка».

Revision ID: 7bbc4658b933
Revises: 4c8e2a6f1d3b
Create Date: 2026-12-02 10:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "7bbc4658b933"
down_revision: str | None = "4c8e2a6f1d3b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fold(expr: str) -> str:
    # Must stay the expression analytics/queue.py queries (`_folded`).
    return f"replace(replace({expr}, 'ё', 'е'), 'Ё', 'Е')"


_PG_INDEXES = ("ix_appeal_text_trgm", "text"), ("ix_appeal_address_trgm", "address")

_FOLDED_TRIGGERS = {
    "appeal_fts_after_insert": f"""CREATE TRIGGER appeal_fts_after_insert AFTER INSERT ON appeal BEGIN
        INSERT INTO appeal_fts(rowid, text, address) VALUES (new.id, {_fold('new.text')}, {_fold('new.address')});
        END""",
    "appeal_fts_after_delete": f"""CREATE TRIGGER appeal_fts_after_delete AFTER DELETE ON appeal BEGIN
        INSERT INTO appeal_fts(appeal_fts, rowid, text, address)
        VALUES ('delete', old.id, {_fold('old.text')}, {_fold('old.address')}); END""",
    "appeal_fts_after_update": f"""CREATE TRIGGER appeal_fts_after_update AFTER UPDATE OF text, address ON appeal
        BEGIN
        INSERT INTO appeal_fts(appeal_fts, rowid, text, address)
        VALUES ('delete', old.id, {_fold('old.text')}, {_fold('old.address')});
        INSERT INTO appeal_fts(rowid, text, address) VALUES (new.id, {_fold('new.text')}, {_fold('new.address')});
        END""",
}

# The previous revision's definitions, for the downgrade.
_PLAIN_TRIGGERS = {
    "appeal_fts_after_insert": """CREATE TRIGGER appeal_fts_after_insert AFTER INSERT ON appeal BEGIN
        INSERT INTO appeal_fts(rowid, text, address) VALUES (new.id, new.text, new.address); END""",
    "appeal_fts_after_delete": """CREATE TRIGGER appeal_fts_after_delete AFTER DELETE ON appeal BEGIN
        INSERT INTO appeal_fts(appeal_fts, rowid, text, address) VALUES ('delete', old.id, old.text, old.address); END""",
    "appeal_fts_after_update": """CREATE TRIGGER appeal_fts_after_update AFTER UPDATE OF text, address ON appeal BEGIN
        INSERT INTO appeal_fts(appeal_fts, rowid, text, address) VALUES ('delete', old.id, old.text, old.address);
        INSERT INTO appeal_fts(rowid, text, address) VALUES (new.id, new.text, new.address); END""",
}


def _drop_sqlite_fts() -> None:
    for name in _FOLDED_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS appeal_fts")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for name, column in _PG_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
            op.execute(f"CREATE INDEX {name} ON appeal USING gin (({_fold(column)}) gin_trgm_ops)")
    elif dialect == "sqlite":
        _drop_sqlite_fts()
        op.execute("CREATE VIRTUAL TABLE appeal_fts USING fts5(text, address, content='', tokenize='trigram')")
        for definition in _FOLDED_TRIGGERS.values():
            op.execute(definition)
        op.execute(f"INSERT INTO appeal_fts(rowid, text, address) SELECT id, {_fold('text')}, {_fold('address')} "
                   "FROM appeal")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for name, column in _PG_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
            op.execute(f"CREATE INDEX {name} ON appeal USING gin ({column} gin_trgm_ops)")
    elif dialect == "sqlite":
        _drop_sqlite_fts()
        op.execute("CREATE VIRTUAL TABLE appeal_fts USING fts5(text, address, content='appeal', content_rowid='id', "
                   "tokenize='trigram')")
        for definition in _PLAIN_TRIGGERS.values():
            op.execute(definition)
        op.execute("INSERT INTO appeal_fts(appeal_fts) VALUES ('rebuild')")
