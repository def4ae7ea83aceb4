"""attachments and the map index

`attachment` describes every file attached to an appeal (by its citizen) or to an answer (by the
organisation): the original name, the type detected from the content, size, SHA-256 and the keys
of the stored file and its thumbnail under POS_ATTACHMENTS_DIR. The bytes are not in the database.
`ix_appeal_lat_lon` serves the bounding box of «уже сообщили» (open appeals near a point).

Revision ID: c7a2e5d9f041
Revises: a7c3e9f1b2d4
Create Date: 2026-12-02 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c7a2e5d9f041"
down_revision: str | None = "a7c3e9f1b2d4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appeal_id", sa.Integer(), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=80), nullable=False),
        sa.Column("thumbnail_key", sa.String(length=80), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["answer_id"], ["answer.id"]),
        sa.ForeignKeyConstraint(["appeal_id"], ["appeal.id"]),
        sa.ForeignKeyConstraint(["uploaded_by"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("storage_key"),
    )
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.create_index("ix_attachment_answer_id", ["answer_id"], unique=False)
        batch_op.create_index("ix_attachment_appeal_answer", ["appeal_id", "answer_id"], unique=False)
    with op.batch_alter_table("appeal", schema=None) as batch_op:
        batch_op.create_index("ix_appeal_lat_lon", ["latitude", "longitude"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("appeal", schema=None) as batch_op:
        batch_op.drop_index("ix_appeal_lat_lon")
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.drop_index("ix_attachment_appeal_answer")
        batch_op.drop_index("ix_attachment_answer_id")
    op.drop_table("attachment")
