"""KPI rollups as compact blocks: one row per block of 1, 4, 16, 64, 256 or 1024 days × organisation,
with the sums, the histogram of the time to first answer and the open deadlines as packed int32
matrices (domain/kpi_measures.py), instead of the per-day / per-month rows and histogram rows

`kpi_block` replaces `kpi_cell`, `kpi_hours_cell` and `kpi_hours_region`, whose row count grew with
the appeals (millions of histogram rows at 1M appeals). `kpi_fact` stays. The blocks start empty:
`python -m pos_dashboard migrate` rebuilds them after the upgrade when the region has appeals (or run
`rollups --rebuild`); the downgrade leaves the old tables empty until a rebuild by the older code.

Revision ID: 5c9e2f7a1d38
Revises: e4b8d1f6a2c9
Create Date: 2026-12-02 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5c9e2f7a1d38"
down_revision: str | None = "e4b8d1f6a2c9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEYS = ("organization_id", "territory_id", "category_id")
SUMS = ("received", "answered", "answered_with_deadline", "answered_on_time", "with_interim", "redirected",
        "category_changed", "re_reviewed", "rated", "satisfied", "returned_for_rework", "disputed", "rating_sum",
        "final_moderation", "final_rejected", "final_coordination", "final_in_work", "final_clarification",
        "final_interim_answer", "final_answer_review", "final_answered", "final_control",
        "final_closed_by_citizen", "final_closed_auto", "final_closed_confirmed", "final_closed_other",
        "final_withdrawn")


def upgrade() -> None:
    op.drop_table("kpi_hours_region")
    op.drop_table("kpi_hours_cell")
    op.drop_table("kpi_cell")
    op.create_table(
        "kpi_block",
        sa.Column("level", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("first_day", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("organization_id", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("cells", sa.LargeBinary(), nullable=False),
        sa.Column("hours", sa.LargeBinary(), nullable=False),
        sa.Column("opens", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("level", "first_day", "organization_id"),
    )


def _keys() -> list[sa.Column]:
    return [sa.Column(name, sa.Integer(), nullable=False, autoincrement=False) for name in KEYS]


def downgrade() -> None:
    op.drop_table("kpi_block")
    op.create_table(
        "kpi_cell",
        sa.Column("grain", sa.String(length=1), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        *_keys(),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in SUMS),
        sa.PrimaryKeyConstraint("grain", "period", *KEYS),
    )
    op.create_table(
        "kpi_hours_cell",
        sa.Column("grain", sa.String(length=1), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        *_keys(),
        sa.Column("bucket", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("grain", "period", *KEYS, "bucket"),
    )
    op.create_table(
        "kpi_hours_region",
        sa.Column("grain", sa.String(length=1), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("grain", "period", "bucket"),
    )
