"""What the open queues read instead of scanning a million appeals, kept in the transaction that
changes the appeals:

* `queueversion`: one row whose number grows with every flush that adds or changes an appeal
  (the queue pages poll it every few seconds);
* `queuetally`: the number of appeals per status × top category × top territory × organisation
  (the queue's status chips and totals);
* `appeal.top_category_id` / `top_territory_id`: the roots of the appeal's category and territory
  (the queue's top-level filters use them with an index).

ORM changes are tracked by one `before_flush` hook, so every service (and every test fixture that
adds appeals through a session) keeps them without further calls. Bulk writers that bypass the ORM
(the demo loader, the SPb importer, the migration) call `add_rows` or `rebuild` themselves.
"""

from collections import Counter
from collections.abc import Iterable

from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlmodel import Session

from ..domain.models import Category, Territory
from .flush_changes import appeals_in_flush

KEY_COLUMNS = ("status", "top_category_id", "top_territory_id", "organization_id")

_BUMP = text("INSERT INTO queueversion (id, version) VALUES (1, 1) "
             "ON CONFLICT (id) DO UPDATE SET version = queueversion.version + 1")
_ADD = text("INSERT INTO queuetally (status, top_category_id, top_territory_id, organization_id, n) "
            "VALUES (:status, :top_category_id, :top_territory_id, :organization_id, :n) "
            "ON CONFLICT (status, top_category_id, top_territory_id, organization_id) "
            "DO UPDATE SET n = queuetally.n + excluded.n")


def read_version(conn) -> int:
    return conn.execute(text("SELECT version FROM queueversion WHERE id = 1")).scalar() or 0


def bump(conn: Connection) -> None:
    conn.execute(_BUMP)


def add_rows(conn: Connection, keys: Iterable[tuple]) -> None:
    """Count appeals written outside the ORM: `keys` are (status, top_category_id,
    top_territory_id, organization_id) of each new appeal. Bumps the version too."""
    _apply(conn, Counter(_key(*key) for key in keys))


def rebuild(conn: Connection) -> None:
    """Recount everything from the appeal table (after a bulk load), and bump the version."""
    bump(conn)
    conn.execute(text("DELETE FROM queuetally"))
    conn.execute(text(
        "INSERT INTO queuetally (status, top_category_id, top_territory_id, organization_id, n) "
        "SELECT status, COALESCE(top_category_id, 0), COALESCE(top_territory_id, 0), COALESCE(organization_id, 0), "
        "count(*) FROM appeal "
        "GROUP BY status, COALESCE(top_category_id, 0), COALESCE(top_territory_id, 0), COALESCE(organization_id, 0)"))


def roots(conn, table) -> dict[int, int]:
    """node id → id of its root, for a small tree table (categories, territories)."""
    parent = dict(conn.execute(text(f"SELECT id, parent_id FROM {table.__tablename__}")).all())

    def root(node: int) -> int:
        seen = set()
        while parent.get(node) is not None and node not in seen:
            seen.add(node)
            node = parent[node]
        return node
    return {node: root(node) for node in parent}


def root_of(conn, table, node_id: int | None) -> int | None:
    seen = set()
    while node_id is not None and node_id not in seen:
        seen.add(node_id)
        parent = conn.execute(text(f"SELECT parent_id FROM {table.__tablename__} WHERE id = :id"),
                              {"id": node_id}).first()
        if parent is None or parent[0] is None:
            return node_id
        node_id = parent[0]
    return node_id


def _key(status, top_category_id, top_territory_id, organization_id) -> tuple:
    return (str(status), top_category_id or 0, top_territory_id or 0, organization_id or 0)


def _apply(conn: Connection, deltas: Counter) -> None:
    bump(conn)  # first: the version row serialises concurrent writers, so the tally rows cannot deadlock
    changes = [dict(zip(KEY_COLUMNS, key), n=n) for key, n in sorted(deltas.items()) if n]
    if changes:
        conn.execute(_ADD, changes)


def _before_flush(session: Session, _context, _instances) -> None:
    new, dirty, deleted = appeals_in_flush(session)
    if not (new or dirty or deleted):
        return
    conn = session.connection()
    deltas: Counter = Counter()
    for appeal in new:
        appeal.top_category_id = root_of(conn, Category, appeal.category_id)
        appeal.top_territory_id = root_of(conn, Territory, appeal.territory_id)
        deltas[_key(*(getattr(appeal, column) for column in KEY_COLUMNS))] += 1
    for appeal in dirty + deleted:
        stored = conn.execute(text(
            "SELECT category_id, territory_id, status, top_category_id, top_territory_id, organization_id "
            "FROM appeal WHERE id = :id"), {"id": appeal.id}).first()
        if stored is None:
            continue
        deltas[_key(*stored[2:])] -= 1
        if appeal in deleted:
            continue
        if appeal.category_id != stored[0] or appeal.top_category_id is None:
            appeal.top_category_id = root_of(conn, Category, appeal.category_id)
        if appeal.territory_id != stored[1] or (appeal.territory_id and appeal.top_territory_id is None):
            appeal.top_territory_id = root_of(conn, Territory, appeal.territory_id)
        deltas[_key(*(getattr(appeal, column) for column in KEY_COLUMNS))] += 1
    _apply(conn, deltas)


event.listen(Session, "before_flush", _before_flush)

# The search terms' counts are kept by a hook of their own, registered after this one, so that every
# writer takes the version row first (no deadlock between two writers over the term rows).
from . import search_terms  # noqa: E402,F401
