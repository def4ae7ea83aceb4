"""Partial index of the open appeals by deadline, for the live queue's first page

The queue's default view is the open appeals (a few per cent of a region's history) due soonest
first. PostgreSQL walked `ix_appeal_deadline_at` past every closed appeal (about 1 s at 1M) and
SQLite sorted every open appeal; `ix_appeal_open_deadline` holds only the open ones, in the order
the page reads them. Both backends support partial indexes; the predicate is the queue's own
condition (domain/enums.OPEN_STATUS_SQL), written identically so that SQLite recognises it. The
index is analysed at once: SQLite's planner ignores it without statistics.

Revision ID: a7d3c9e1b2f4
Revises: 5c9e2f7a1d38
Create Date: 2026-12-03 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a7d3c9e1b2f4"
down_revision: str | None = "5c9e2f7a1d38"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here (not imported): a revision must build the same index whatever the code becomes.
OPEN_STATUS_SQL = ("status IN ('answer_review', 'clarification', 'control', 'coordination', 'in_work', "
                   "'interim_answer', 'moderation')")


def upgrade() -> None:
    op.create_index("ix_appeal_open_deadline", "appeal", ["deadline_at", "id"], unique=False,
                    sqlite_where=sa.text(OPEN_STATUS_SQL), postgresql_where=sa.text(OPEN_STATUS_SQL))
    op.execute("ANALYZE appeal")


def downgrade() -> None:
    op.drop_index("ix_appeal_open_deadline", table_name="appeal")
