"""PostgreSQL: the search indexes hold the deadline too, so that a common word's matches due before a
moment are read from an index, not tested row by row

A common word's overdue and at-risk counts tested each open appeal due before the horizon for the
word (7.5k rows at 5M, 12–14 ms), and its page of all statuses by deadline walked the region's
deadline order testing each row (13.5k rows for 50 matches of «подъезд» at 5M, 14 ms: the word is
rare among the oldest deadlines). A GIN index of (search_vector, deadline_at) answers «these words
and a deadline before this moment» in one index scan (btree_gin's operator class for the
timestamp): 1.2 ms for the overdue count, 3.3 ms for the matches among the first 20k appeals by
deadline. The GIN indexes of the lemmas, of every appeal and of the open ones, are replaced by such
indexes of both columns (9 % larger at 5M), and so is the open appeals' trigram index of the
address (a street's counts: the address's matches due before the moment, beside the words'); a
search of the words or the address alone reads them as before.

Revision ID: a4d8f2b6c9e1
Revises: e2f5a8c1d3b9
Create Date: 2026-12-04 14:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "a4d8f2b6c9e1"
down_revision: str | None = "e2f5a8c1d3b9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_STATUS_SQL = ("status IN ('answer_review', 'clarification', 'control', 'coordination', 'in_work', "
                   "'interim_answer', 'moderation')")
# new name: (old name, indexed column, only the open appeals); the names end in _fts or _trgm
# (migrations.include_object)
INDEXES = {
    "ix_appeal_vector_deadline_fts": ("ix_appeal_search_vector_fts", "search_vector", False),
    "ix_appeal_open_vector_deadline_fts": ("ix_appeal_open_vector_fts", "search_vector", True),
    "ix_appeal_open_address_deadline_trgm": ("ix_appeal_open_address_trgm", "search_address gin_trgm_ops", True),
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")  # trusted (PostgreSQL 13+): a database owner may
    for name, (old, column, open_only) in INDEXES.items():
        where = f" WHERE {OPEN_STATUS_SQL}" if open_only else ""
        op.execute(f"CREATE INDEX {name} ON appeal USING gin ({column}, deadline_at){where}")
        op.execute(f"DROP INDEX IF EXISTS {old}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, (old, column, open_only) in INDEXES.items():
        where = f" WHERE {OPEN_STATUS_SQL}" if open_only else ""
        op.execute(f"CREATE INDEX {old} ON appeal USING gin ({column}){where}")
        op.execute(f"DROP INDEX IF EXISTS {name}")
