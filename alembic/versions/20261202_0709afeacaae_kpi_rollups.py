"""KPI rollups: per-appeal contributions, sums per day and month, histograms of the time to first answer

Kept by the services in the same transaction as each change (services/kpi_rollups.py); rebuilt
from the appeals and events by `python -m pos_dashboard rollups --rebuild`, which an operator runs
once after this upgrade on a database that already holds appeals.

Revision ID: 0709afeacaae
Revises: d58dc95ea276
Create Date: 2026-12-02 10:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0709afeacaae"
down_revision: str | None = "d58dc95ea276"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEYS = ("organization_id", "territory_id", "category_id")
SUMS = ("received", "answered", "answered_with_deadline", "answered_on_time", "with_interim", "redirected",
        "category_changed", "re_reviewed", "rated", "satisfied", "returned_for_rework", "disputed", "rating_sum",
        "final_moderation", "final_rejected", "final_coordination", "final_in_work", "final_clarification",
        "final_interim_answer", "final_answer_review", "final_answered", "final_control",
        "final_closed_by_citizen", "final_closed_auto", "final_closed_confirmed", "final_closed_other",
        "final_withdrawn")


def _keys() -> list[sa.Column]:
    return [sa.Column(name, sa.Integer(), nullable=False, autoincrement=False) for name in KEYS]


def upgrade() -> None:
    op.create_table(
        "kpi_fact",
        sa.Column("appeal_id", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("day", sa.Date(), nullable=False),
        *_keys(),
        sa.Column("flags", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=True),
        sa.Column("open_deadline", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("appeal_id"),
    )
    op.create_index("ix_kpi_fact_day", "kpi_fact", ["day"])
    op.create_index("ix_kpi_fact_open_deadline", "kpi_fact", ["open_deadline"])
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


def downgrade() -> None:
    op.drop_table("kpi_hours_region")
    op.drop_table("kpi_hours_cell")
    op.drop_table("kpi_cell")
    op.drop_index("ix_kpi_fact_open_deadline", table_name="kpi_fact")
    op.drop_index("ix_kpi_fact_day", table_name="kpi_fact")
    op.drop_table("kpi_fact")
