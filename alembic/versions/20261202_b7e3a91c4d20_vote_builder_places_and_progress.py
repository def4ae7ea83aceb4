"""Vote builder: drafts (published_at), places as options (address, municipality), and the public
progress of the winning places (place_progress_stage)

Existing votes count as published when they were created (they were visible to citizens before).
Columns are added without copying tables (see 4c8e2a6f1d3b for why).

Revision ID: b7e3a91c4d20
Revises: 3f6a9d2b8c41
Create Date: 2026-12-02 14:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7e3a91c4d20"
down_revision: str | None = "3f6a9d2b8c41"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("vote", sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE vote SET published_at = created_at")
    op.add_column("voteoption", sa.Column("address", sa.String(length=500), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        op.execute('ALTER TABLE "voteoption" ADD COLUMN "territory_id" INTEGER '
                   'CONSTRAINT fk_voteoption_territory REFERENCES "territory" (id)')
    else:
        op.add_column("voteoption", sa.Column("territory_id", sa.Integer(), nullable=True))
        op.create_foreign_key("fk_voteoption_territory", "voteoption", "territory", ["territory_id"], ["id"])
    op.create_table(
        "place_progress_stage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("option_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=True),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("contractor", sa.String(length=300), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["option_id"], ["voteoption.id"]),
        sa.ForeignKeyConstraint(["updated_by"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_place_progress_stage_option_id", "place_progress_stage", ["option_id"])


def downgrade() -> None:
    op.drop_index("ix_place_progress_stage_option_id", table_name="place_progress_stage")
    op.drop_table("place_progress_stage")
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("voteoption", recreate="always" if sqlite else "auto") as batch_op:
        if not sqlite:
            batch_op.drop_constraint("fk_voteoption_territory", type_="foreignkey")
        batch_op.drop_column("territory_id")
        batch_op.drop_column("address")
    op.drop_column("vote", "published_at")
