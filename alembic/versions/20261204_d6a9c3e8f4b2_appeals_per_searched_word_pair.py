"""Appeals per searched pair of lemmas: how many appeals have both words of a two-word search

Two common words that never meet («мусор подъезда») cost PostgreSQL the intersection of both
posting lists on every search (30 ms at 5M), and two that often meet («мусор вывозят») a read of
the index to learn that they match more than 2,000 appeals (11 ms at 1M). `searchpair` remembers,
for each pair that was searched, its count per status (exact) or that it is common (a lower bound),
kept by services/search_terms' writers. It starts empty: a pair is learnt the first time it is
searched.

Revision ID: d6a9c3e8f4b2
Revises: a4d8f2b6c9e1
Create Date: 2026-12-04 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d6a9c3e8f4b2"
down_revision: str | None = "a4d8f2b6c9e1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    lemma = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
    op.create_table(
        "searchpair",
        sa.Column("first", lemma, nullable=False),
        sa.Column("second", lemma, nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("appeals", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("first", "second", "status"),
    )


def downgrade() -> None:
    op.drop_table("searchpair")
