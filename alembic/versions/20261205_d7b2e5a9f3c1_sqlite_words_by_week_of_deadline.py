"""SQLite: each appeal's lemmas indexed with the week of its deadline in an FTS5 table, so that a
common search's matches due up to a moment are read from the postings of those weeks alone

The SQLite counterpart of revision f3c8e1a7d5b4. A common search's page of the whole region by
deadline walked the covering index of every appeal in deadline order, testing each entry's lemmas:
«мусор вывозят» meets its 50th match at about the 16,600th appeal by deadline at 1M (13 ms of a
19 ms page). `appeal_fts_word_weeks` holds each lemma as «lemma@week» (whole weeks since 1970 of the
deadline, UTC, as analytics/deadline_range.week_of counts them), so the matches due up to a moment
are the postings of each word's forms in the weeks up to it (analytics/deadline_range). A
contentless table (it holds no text, only the index), kept by triggers as an appeal is written,
changes its lemmas or its deadline, or is removed (a contentless table is told the text it
removes: the triggers compute it again from the old row); `migrations.rebuild_sqlite_search`
refills it after a bulk load. Appeals without a deadline or without lemmas are not in it.

Revision ID: d7b2e5a9f3c1
Revises: a9d3f6b1c8e4
Create Date: 2026-12-05 11:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "d7b2e5a9f3c1"
down_revision: str | None = "a9d3f6b1c8e4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "appeal_fts_word_weeks"
WEEK_SECONDS = 604_800


def document(row: str) -> str:
    """The lemmas of `row` («new», «old», or the table's own columns with "") each followed by «@week».
    migrations.rebuild_sqlite_search writes the same."""
    prefix = f"{row}." if row else ""
    week = f"(CAST(strftime('%s', {prefix}deadline_at) AS INTEGER) / {WEEK_SECONDS})"
    return f"replace({prefix}search_words, ' ', '@' || {week} || ' ') || '@' || {week}"


def indexed(row: str) -> str:
    prefix = f"{row}." if row else ""
    return f"{prefix}deadline_at IS NOT NULL AND {prefix}search_words IS NOT NULL AND {prefix}search_words != ''"


def _insert(row: str) -> str:
    return f"INSERT INTO {TABLE}(rowid, words) SELECT {row}.id, {document(row)} WHERE {indexed(row)}; "


def _delete(row: str) -> str:
    return f"INSERT INTO {TABLE}({TABLE}, rowid, words) SELECT 'delete', {row}.id, {document(row)} WHERE {indexed(row)}; "


TRIGGERS = {
    "appeal_fts_word_weeks_after_insert": "CREATE TRIGGER appeal_fts_word_weeks_after_insert AFTER INSERT ON appeal "
                                          f"BEGIN {_insert('new')}END",
    "appeal_fts_word_weeks_after_delete": "CREATE TRIGGER appeal_fts_word_weeks_after_delete AFTER DELETE ON appeal "
                                          f"BEGIN {_delete('old')}END",
    "appeal_fts_word_weeks_after_update": "CREATE TRIGGER appeal_fts_word_weeks_after_update AFTER UPDATE OF "
                                          f"search_words, deadline_at ON appeal BEGIN {_delete('old')}{_insert('new')}END",
}


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # «@» kept inside a token: «мусор@2873» is one term.
        op.execute(f"CREATE VIRTUAL TABLE {TABLE} USING fts5(words, content='', columnsize=0, detail=none, tokenize=\"unicode61 tokenchars '@'\")")
        op.execute(f"INSERT INTO {TABLE}(rowid, words) SELECT id, {document('')} FROM appeal WHERE {indexed('')}")
        for definition in TRIGGERS.values():
            op.execute(definition)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(f"DROP TABLE IF EXISTS {TABLE}")
