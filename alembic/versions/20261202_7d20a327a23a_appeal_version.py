"""Appeal version counter for atomic transitions

Every change the services make to an appeal moves `version` from the value it was read at to the
next one, in a conditional UPDATE that must touch exactly one row. Two simultaneous actions on
one appeal then cannot both be written, on SQLite (which ignores SELECT … FOR UPDATE) as well as
on PostgreSQL. Existing appeals start at 0.

Revision ID: 7d20a327a23a
Revises: 4c8e2a6f1d3b
Create Date: 2026-12-02 10:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7d20a327a23a"
down_revision: str | None = "4c8e2a6f1d3b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("appeal", sa.Column("version", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite ≥ 3.35): batch mode would rebuild the table and lose the
    # full-text triggers of the previous revision.
    op.drop_column("appeal", "version")
