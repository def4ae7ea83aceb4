"""appeal followers: citizens following somebody else's open appeal («уже сообщили»)

`appeal_follower` (appeal, citizen, since; one row per pair) lets a citizen follow an appeal about
the same problem instead of sending a second one; the outbox tells followers of its status changes.

Revision ID: f1c3a7e9b5d2
Revises: e4b8d1a6f2c3
Create Date: 2026-12-02 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f1c3a7e9b5d2"
down_revision: str | None = "e4b8d1a6f2c3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "appeal_follower",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appeal_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["appeal_id"], ["appeal.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("appeal_id", "user_id", name="uq_appeal_follower"),
    )
    op.create_index("ix_appeal_follower_appeal_id", "appeal_follower", ["appeal_id"])
    op.create_index("ix_appeal_follower_user_id", "appeal_follower", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_appeal_follower_user_id", table_name="appeal_follower")
    op.drop_index("ix_appeal_follower_appeal_id", table_name="appeal_follower")
    op.drop_table("appeal_follower")
