"""PostgreSQL: the word indexes hold the deadline too, so that a common word's matches due before a
moment are read from the index, not tested row by row

A common word's overdue and at-risk counts tested each open appeal due before the horizon for the
word (7.5k rows at 5M, 12–14 ms), and its page of all statuses by deadline walked the region's
deadline order testing each row (13.5k rows for 50 matches of «подъезд» at 5M, 14 ms: the word is
rare among the oldest deadlines). A GIN index of (search_vector, deadline_at) answers «these words
and a deadline in this range» in one index scan (btree_gin's operator class for the timestamp):
1.2 ms for the overdue count, 3.3 ms for the matches among the first 20k appeals by deadline. The
GIN indexes of the lemmas, of every appeal and of the open ones, are replaced by such indexes of
both columns (9 % larger at 5M); a search of the words alone reads them as before.

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
# new name: (old name, only the open appeals); the names end in _fts (migrations.include_object)
INDEXES = {
    "ix_appeal_vector_deadline_fts": ("ix_appeal_search_vector_fts", False),
    "ix_appeal_open_vector_deadline_fts": ("ix_appeal_open_vector_fts", True),
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")  # trusted (PostgreSQL 13+): a database owner may
    for name, (old, open_only) in INDEXES.items():
        where = f" WHERE {OPEN_STATUS_SQL}" if open_only else ""
        op.execute(f"CREATE INDEX {name} ON appeal USING gin (search_vector, deadline_at){where}")
        op.execute(f"DROP INDEX IF EXISTS {old}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, (old, open_only) in INDEXES.items():
        where = f" WHERE {OPEN_STATUS_SQL}" if open_only else ""
        op.execute(f"CREATE INDEX {old} ON appeal USING gin (search_vector){where}")
        op.execute(f"DROP INDEX IF EXISTS {name}")
