"""Index of the interim answers' appeals for the exact KPI scan (`services/kpi_facts.load_frame`):
the «with an interim answer» KPI read every answer with its text to find the few per cent that are
interim (0.2–0.7 s at 1M appeals); the partial index holds just their appeal ids.

The condition must stay the very text of `domain.kpi_measures.INTERIM_ANSWERS_WHERE`: SQLite uses a
partial index only for a query that repeats its condition.

Revision ID: a4d8f1c6e3b9
Revises: f8a2c5e7d9b1
Create Date: 2026-12-03 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a4d8f1c6e3b9"
down_revision: str | None = "f8a2c5e7d9b1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INTERIM_ANSWERS_WHERE = "kind = 'interim'"


def upgrade() -> None:
    op.create_index("ix_answer_interim", "answer", ["appeal_id"], unique=False,
                    sqlite_where=sa.text(INTERIM_ANSWERS_WHERE), postgresql_where=sa.text(INTERIM_ANSWERS_WHERE))


def downgrade() -> None:
    op.drop_index("ix_answer_interim", table_name="answer")
