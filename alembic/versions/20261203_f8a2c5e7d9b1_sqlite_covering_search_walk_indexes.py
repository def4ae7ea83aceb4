"""SQLite: covering indexes for the walks of a common word's search, by deadline, of every appeal and
of the open appeals (with the lemmas and the folded address)

A common word («подъезд») is tested on the rows the queue walks in deadline order; at the start of
that order (the oldest deadlines) it occurs in about one appeal in a hundred, so the first page of
«all statuses» read some 6,000 rows from the table (a B-tree look-up each, 15–25 ms at 1M), and a
count of open overdue appeals read every one of them. These indexes hold what the walk tests
(status, top category and territory, organisation, lemmas, folded address) beside the order, so the
walk reads the index alone. SQLite only: a PostgreSQL B-tree entry may not exceed a third of a page,
and a long text's lemmas would (PostgreSQL tests the stored tsvector instead). They live only in the
migrations, like the search tables; the drift check skips `*_covering`.

Revision ID: f8a2c5e7d9b1
Revises: e6c1a4f8b2d7
Create Date: 2026-12-03 10:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "f8a2c5e7d9b1"
down_revision: str | None = "e6c1a4f8b2d7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_STATUS_SQL = ("status IN ('answer_review', 'clarification', 'control', 'coordination', 'in_work', "
                   "'interim_answer', 'moderation')")
COLUMNS = "deadline_at, id, status, top_category_id, top_territory_id, organization_id, search_words, search_address"


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(f"CREATE INDEX ix_appeal_deadline_covering ON appeal ({COLUMNS})")
    op.execute(f"CREATE INDEX ix_appeal_open_covering ON appeal ({COLUMNS}) WHERE {OPEN_STATUS_SQL}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP INDEX IF EXISTS ix_appeal_open_covering")
    op.execute("DROP INDEX IF EXISTS ix_appeal_deadline_covering")
