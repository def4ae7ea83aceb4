"""PostgreSQL: each appeal's lemmas indexed with the week of its deadline, so that a common search's
matches due up to a moment are read from the postings of those weeks alone

A common search's page of the whole region by deadline reads its matches due up to a moment from the
GIN index of (search_vector, deadline_at) (revision a4d8f2b6c9e1). That index reads the deadline as
a range: every appeal due up to the moment is put in a bitmap, whatever its words (58k appeals for
the page of «мусор вывозят» at 5M, 6.8 ms of a 7 ms read). Here each lemma is also indexed as
«lemma@week» (weeks since 1970 of the deadline): the same matches are the postings of each word's
forms in the weeks up to the moment, 8.6k entries there, read in 0.3 ms (analytics/deadline_range).
An index of an expression (`appeal_word_weeks`, immutable), not a column: no table rewrite, and the
model, which SQLite shares, is unchanged; 349 MB at 5M beside the 216 MB of the deadline's.

Revision ID: f3c8e1a7d5b4
Revises: b8d1f4a6c2e9
Create Date: 2026-12-05 06:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "f3c8e1a7d5b4"
down_revision: str | None = "b8d1f4a6c2e9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTION = "appeal_word_weeks"
# Made by this migration alone, not in the models: names ending in _fts are skipped by the drift check.
INDEX = "ix_appeal_word_weeks_fts"
WEEK_SECONDS = 604_800  # analytics/deadline_range.WEEK_SECONDS computes the same weeks


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # The lemmas are space-separated runs of [0-9a-zа-яё] (domain/search_words): each gets «@week»;
    # array_to_tsvector keeps them as they are (to_tsvector's parser would cut them at «@»).
    op.execute(f"""
        CREATE OR REPLACE FUNCTION {FUNCTION}(words text, deadline timestamptz) RETURNS tsvector
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
          SELECT array_to_tsvector(string_to_array(replace(words, ' ', '@' || week || ' ') || '@' || week, ' '))
          FROM (SELECT floor(extract(epoch FROM (deadline - to_timestamp(0))) / {WEEK_SECONDS})::int::text
                AS week) AS of_deadline
        $$""")
    op.execute(f"CREATE INDEX {INDEX} ON appeal USING gin ({FUNCTION}(search_words, deadline_at))")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP INDEX IF EXISTS {INDEX}")
    op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}(text, timestamptz)")
