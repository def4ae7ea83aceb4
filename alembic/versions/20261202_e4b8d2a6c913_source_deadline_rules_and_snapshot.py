"""deadline rules only where the source states them, and a historical import's «data as of»

`category.deadline_stated` is false for an imported category whose source never states a deadline
(the card shows «не указан в источнике» instead of an invented rule). `sourcesnapshot` keeps the
newest event time of a historical import: overdue and at-risk of its history appeals are judged
at that moment, so a snapshot reads as of its own date.

Revision ID: e4b8d2a6c913
Revises: f1c3a7e9b5d2
Create Date: 2026-12-02 21:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e4b8d2a6c913"
down_revision: str | None = "f1c3a7e9b5d2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("category", sa.Column("deadline_stated", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.create_table(
        "sourcesnapshot",
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("data_as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source"),
    )


def downgrade() -> None:
    op.drop_table("sourcesnapshot")
    op.drop_column("category", "deadline_stated")
