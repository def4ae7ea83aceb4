"""SQLite: the lemmas of the answered, rejected and withdrawn appeals in an FTS5 table of their own,
so that a search under one of those statuses reads its matches among them alone

The SQLite counterpart of revision c4e7a2f9d1b6. Under «Отклонено» two words the term counts cannot
bound there («крыша течет») were counted by reading their matches among all appeals from
`appeal_fts_words` (9,106 at 1M, each joined to its appeal to test the status: 14 ms), and the page
walked the status's 76k rows for its 50 (10 ms). `appeal_fts_few_settled_words` holds the lemmas of
the appeals of those statuses only (9 % at 1M), kept by triggers as an appeal is written, changes
status or is removed, like the open appeals' tables of revision e6c1a4f8b2d7
(`migrations.rebuild_sqlite_search` refills it after a bulk load); analytics/fts_counts reads the
matches from it (`IndexedSearch.status_reads`).

The condition lists domain/enums.FEW_SETTLED_VALUES.

Revision ID: a9d3f6b1c8e4
Revises: c4e7a2f9d1b6
Create Date: 2026-12-05 11:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "a9d3f6b1c8e4"
down_revision: str | None = "c4e7a2f9d1b6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FEW_SETTLED_SQL = "status IN ('answered', 'rejected', 'withdrawn')"
TABLE = "appeal_fts_few_settled_words"
_OF = {row: FEW_SETTLED_SQL.replace("status", f"{row}.status") for row in ("new", "old")}


def _insert(row: str) -> str:
    return f"INSERT INTO {TABLE}(rowid, search_words) SELECT {row}.id, {row}.search_words WHERE {_OF[row]}; "


def _delete(row: str) -> str:
    return (f"INSERT INTO {TABLE}({TABLE}, rowid, search_words) SELECT 'delete', {row}.id, {row}.search_words "
            f"WHERE {_OF[row]}; ")


TRIGGERS = {
    "appeal_fts_few_settled_after_insert": "CREATE TRIGGER appeal_fts_few_settled_after_insert AFTER INSERT ON "
                                           f"appeal BEGIN {_insert('new')}END",
    "appeal_fts_few_settled_after_delete": "CREATE TRIGGER appeal_fts_few_settled_after_delete AFTER DELETE ON "
                                           f"appeal BEGIN {_delete('old')}END",
    "appeal_fts_few_settled_after_update": "CREATE TRIGGER appeal_fts_few_settled_after_update AFTER UPDATE OF "
                                           f"status, search_words ON appeal BEGIN {_delete('old')}{_insert('new')}END",
}


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"CREATE VIRTUAL TABLE {TABLE} USING fts5(search_words, content='appeal', content_rowid='id', "
                   "tokenize='unicode61')")
        op.execute(f"INSERT INTO {TABLE}(rowid, search_words) SELECT id, search_words FROM appeal "
                   f"WHERE {FEW_SETTLED_SQL}")
        for definition in TRIGGERS.values():
            op.execute(definition)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(f"DROP TABLE IF EXISTS {TABLE}")
