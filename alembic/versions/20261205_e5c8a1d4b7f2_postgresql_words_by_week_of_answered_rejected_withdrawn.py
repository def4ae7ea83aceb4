"""PostgreSQL: the lemmas by week of deadline of the answered, rejected and withdrawn appeals indexed
apart, so that a common search's page under one of those statuses reads its range among them alone

A common search's page under «Отклонено» reads its matches due up to a moment from the index of each
lemma with its deadline's week (revision f3c8e1a7d5b4), the status tested on each. The rejected
appeals are 8 % of all: where two words meet in them rarely, the page's 50 lie many weeks on, and
those weeks' postings of every status were read (at 5M, «крыша течет», rejected: 15.9 ms of a 23.9 ms
page). This partial index holds only the appeals of those statuses, as revision c4e7a2f9d1b6 does
for the lemmas; analytics/deadline_range writes its predicate out for the planner to find it implied.

Revision ID: e5c8a1d4b7f2
Revises: d7b2e5a9f3c1
Create Date: 2026-12-05 12:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "e5c8a1d4b7f2"
down_revision: str | None = "d7b2e5a9f3c1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FEW_SETTLED_SQL = "status IN ('answered', 'rejected', 'withdrawn')"
# Made by this migration alone, not in the models: names ending in _fts are skipped by the drift check.
INDEX = "ix_appeal_few_settled_word_weeks_fts"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX {INDEX} ON appeal USING gin (appeal_word_weeks(search_words, deadline_at)) "
                   f"WHERE {FEW_SETTLED_SQL}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {INDEX}")
