"""PostgreSQL: the deadline order of each top category and each top territory, of every appeal and of
the open ones, for a common word's page under one of them

A common word's page walks the deadline order testing each row for the word (queue_counts). Under
a top category PostgreSQL walked the deadline order of the whole region and tested the category
too: «подъезд» in «Благоустройство» read 9.8k appeals for a page of 50 of all statuses and 6.5k of
the open ones (10 ms each at 1M). In the node's own deadline order it reads only the node's appeals:
560 and 1.3k. Plain b-tree indexes, (top node, deadline, id), under the open condition for the open
queue (domain/enums.OPEN_STATUS_SQL, written identically). SQLite walks its covering indexes, which
hold the lemmas (revision f8a2c5e7d9b1): nothing is made there.

Revision ID: e2f5a8c1d3b9
Revises: c7e3a9d5b1f2
Create Date: 2026-12-04 13:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "e2f5a8c1d3b9"
down_revision: str | None = "c7e3a9d5b1f2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_STATUS_SQL = ("status IN ('answer_review', 'clarification', 'control', 'coordination', 'in_work', "
                   "'interim_answer', 'moderation')")
# name: (column, only the open appeals); the names end in _walk: made by this migration alone, not in
# the models (migrations.include_object)
INDEXES = {
    "ix_appeal_top_category_deadline_walk": ("top_category_id", False),
    "ix_appeal_top_territory_deadline_walk": ("top_territory_id", False),
    "ix_appeal_open_top_category_deadline_walk": ("top_category_id", True),
    "ix_appeal_open_top_territory_deadline_walk": ("top_territory_id", True),
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, (column, open_only) in INDEXES.items():
        where = f" WHERE {OPEN_STATUS_SQL}" if open_only else ""
        op.execute(f"CREATE INDEX {name} ON appeal ({column}, deadline_at, id){where}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
