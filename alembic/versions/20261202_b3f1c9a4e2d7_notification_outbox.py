"""notification outbox

`notification` holds every message to a user, written by the services in the transaction of the
workflow event it tells about: in-app rows (read from the bell) and e-mail rows that the
dispatcher claims with a lease, sends over SMTP and marks sent, retrying with back-off. Deadline
warnings carry a dedupe key, unique per user and channel, so several workers write each once.

Revision ID: b3f1c9a4e2d7
Revises: 3f1a9c2d7e45
Create Date: 2026-12-02 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b3f1c9a4e2d7"
down_revision: str | None = "3f1a9c2d7e45"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=True),
        sa.Column("template", sa.String(length=48), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("appeal_id", sa.Integer(), nullable=True),
        sa.Column("dedupe_key", sa.String(length=120), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_token", sa.String(length=36), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["appeal_id"], ["appeal.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index("ix_notification_appeal_id", ["appeal_id"], unique=False)
        batch_op.create_index("ix_notification_due", ["channel", "sent_at", "next_attempt_at"], unique=False)
        batch_op.create_index("ix_notification_user_channel_read", ["user_id", "channel", "read_at", "id"],
                              unique=False)
        batch_op.create_index("uq_notification_dedupe", ["dedupe_key", "user_id", "channel"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index("uq_notification_dedupe")
        batch_op.drop_index("ix_notification_user_channel_read")
        batch_op.drop_index("ix_notification_due")
        batch_op.drop_index("ix_notification_appeal_id")
    op.drop_table("notification")
