"""administration: the admin audit log, switching organisations and categories off, event indexes

`admin_audit` keeps one row per change an administrator makes to accounts, organisations, the
category tree and the routing rules (who, when, what kind, which object, «было → стало»), written
in the transaction of the change. `organization.is_active` and `category.is_active` let an
administrator switch an entry off instead of deleting it. Three indexes on `appealevent` serve the
audit page, which reads the workflow events beside the audit rows: newest first, by actor, by action.

Revision ID: e4b8d1f6a2c9
Revises: e4b8d2a6c913
Create Date: 2026-12-02 21:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e4b8d1f6a2c9"
down_revision: str | None = "e4b8d2a6c913"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "admin_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_role", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("object_type", sa.String(length=32), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("object_label", sa.String(length=300), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("admin_audit", schema=None) as batch_op:
        batch_op.create_index("ix_admin_audit_at", ["at", "id"], unique=False)
        batch_op.create_index("ix_admin_audit_actor_at", ["actor_id", "at", "id"], unique=False)
        batch_op.create_index("ix_admin_audit_kind_at", ["kind", "at", "id"], unique=False)
        batch_op.create_index("ix_admin_audit_object", ["object_type", "object_id", "at", "id"], unique=False)
    op.add_column("organization", sa.Column("is_active", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.add_column("category", sa.Column("is_active", sa.Boolean(), nullable=False, server_default=sa.true()))
    with op.batch_alter_table("appealevent", schema=None) as batch_op:
        batch_op.create_index("ix_event_at", ["at", "id"], unique=False)
        batch_op.create_index("ix_event_actor_at", ["actor_id", "at", "id"], unique=False)
        batch_op.create_index("ix_event_action_at", ["action", "at", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("appealevent", schema=None) as batch_op:
        batch_op.drop_index("ix_event_action_at")
        batch_op.drop_index("ix_event_actor_at")
        batch_op.drop_index("ix_event_at")
    with op.batch_alter_table("category", schema=None) as batch_op:
        batch_op.drop_column("is_active")
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.drop_column("is_active")
    with op.batch_alter_table("admin_audit", schema=None) as batch_op:
        batch_op.drop_index("ix_admin_audit_object")
        batch_op.drop_index("ix_admin_audit_kind_at")
        batch_op.drop_index("ix_admin_audit_actor_at")
        batch_op.drop_index("ix_admin_audit_at")
    op.drop_table("admin_audit")
