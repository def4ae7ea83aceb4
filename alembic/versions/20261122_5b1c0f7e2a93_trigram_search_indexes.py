"""Trigram indexes for the queue's text search on PostgreSQL (appeal text and address)

Substring search (ILIKE '%слово%') cannot use a b-tree index; pg_trgm's GIN indexes serve it.
SQLite has no such index: there the search scans the table (see README, benchmarks).
These indexes live only in migrations; their names end in `_trgm`, which the drift check skips.

Revision ID: 5b1c0f7e2a93
Revises: d8d7176a5d52
Create Date: 2026-11-22 04:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "5b1c0f7e2a93"
down_revision: str | None = "d8d7176a5d52"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE INDEX IF NOT EXISTS ix_appeal_text_trgm ON appeal USING gin (text gin_trgm_ops)")
    op.execute("CREATE INDEX IF NOT EXISTS ix_appeal_address_trgm ON appeal USING gin (address gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_appeal_address_trgm")
    op.execute("DROP INDEX IF EXISTS ix_appeal_text_trgm")
