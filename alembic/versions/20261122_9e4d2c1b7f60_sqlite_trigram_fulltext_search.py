"""Trigram full-text index for the queue's text search on SQLite (appeal text and address)

An FTS5 table with the trigram tokenizer answers substring queries, case-insensitively for
Cyrillic too, without scanning every appeal. It is an external-content index of `appeal`, kept
current by triggers. PostgreSQL uses pg_trgm instead (previous revision). The drift check skips
these objects: their names start with `appeal_fts`.

Revision ID: 9e4d2c1b7f60
Revises: 5b1c0f7e2a93
Create Date: 2026-11-22 04:15:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "9e4d2c1b7f60"
down_revision: str | None = "5b1c0f7e2a93"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGERS = {
    "appeal_fts_after_insert": """CREATE TRIGGER appeal_fts_after_insert AFTER INSERT ON appeal BEGIN
        INSERT INTO appeal_fts(rowid, text, address) VALUES (new.id, new.text, new.address); END""",
    "appeal_fts_after_delete": """CREATE TRIGGER appeal_fts_after_delete AFTER DELETE ON appeal BEGIN
        INSERT INTO appeal_fts(appeal_fts, rowid, text, address) VALUES ('delete', old.id, old.text, old.address); END""",
    "appeal_fts_after_update": """CREATE TRIGGER appeal_fts_after_update AFTER UPDATE OF text, address ON appeal BEGIN
        INSERT INTO appeal_fts(appeal_fts, rowid, text, address) VALUES ('delete', old.id, old.text, old.address);
        INSERT INTO appeal_fts(rowid, text, address) VALUES (new.id, new.text, new.address); END""",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("CREATE VIRTUAL TABLE appeal_fts USING fts5(text, address, content='appeal', content_rowid='id', "
               "tokenize='trigram')")
    for definition in TRIGGERS.values():
        op.execute(definition)
    op.execute("INSERT INTO appeal_fts(appeal_fts) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS appeal_fts")
