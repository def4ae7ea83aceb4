"""Citizens' registration data (birth date, territory) and vote eligibility; ballots keep a client
token for idempotent retries and a snapshot of the voter's age and territory

Existing votes become "residents of the vote's territory, from 14, results after closing" — the
rules the platform applied implicitly before. Columns are added without copying tables.

Revision ID: 4c8e2a6f1d3b
Revises: 9e4d2c1b7f60
Create Date: 2026-12-02 10:27:23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4c8e2a6f1d3b"
down_revision: str | None = "9e4d2c1b7f60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN, no table copy: on SQLite a batch copy of app_user or vote drops and recreates
    # a parent table, which with foreign keys on checks every appeal and ballot row (minutes at 1M).
    op.add_column("app_user", sa.Column("birth_date", sa.Date(), nullable=True))
    _add_reference("app_user", "territory_id", "territory", "fk_app_user_territory")
    op.add_column("ballot", sa.Column("client_token", sa.String(length=64), nullable=True))
    op.add_column("ballot", sa.Column("voter_age", sa.Integer(), nullable=True))
    _add_reference("ballot", "voter_territory_id", "territory", "fk_ballot_voter_territory")
    op.add_column("ballot", sa.Column("client_address", sa.String(length=64), nullable=True))
    # Existing votes get the rules the platform applied implicitly; the defaults stay in the schema.
    op.add_column("vote", sa.Column("eligibility", sa.String(length=20), nullable=False, server_default="residents"))
    op.add_column("vote", sa.Column("min_age", sa.Integer(), nullable=False, server_default="14"))
    op.add_column("vote", sa.Column("results_visibility", sa.String(length=20), nullable=False,
                                    server_default="after_close"))
    op.add_column("vote", sa.Column("closed_early_at", sa.DateTime(timezone=True), nullable=True))
    _add_reference("vote", "created_by", "app_user", "fk_vote_created_by")
    op.add_column("vote", sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                                    server_default=sa.text("CURRENT_TIMESTAMP")))


def _add_reference(table: str, column: str, target: str, name: str) -> None:
    """A nullable integer column referencing `target`.id. SQLite takes the reference inside ADD COLUMN
    (it cannot add a constraint to an existing table without copying it)."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f'ALTER TABLE "{table}" ADD COLUMN "{column}" INTEGER CONSTRAINT {name} REFERENCES "{target}" (id)')
    else:
        op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
        op.create_foreign_key(name, table, target, [column], ["id"])


def downgrade() -> None:
    # SQLite cannot drop a column that a foreign key uses: there the tables are copied (batch mode),
    # and the inline references go with their columns.
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, columns, references in (
            ("vote", ("created_at", "created_by", "closed_early_at", "results_visibility", "min_age", "eligibility"),
             ("fk_vote_created_by",)),
            ("ballot", ("client_address", "voter_territory_id", "voter_age", "client_token"),
             ("fk_ballot_voter_territory",)),
            ("app_user", ("territory_id", "birth_date"), ("fk_app_user_territory",))):
        with op.batch_alter_table(table, recreate="always" if sqlite else "auto") as batch_op:
            if not sqlite:
                for name in references:
                    batch_op.drop_constraint(name, type_="foreignkey")
            for column in columns:
                batch_op.drop_column(column)
