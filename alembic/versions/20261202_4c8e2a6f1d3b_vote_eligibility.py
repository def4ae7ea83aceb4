"""Citizens' registration data (birth date, territory) and vote eligibility; ballots keep a client
token for idempotent retries and a snapshot of the voter's age and territory

Existing votes become "residents of the vote's territory, from 14, results after closing" — the
rules the platform applied implicitly before.

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
    with op.batch_alter_table("app_user") as batch_op:
        batch_op.add_column(sa.Column("birth_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("territory_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_app_user_territory", "territory", ["territory_id"], ["id"])

    with op.batch_alter_table("ballot") as batch_op:
        batch_op.add_column(sa.Column("client_token", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("voter_age", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("voter_territory_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("client_address", sa.String(length=64), nullable=True))
        batch_op.create_foreign_key("fk_ballot_voter_territory", "territory", ["voter_territory_id"], ["id"])

    with op.batch_alter_table("vote") as batch_op:
        batch_op.add_column(sa.Column("eligibility", sa.String(length=20), nullable=False, server_default="residents"))
        batch_op.add_column(sa.Column("min_age", sa.Integer(), nullable=False, server_default="14"))
        batch_op.add_column(sa.Column("results_visibility", sa.String(length=20), nullable=False,
                                      server_default="after_close"))
        batch_op.add_column(sa.Column("closed_early_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("created_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                                      server_default=sa.func.current_timestamp()))
        batch_op.create_foreign_key("fk_vote_created_by", "app_user", ["created_by"], ["id"])
    # The defaults filled the existing rows; the models set these values themselves.
    with op.batch_alter_table("vote") as batch_op:
        for column in ("eligibility", "min_age", "results_visibility", "created_at"):
            batch_op.alter_column(column, server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("vote") as batch_op:
        batch_op.drop_constraint("fk_vote_created_by", type_="foreignkey")
        for column in ("created_at", "created_by", "closed_early_at", "results_visibility", "min_age", "eligibility"):
            batch_op.drop_column(column)
    with op.batch_alter_table("ballot") as batch_op:
        batch_op.drop_constraint("fk_ballot_voter_territory", type_="foreignkey")
        for column in ("client_address", "voter_territory_id", "voter_age", "client_token"):
            batch_op.drop_column(column)
    with op.batch_alter_table("app_user") as batch_op:
        batch_op.drop_constraint("fk_app_user_territory", type_="foreignkey")
        batch_op.drop_column("territory_id")
        batch_op.drop_column("birth_date")
