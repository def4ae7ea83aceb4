"""Russian word search: the lemmas of every appeal's text, and their full-text indexes

`appeal.search_words` holds the distinct dictionary forms of the text's words (pymorphy3, ё read
as е; `domain/search_words.document_words`), written by every service that creates an appeal, by the
demo loader and by the importer. The queue matches the query's lemmas against them, so «снег» finds
«снегом» and «елка» no longer finds «тарелка». SQLite: an FTS5 table of the column (`appeal_fts_words`,
kept by triggers; the drift check skips `appeal_fts*`). PostgreSQL: a GIN index of
to_tsvector('simple', search_words) (the lemmas are made in Python, so the 'simple' configuration;
the drift check skips `*_fts` indexes). Existing appeals are filled here, in batches.

Revision ID: e4b8d1a6f2c3
Revises: c7a2e5d9f041
Create Date: 2026-12-02 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from pos_dashboard.domain.search_words import document_words

revision: str = "e4b8d1a6f2c3"
down_revision: str | None = "c7a2e5d9f041"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5_000
TRIGGERS = {
    "appeal_fts_words_after_insert": """CREATE TRIGGER appeal_fts_words_after_insert AFTER INSERT ON appeal BEGIN
        INSERT INTO appeal_fts_words(rowid, search_words) VALUES (new.id, new.search_words); END""",
    "appeal_fts_words_after_delete": """CREATE TRIGGER appeal_fts_words_after_delete AFTER DELETE ON appeal BEGIN
        INSERT INTO appeal_fts_words(appeal_fts_words, rowid, search_words)
        VALUES ('delete', old.id, old.search_words); END""",
    "appeal_fts_words_after_update": """CREATE TRIGGER appeal_fts_words_after_update
        AFTER UPDATE OF search_words ON appeal BEGIN
        INSERT INTO appeal_fts_words(appeal_fts_words, rowid, search_words)
        VALUES ('delete', old.id, old.search_words);
        INSERT INTO appeal_fts_words(rowid, search_words) VALUES (new.id, new.search_words); END""",
}
PG_INDEX = "CREATE INDEX IF NOT EXISTS ix_appeal_search_words_fts ON appeal USING gin (to_tsvector('simple', search_words))"


def upgrade() -> None:
    op.add_column("appeal", sa.Column("search_words", sa.Text(), server_default="", nullable=False))
    _fill(op.get_bind())
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE appeal_fts_words USING fts5(search_words, content='appeal', "
                   "content_rowid='id', tokenize='unicode61')")
        for definition in TRIGGERS.values():
            op.execute(definition)
        op.execute("INSERT INTO appeal_fts_words(appeal_fts_words) VALUES ('rebuild')")
    elif op.get_bind().dialect.name == "postgresql":
        op.execute(PG_INDEX)


def _fill(conn) -> None:
    """PostgreSQL rewrites a whole row (and every index entry of it) per UPDATE: the lemmas go to a
    temporary table first and into the appeals with one UPDATE … FROM. SQLite updates in place."""
    postgres = conn.dialect.name == "postgresql"
    if postgres:
        conn.execute(sa.text("CREATE TEMPORARY TABLE appeal_words_fill (id integer PRIMARY KEY, words text) "
                             "ON COMMIT DROP"))
    statement = sa.text("INSERT INTO appeal_words_fill (id, words) VALUES (:id, :words)" if postgres else
                        "UPDATE appeal SET search_words = :words WHERE id = :id")
    last = 0
    while True:
        rows = conn.execute(sa.text("SELECT id, text FROM appeal WHERE id > :last ORDER BY id LIMIT :n"),
                            {"last": last, "n": BATCH}).all()
        if not rows:
            break
        conn.execute(statement, [{"id": appeal_id, "words": document_words(text)} for appeal_id, text in rows])
        last = rows[-1][0]
    if postgres:
        conn.execute(sa.text("UPDATE appeal SET search_words = f.words FROM appeal_words_fill f WHERE appeal.id = f.id"))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS appeal_fts_words")
    elif op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_appeal_search_words_fts")
    op.drop_column("appeal", "search_words")
