"""Word counts per top category and per top territory: how many appeals of each status have each
lemma under each top-level node

A common word under a top category made the queue walk the category's appeals to count its
matches per status (13 ms at 1M for the first 1,001 matches), and a common word absent from the
category walked every appeal of it to find nothing (0.1–1.9 s at 1M on PostgreSQL before the time
limit of stop 22, 120–160 ms after). `scopedterm` answers both from a few rows: the word's status
counts under the node, exact however large, and zero at once. services/search_terms keeps it beside
`searchterm`; it is filled here from the existing appeals.

Revision ID: c7e3a9d5b1f2
Revises: b5e2d8c4f1a7
Create Date: 2026-12-04 09:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from pos_dashboard.services import search_terms

revision: str = "c7e3a9d5b1f2"
down_revision: str | None = "b5e2d8c4f1a7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scopedterm",
        sa.Column("term", sa.Text().with_variant(sa.Text(collation="C"), "postgresql"), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("node_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("appeals", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("term", "scope", "node_id", "status"),
    )
    search_terms.rebuild(op.get_bind())  # both tables: the same pass recounts searchterm unchanged


def downgrade() -> None:
    op.drop_table("scopedterm")
