"""Queue counters: change version, status tallies, top category and territory of each appeal

The live queue polled max(id), max(updated_at) (a scan of every appeal) every few seconds per tab
and counted statuses over the whole table on every filter change. Now the services keep, in the
transaction that changes an appeal (services/queue_counters.py):
* `queueversion`: one row, bumped on every change;
* `queuetally`: appeals per status × top category × top territory × organisation (0 = none);
* `appeal.top_category_id` / `top_territory_id`: the roots the queue's top-level filters use,
  with an index each.
The upgrade backfills all three from the existing appeals.

Revision ID: d58dc95ea276
Revises: 2e4c17953fce
Create Date: 2026-12-02 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d58dc95ea276"
down_revision: str | None = "2e4c17953fce"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

def upgrade() -> None:
    op.add_column("appeal", sa.Column("top_category_id", sa.Integer(), nullable=True))
    op.add_column("appeal", sa.Column("top_territory_id", sa.Integer(), nullable=True))
    op.create_table(
        "queuetally",
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("top_category_id", sa.Integer(), nullable=False),
        sa.Column("top_territory_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("status", "top_category_id", "top_territory_id", "organization_id"),
    )
    op.create_table(
        "queueversion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    bind = op.get_bind()
    # One pass over the appeals (not one per root): a million rows are rewritten once. PostgreSQL's
    # trigram indexes are rebuilt afterwards rather than updated row by row (much slower).
    trigram = []
    if bind.dialect.name == "postgresql":
        trigram = bind.execute(sa.text("SELECT indexname, indexdef FROM pg_indexes "
                                       "WHERE tablename = 'appeal' AND indexname LIKE '%\\_trgm'")).all()
        for name, _definition in trigram:
            bind.execute(sa.text(f'DROP INDEX "{name}"'))
    for table in ("category", "territory"):
        bind.execute(sa.text(f"CREATE TEMPORARY TABLE tmp_{table}_root (id INTEGER PRIMARY KEY, root INTEGER)"))
        roots = [{"id": node, "root": root} for node, root in _roots(bind, table).items()]
        if roots:
            bind.execute(sa.text(f"INSERT INTO tmp_{table}_root (id, root) VALUES (:id, :root)"), roots)
    bind.execute(sa.text(
        "UPDATE appeal SET "
        "top_category_id = (SELECT root FROM tmp_category_root r WHERE r.id = appeal.category_id), "
        "top_territory_id = (SELECT root FROM tmp_territory_root r WHERE r.id = appeal.territory_id)"))
    for table in ("category", "territory"):
        bind.execute(sa.text(f"DROP TABLE tmp_{table}_root"))
    for _name, definition in trigram:
        bind.execute(sa.text(definition))
    bind.execute(sa.text(
        "INSERT INTO queuetally (status, top_category_id, top_territory_id, organization_id, n) "
        "SELECT status, COALESCE(top_category_id, 0), COALESCE(top_territory_id, 0), COALESCE(organization_id, 0), "
        "count(*) FROM appeal "
        "GROUP BY status, COALESCE(top_category_id, 0), COALESCE(top_territory_id, 0), COALESCE(organization_id, 0)"))
    bind.execute(sa.text("INSERT INTO queueversion (id, version) VALUES (1, 1)"))
    op.create_index("ix_appeal_top_category_status_deadline", "appeal",
                    ["top_category_id", "status", "deadline_at"], unique=False)
    op.create_index("ix_appeal_top_territory_status_deadline", "appeal",
                    ["top_territory_id", "status", "deadline_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_appeal_top_territory_status_deadline", table_name="appeal")
    op.drop_index("ix_appeal_top_category_status_deadline", table_name="appeal")
    op.drop_table("queueversion")
    op.drop_table("queuetally")
    # Plain ALTER TABLE (SQLite ≥ 3.35 has DROP COLUMN): a batch copy of `appeal` would lose its FTS triggers.
    op.execute("ALTER TABLE appeal DROP COLUMN top_territory_id")
    op.execute("ALTER TABLE appeal DROP COLUMN top_category_id")


def _roots(bind, table: str) -> dict[int, int]:
    """node id → id of the root of its tree (the trees are small: categories, territories)."""
    parent = dict(bind.execute(sa.text(f"SELECT id, parent_id FROM {table}")).all())
    roots = {}
    for node in parent:
        root, seen = node, set()
        while parent.get(root) is not None and root not in seen:
            seen.add(root)
            root = parent[root]
        roots[node] = root
    return roots
