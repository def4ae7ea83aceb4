"""Writing rows into the database fast: executemany on SQLite, COPY on PostgreSQL. Rows are
tuples in the order of their table's columns.

`write` takes rows with ordinary Python values (aware datetimes). `write_epoch` takes rows whose
timestamp columns hold epoch seconds (UTC), as the appeal generator makes them, and turns them into
the text each backend stores: on SQLite exactly what SQLAlchemy's DateTime writes for the
UTCDateTime type ("YYYY-MM-DD HH:MM:SS.000000", UTC), on PostgreSQL "YYYY-MM-DD HH:MM:SS+00".
"""

from contextlib import contextmanager
from datetime import date, timedelta
from functools import lru_cache

from sqlalchemy import Date, func, insert, select, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from ..db import refresh_statistics
from ..domain.models import Territory, User  # importing the domain registers every table
from ..domain.types import UTCDateTime
from ..migrations import rebuild_sqlite_search
from ..services import queue_counters, search_terms

BIG_TABLES = ("appeal", "appealevent", "answer", "rating", "dispute")


def demo_state(engine: Engine, marker_login: str) -> str:
    """'absent', 'complete' (the marker account, written last, exists) or 'partial'."""
    with engine.connect() as conn:
        has_region = conn.execute(select(Territory.id).where(Territory.external_ref.like("demo:%")).limit(1)).first()
        if not has_region:
            return "absent"
        has_marker = conn.execute(select(User.id).where(User.login == marker_login)).first()
        return "complete" if has_marker else "partial"


def existing_logins(engine: Engine, logins: list[str]) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(User.login).where(User.login.in_(logins))).scalars())


def first_free_ids(engine: Engine, tables: tuple[str, ...]) -> dict[str, int]:
    with engine.connect() as conn:
        return {name: (conn.execute(select(func.max(_table(name).c.id))).scalar() or 0) + 1 for name in tables}


def tables_are_empty(engine: Engine, tables: tuple[str, ...]) -> bool:
    with engine.connect() as conn:
        return all(conn.execute(select(_table(name).c.id).limit(1)).first() is None for name in tables)


class EpochFormat:
    """Epoch seconds → timestamp text, fast (a table of the 86,400 times of day)."""

    EPOCH = date(1970, 1, 1)

    def __init__(self, suffix: str):
        self._time_of_day = _times_of_day(suffix)
        self._days: dict[int, str] = {}

    def __call__(self, ts: int) -> str:
        day, second = divmod(ts, 86400)
        prefix = self._days.get(day)
        if prefix is None:
            prefix = self._days[day] = (self.EPOCH + timedelta(days=day)).isoformat() + " "
        return prefix + self._time_of_day[second]


@lru_cache(maxsize=2)
def _times_of_day(suffix: str) -> list[str]:
    return [f"{h:02d}:{m:02d}:{s:02d}{suffix}" for h in range(24) for m in range(60) for s in range(60)]


class BulkWriter:
    def __init__(self, conn: Connection):
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"
        self.format_time = EpochFormat("+00" if self.postgres else ".000000")

    def write_epoch(self, table_name: str, rows: list) -> None:
        """Rows whose timestamp columns hold epoch seconds."""
        if not rows:
            return
        table = _table(table_name)
        columns = [column.name for column in table.columns]
        times = [i for i, column in enumerate(table.columns) if isinstance(column.type, UTCDateTime)]
        dates = [] if self.postgres else [i for i, column in enumerate(table.columns) if isinstance(column.type, Date)]
        fmt = self.format_time

        def convert(row):
            row = list(row)
            for i in times:
                if row[i] is not None:
                    row[i] = fmt(row[i])
            for i in dates:
                if row[i] is not None:
                    row[i] = row[i].isoformat()
            return tuple(row)

        converted = [convert(row) for row in rows]
        if self.postgres:
            self._copy(table.name, columns, converted)
        else:
            names = ", ".join(columns)
            marks = ", ".join("?" * len(columns))
            self.conn.exec_driver_sql(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', converted)

    def write(self, table_name: str, rows: list) -> None:
        if not rows:
            return
        table = _table(table_name)
        columns = [column.name for column in table.columns]
        if len(rows[0]) != len(columns):
            raise ValueError(f"{table_name}: rows have {len(rows[0])} values for {len(columns)} columns")
        if self.postgres:
            self._copy(table.name, columns, rows)
        else:
            self.conn.execute(insert(table), [dict(zip(columns, row)) for row in rows])

    def _copy(self, table_name: str, columns: list[str], rows: list) -> None:
        names = ", ".join(f'"{name}"' for name in columns)
        with self.conn.connection.driver_connection.cursor() as cursor:
            with cursor.copy(f'COPY "{table_name}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)


@contextmanager
def indexes_deferred(engine: Engine, table_names: tuple[str, ...]):
    """Drop the secondary indexes of the given tables while loading, and build them afterwards
    (much faster than keeping them up to date row by row). The search structures that only the
    migrations create (trigram indexes, SQLite's FTS triggers) are suspended and rebuilt too."""
    indexes = [index for name in table_names for index in _table(name).indexes]
    with engine.begin() as conn:
        search = _search_structures(conn, table_names)
        for index in indexes:
            index.drop(conn)
        for drop, _create in search:
            conn.execute(text(drop))
    try:
        yield
    finally:
        with engine.begin() as conn:
            for index in indexes:
                index.create(conn)
            for _drop, create in search:
                conn.execute(text(create))
            if search and conn.dialect.name == "sqlite":
                rebuild_sqlite_search(conn)


def _search_structures(conn: Connection, table_names: tuple[str, ...]) -> list[tuple[str, str]]:
    """(drop, create) statements of the text-search objects made by migrations outside the models:
    PostgreSQL's `*_trgm` and `*_fts` indexes, SQLite's `appeal_fts_*` triggers and `*_covering` indexes."""
    if conn.dialect.name == "postgresql":
        rows = conn.execute(text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(:tables) "
                                 "AND (indexname LIKE '%\\_trgm' OR indexname LIKE '%\\_fts')"), {"tables": list(table_names)}).all()
        return [(f'DROP INDEX "{name}"', definition) for name, definition in rows]
    if conn.dialect.name == "sqlite":
        rows = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                 "AND name LIKE 'appeal\\_fts\\_%' ESCAPE '\\'")).all()
        covering = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                                     "AND name LIKE '%\\_covering' ESCAPE '\\'")).all()
        return [*((f'DROP TRIGGER "{name}"', definition) for name, definition in rows),
                *((f'DROP INDEX "{name}"', definition) for name, definition in covering)]
    return []


@contextmanager
def foreign_keys_deferred(engine: Engine, table_names: tuple[str, ...]):
    """PostgreSQL checks every foreign key row by row during COPY; dropping the constraints of the
    given tables while loading and adding them back afterwards checks them once, in bulk."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.begin() as conn:
        constraints = conn.execute(text(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid::regclass::text = ANY(:tables) ORDER BY 1, 2"),
            {"tables": list(table_names)}).all()
        for table_name, name, _definition in constraints:
            conn.exec_driver_sql(f'ALTER TABLE "{table_name}" DROP CONSTRAINT "{name}"')
    try:
        yield
    finally:
        with engine.begin() as conn:
            for table_name, name, definition in constraints:
                conn.exec_driver_sql(f'ALTER TABLE "{table_name}" ADD CONSTRAINT "{name}" {definition}')


def prepare_connection(conn: Connection) -> None:
    """Settings for a bulk load on this connection."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA synchronous=OFF")
        conn.exec_driver_sql("PRAGMA cache_size=-131072")  # 128 MiB
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET synchronous_commit = off")


def finish(engine: Engine, table_names: list[str]) -> None:
    """After a load with explicit ids: move PostgreSQL's id sequences past the rows, recount the
    queue's tallies and the search terms' counts, and refresh the planner's statistics."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            for name in table_names:
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                                  f"(SELECT COALESCE(MAX(id), 1) FROM \"{name}\"))"))
        queue_counters.rebuild(conn)
        search_terms.rebuild(conn)
    refresh_statistics(engine, [*table_names, "queuetally", "queueversion", "searchterm"])


def _table(name: str):
    return SQLModel.metadata.tables[name]
