"""Imported history stays as its source left it; adoption starts the platform's clocks

`appeal.source_history` marks an appeal imported as history: the timers and the workflow never
act on it. `appeal.adopted_at` is set when an import hands appeals over to the platform
(`import-spb --adopt`): the timers count from that moment, never from the source's old dates.
Appeals that exist already are the platform's own (false / null).

Revision ID: 3f1a9c2d7e45
Revises: 0709afeacaae
Create Date: 2026-12-02 14:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "3f1a9c2d7e45"
down_revision: str | None = "0709afeacaae"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("appeal", sa.Column("source_history", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("appeal", sa.Column("adopted_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite ≥ 3.35): batch mode would rebuild the table and lose its triggers.
    op.drop_column("appeal", "adopted_at")
    op.drop_column("appeal", "source_history")
