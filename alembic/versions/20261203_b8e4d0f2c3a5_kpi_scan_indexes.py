"""Indexes for the exact KPI scan (`services/kpi_facts.load_frame`, the `kpi` command): a covering
index of the appeal columns the KPIs read, led by the creation time (the scan reads it instead of
the rows with their texts, and a period is a range of it), and a partial index of the events that set
a KPI flag or close an appeal (about one in six), in the order (appeal, time, id) the scan wants, so
the last closing event of each appeal is the last row it reads for that appeal.

The partial index's condition must stay the very text of `domain.kpi_measures.KPI_EVENTS_WHERE`:
SQLite uses a partial index only for a query that repeats its condition.

Revision ID: b8e4d0f2c3a5
Revises: a7d3c9e1b2f4
Create Date: 2026-12-03 01:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b8e4d0f2c3a5"
down_revision: str | None = "a7d3c9e1b2f4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KPI_EVENTS_WHERE = ("kind IN ('redirect', 'category_change') OR action IN ('re_review', 'import:repeat_petition', "
                    "'return_for_rework', 'dispute') OR to_status = 'closed'")


def upgrade() -> None:
    op.create_index("ix_appeal_kpi", "appeal", ["created_at", "id", "territory_id", "organization_id", "category_id",
                                                "status", "rating", "first_answer_at", "deadline_at"], unique=False)
    op.create_index("ix_event_kpi", "appealevent", ["appeal_id", "at", "id", "kind", "action", "to_status"],
                    unique=False, sqlite_where=sa.text(KPI_EVENTS_WHERE), postgresql_where=sa.text(KPI_EVENTS_WHERE))


def downgrade() -> None:
    op.drop_index("ix_event_kpi", table_name="appealevent")
    op.drop_index("ix_appeal_kpi", table_name="appeal")
