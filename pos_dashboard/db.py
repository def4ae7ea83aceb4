"""Engine and sessions for the database named by REFLEX_DB_URL (SQLite file by default)."""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import event
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from . import settings


SQLITE_MMAP_BYTES = 2_147_418_112  # SQLite's default ceiling (SQLITE_MAX_MMAP_SIZE)
SQLITE_CACHE_KIB = 65_536


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        # pysqlite's own transaction handling is kept on purpose (not SQLAlchemy's "begin" event
        # recipe): it begins at the first write, so the services' version claim waits for the write
        # lock (timeout below) and then reads the committed version. A transaction begun at a read
        # gets "database is locked" at once when another connection writes (WAL never waits to
        # upgrade a stale read). Atomicity comes from the claim (services/appeals.py), not locks.
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            # A 1M region is a 4–5 GB file whose queue reads rows scattered over it (the open appeals,
            # a common word's matches): pages are read through a memory map of the file (shared by
            # every connection, in the system's page cache) and the connection keeps 64 MB of them,
            # instead of one read() call per page into a 2 MB cache.
            cur.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
            cur.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
            cur.close()
            # SQLite's own lower() folds only ASCII, so ILIKE would be case-sensitive for Cyrillic.
            dbapi_conn.create_function("lower", 1, _unicode_lower, deterministic=True)

        return engine
    # A server that does not answer fails a connection in seconds, not after the system's TCP
    # timeout: the pages retry on their own (see outage.py) and must not queue up behind a hang.
    # No JIT compilation: it starts on a plan's estimated cost, and a queue statement whose unused
    # branches are estimated high (the deadline counts at 5M) spent 22 ms compiling to run 10 ms;
    # the KPI benchmark at 5M was as fast or faster without it (README, «Stop 24»).
    # The connection returned last is lent first: psycopg prepares a statement on a connection at its
    # fifth run there, so the few connections a worker keeps busy have the queue's statements prepared
    # sooner (a page's 50 rows: 3.3 ms unprepared, 1.5 ms prepared, at 1M). Lent in turn, two
    # connections each ran them five times first. Idle ones are checked by the pre-ping when lent.
    # A prepared statement is still planned for its values each time (force_custom_plan): after five
    # runs PostgreSQL may keep one plan for any values, and a search's plan depends on its words (the
    # walk of «Отклонено» by deadline kept for «крыша течет» took 70 ms for «детская площадка», 8 ms
    # planned for it; the queue benchmark's medians at 1M summed 240.8 → 246.3 ms with the planning).
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5, pool_timeout=10, pool_use_lifo=True,
                         connect_args={"connect_timeout": 5, "options": "-c jit=off -c plan_cache_mode=force_custom_plan"}
                         if url.startswith("postgresql") else {})


def _sqlite_table_hint(_compiler, _table, text):
    # SQLAlchemy's SQLite compiler drops table hints; the queue asks for `INDEXED BY` where SQLite's
    # planner cannot tell how selective a row test is (analytics/queue.py and queue_rows.py, with_hint(..., "sqlite")).
    return text


SQLiteCompiler.get_from_hint_text = _sqlite_table_hint


def _unicode_lower(value):
    return value.lower() if isinstance(value, str) else value


def refresh_statistics(engine: Engine, tables: list[str] | None = None) -> None:
    """After a bulk load: VACUUM ANALYZE on PostgreSQL (fresh statistics, and a visibility map so
    that counts can be index-only scans even before autovacuum runs), ANALYZE on SQLite."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE " + ", ".join(f'"{name}"' for name in tables or []))
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA analysis_limit=2000")
            conn.exec_driver_sql("ANALYZE")


def shared_database(engine: Engine) -> bool:
    """Whether a new connection of the engine sees the same database (not an in-memory SQLite one,
    which is a database of its own per connection)."""
    return engine.dialect.name != "sqlite" or engine.url.database not in (None, "", ":memory:")


@lru_cache(maxsize=4)
def engine_for(url: str) -> Engine:
    return make_engine(url)


def get_engine() -> Engine:
    return engine_for(settings.db_url())


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise
