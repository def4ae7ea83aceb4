"""Survey builder and responses: question kinds and conditions, eligibility and results visibility
of surveys, one submission per person and survey (with a client token and an age/territory snapshot)

Existing surveys become published, "residents of the survey's territory, from 14, results after
closing"; their questions required. Columns are added without copying tables.

Revision ID: 3f6a9d2b8c41
Revises: b3f1c9a4e2d7
Create Date: 2026-12-02 14:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3f6a9d2b8c41"
down_revision: str | None = "b3f1c9a4e2d7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("survey", sa.Column("eligibility", sa.String(length=20), nullable=False,
                                      server_default="residents"))
    op.add_column("survey", sa.Column("min_age", sa.Integer(), nullable=False, server_default="14"))
    op.add_column("survey", sa.Column("results_visibility", sa.String(length=20), nullable=False,
                                      server_default="after_close"))
    op.add_column("survey", sa.Column("closed_early_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("survey", sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE survey SET published_at = created_at")
    _add_reference("survey", "created_by", "app_user", "fk_survey_created_by")

    op.add_column("surveyquestion", sa.Column("required", sa.Boolean(), nullable=False,
                                              server_default=sa.true()))
    op.add_column("surveyquestion", sa.Column("max_choices", sa.Integer(), nullable=True))
    op.add_column("surveyquestion", sa.Column("scale_max", sa.Integer(), nullable=True))
    op.add_column("surveyquestion", sa.Column("matrix_rows", sa.Text(), nullable=True))
    _add_reference("surveyquestion", "condition_question_id", "surveyquestion", "fk_surveyquestion_condition")
    op.add_column("surveyquestion", sa.Column("condition_option", sa.Integer(), nullable=True))

    op.create_table(
        "surveysubmission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("respondent_id", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("client_token", sa.String(length=64), nullable=True),
        sa.Column("respondent_age", sa.Integer(), nullable=True),
        sa.Column("respondent_territory_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["respondent_id"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["respondent_territory_id"], ["territory.id"]),
        sa.ForeignKeyConstraint(["survey_id"], ["survey.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("survey_id", "respondent_id", name="uq_survey_submission"),
    )
    op.create_index("ix_surveysubmission_survey_id", "surveysubmission", ["survey_id"], unique=False)
    _add_reference("surveyresponse", "submission_id", "surveysubmission", "fk_surveyresponse_submission")
    op.create_index("ix_surveyresponse_submission_id", "surveyresponse", ["submission_id"], unique=False)


def _add_reference(table: str, column: str, target: str, name: str) -> None:
    """A nullable integer column referencing `target`.id (inline on SQLite, which cannot add a
    constraint to an existing table without copying it)."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f'ALTER TABLE "{table}" ADD COLUMN "{column}" INTEGER CONSTRAINT {name} REFERENCES "{target}" (id)')
    else:
        op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
        op.create_foreign_key(name, table, target, [column], ["id"])


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.drop_index("ix_surveyresponse_submission_id", table_name="surveyresponse")
    for table, columns, references in (
            ("surveyresponse", ("submission_id",), ("fk_surveyresponse_submission",)),
            ("surveyquestion", ("condition_option", "condition_question_id", "matrix_rows", "scale_max",
                                "max_choices", "required"), ("fk_surveyquestion_condition",)),
            ("survey", ("created_by", "published_at", "closed_early_at", "results_visibility", "min_age",
                        "eligibility"), ("fk_survey_created_by",))):
        with op.batch_alter_table(table, recreate="always" if sqlite else "auto") as batch_op:
            if not sqlite:
                for name in references:
                    batch_op.drop_constraint(name, type_="foreignkey")
            for column in columns:
                batch_op.drop_column(column)
    op.drop_index("ix_surveysubmission_survey_id", table_name="surveysubmission")
    op.drop_table("surveysubmission")
