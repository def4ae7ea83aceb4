"""Search term counts and the folded address: how often each lemma and address term occurs per status,
and the address in lower case with ё as е

`searchterm` counts the appeals per status that have each lemma of their text (`appeal.search_words`)
and each run of letters and digits of their address; services/search_terms keeps it in the
transaction that changes the appeals. The queue reads it to tell a common word from a rare one
without reading the word's index (PostgreSQL's GIN index read all 81k postings of «подъезд» at 1M,
400k at 5M, only to learn that the word was common), and to know that a status holds more than the
count cap of a word's matches without counting them. Its `term` is in binary order on PostgreSQL
(collation "C"), so that the lemmas beginning with a prefix are one range of its key.

`appeal.search_address` is `search_words.folded_address(address)`: the queue tests it with a plain
LIKE on the rows it walks (it applied lower() and two replace() to every address it read; on SQLite
lower() is a Python function, because SQLite's folds only ASCII). Both are filled here from the
existing appeals, in batches.

Revision ID: c9f2a7d4e1b6
Revises: b8e4d0f2c3a5
Create Date: 2026-12-03 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from pos_dashboard.domain.search_words import folded_address
from pos_dashboard.services import search_terms

revision: str = "c9f2a7d4e1b6"
down_revision: str | None = "b8e4d0f2c3a5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 20_000


def upgrade() -> None:
    op.add_column("appeal", sa.Column("search_address", sa.Text(), server_default="", nullable=False))
    op.create_table(
        "searchterm",
        sa.Column("field", sa.String(length=16), nullable=False),
        sa.Column("term", sa.Text().with_variant(sa.Text(collation="C"), "postgresql"), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("appeals", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("field", "term", "status"),
    )
    conn = op.get_bind()
    _fill_addresses(conn)
    search_terms.rebuild(conn, scoped=False)  # scopedterm comes with a later revision


def _fill_addresses(conn) -> None:
    """PostgreSQL rewrites a whole row per UPDATE: the folded addresses go to a temporary table first
    and into the appeals with one UPDATE … FROM. SQLite updates in place."""
    postgres = conn.dialect.name == "postgresql"
    if postgres:
        conn.execute(sa.text("CREATE TEMPORARY TABLE appeal_address_fill (id integer PRIMARY KEY, address text) "
                             "ON COMMIT DROP"))
    statement = sa.text("INSERT INTO appeal_address_fill (id, address) VALUES (:id, :address)" if postgres else
                        "UPDATE appeal SET search_address = :address WHERE id = :id")
    last = 0
    while True:
        rows = conn.execute(sa.text("SELECT id, address FROM appeal WHERE id > :last AND address IS NOT NULL "
                                    "ORDER BY id LIMIT :n"), {"last": last, "n": BATCH}).all()
        if not rows:
            break
        conn.execute(statement, [{"id": appeal_id, "address": folded_address(address)} for appeal_id, address in rows])
        last = rows[-1][0]
    if postgres:
        conn.execute(sa.text("UPDATE appeal SET search_address = f.address FROM appeal_address_fill f "
                             "WHERE appeal.id = f.id"))


def downgrade() -> None:
    op.drop_table("searchterm")
    op.drop_column("appeal", "search_address")
