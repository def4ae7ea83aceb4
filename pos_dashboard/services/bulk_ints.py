"""Integer and time columns of a large result read into one int64 numpy array with as few Python
objects as the driver allows: at a million rows, the driver's objects, not the database, were most
of a KPI scan.

- PostgreSQL packs the rows into one bytea with `string_agg` (integers as `int8send`, times as
  stored, microseconds since 2000-01-01, with NULL sent as -infinity), read in binary by the driver
  and by numpy as big-endian 8-byte values: no object per row at all.
- SQLite makes, for a scan in no particular order, texts with `group_concat` in one pass: the
  integers, comma-separated (numpy parses them in C), and each time column's stored texts,
  fixed-width (numpy reads them in place): no Python object per row. A scan in an order hands over
  plain tuples in chunks, the times of a row joined in one text. (Times turned into integers by
  SQLite's `unixepoch` cost more CPU in all, measured at 1M appeals.)

A column is an integer expression that is never NULL (coalesce NULL to -1) or a time column (NULL
allowed). Times come back as int64 microseconds since the Unix epoch with NULL as numpy's NaT
value, so `values.view("M8[us]")` reads them.
"""

import warnings
from concurrent.futures import ThreadPoolExecutor
from itertools import chain

import numpy as np
import pandas as pd
from sqlalchemy import BigInteger, DateTime, LargeBinary, String, cast, func, literal_column, select, type_coerce
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import operators

NAT = np.iinfo("int64").min
_SQLITE_TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores DateTime in SQLite
_WIDTH = len("2025-03-03 09:00:00.123456")  # a time in that layout
_FILLER, _SEPARATOR = "~" * _WIDTH, "|"  # NULL and the join of the times of one row
DRIVER_CHUNK_ROWS = 65_536
_PG_EPOCH_MICROS = 946_684_800_000_000  # 2000-01-01, PostgreSQL's epoch, in microseconds since 1970


def fetch_columns(conn, columns: list, kinds: str, where=(), order_by=()) -> np.ndarray:
    """The rows of SELECT columns WHERE … ORDER BY … as an int64 array (rows × columns); `kinds`
    has one letter per column: "i" an integer, "t" a time (microseconds, NaT for NULL)."""
    if conn.dialect.name == "postgresql":
        return _postgres_bytes(conn, columns, kinds, where, order_by)
    return _driver_rows(conn, columns, kinds, where, order_by)


def fetch_rows(conn, stmt) -> list[tuple]:
    """The rows of `stmt` as the driver's plain tuples; PostgreSQL sends them in binary (a bytea as
    its bytes, not as hex text: half the time of reading the KPI blocks)."""
    if conn.dialect.name == "postgresql":
        compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
        with conn.connection.driver_connection.cursor(binary=True) as cursor:
            return cursor.execute(compiled.string, compiled.params).fetchall()
    result = conn.execute(stmt)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def in_parallel(tasks: list, threads: int = 2) -> list:
    """Run the callables (each reading on its own connection) at once; their results in order."""
    if len(tasks) < 2:
        return [task() for task in tasks]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(lambda task: task(), tasks))


def _postgres_bytes(conn, columns, kinds, where, order_by) -> np.ndarray:
    # The order is applied here, on the order's columns sent along: with an ordered aggregate the
    # server took 1.3 s for the 1.1M KPI events of a 1M region, without it 0.8 s.
    keys = [_sort_key(expression) for expression in order_by]
    columns, kinds = [*columns, *(column for column, _, _ in keys)], kinds + "".join(kind for _, kind, _ in keys)
    values = []
    for column, kind in zip(columns, kinds):
        if kind == "t":
            send = "timestamptz_send" if getattr(column.type, "timezone", False) else "timestamp_send"
            values.append(getattr(func, send)(func.coalesce(column, cast(literal_column("'-infinity'"), column.type))))
        else:
            values.append(func.int8send(cast(column, BigInteger)))
    row = values[0]
    for value in values[1:]:
        row = row.op("||")(value)
    compiled = select(func.string_agg(row, cast(literal_column("''"), LargeBinary)), func.count()).where(*where) \
        .compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    with conn.connection.driver_connection.cursor(binary=True) as cursor:  # bytea as bytes, not hex text
        data, count = cursor.execute(compiled.string, compiled.params).fetchone()
    data, width = data or b"", len(kinds)
    if len(data) != count * 8 * width:  # a NULL integer would have dropped its row from string_agg
        raise ValueError("a row had a NULL integer column (coalesce it)")
    matrix = np.frombuffer(data, dtype=">i8").astype("int64").reshape(-1, width)
    for i, kind in enumerate(kinds):
        if kind == "t":  # -infinity is NaT's own value; the others move to the Unix epoch
            matrix[:, i] = np.where(matrix[:, i] == NAT, NAT, matrix[:, i] + _PG_EPOCH_MICROS)
    if keys:
        sort_columns = [-matrix[:, i] if descending else matrix[:, i]
                        for i, (_, _, descending) in zip(range(width - len(keys), width), keys)]
        matrix = matrix[np.lexsort(sort_columns[::-1])]
    return matrix[:, :width - len(keys)]


def _sort_key(expression) -> tuple:
    """(column, kind, descending) of an ORDER BY term: a column, or a column's asc() / desc()."""
    modifier = getattr(expression, "modifier", None)
    column = expression.element if modifier in (operators.asc_op, operators.desc_op) else expression
    kind = "t" if isinstance(getattr(column.type, "impl", column.type), DateTime) else "i"
    return column, kind, modifier is operators.desc_op


def _driver_rows(conn, columns, kinds, where, order_by) -> np.ndarray:
    # The time columns travel as one text per row, their stored texts (SQLite's layout) joined by
    # "|", NULL as a filler of the same width: one Python object per row instead of one per time,
    # and numpy parses fixed-width texts several times faster than pandas parses Python strings.
    integer_columns = [column for column, kind in zip(columns, kinds) if kind == "i"]
    time_columns = [column for column, kind in zip(columns, kinds) if kind == "t"]
    if conn.dialect.name == "sqlite" and not order_by:
        matrix = _sqlite_texts(conn, integer_columns, time_columns, kinds, where)
        if matrix is not None:
            return matrix
    joined = [_joined([_stored_time(column) for column in time_columns], _SEPARATOR)] if time_columns else []
    result = conn.execute(select(*integer_columns, *joined).where(*where).order_by(*order_by))
    try:  # in chunks: each chunk's Python objects are freed before the next is made
        chunks = [_driver_matrix(rows, kinds, len(integer_columns), len(time_columns))
                  for rows in iter(lambda: result.cursor.fetchmany(DRIVER_CHUNK_ROWS), [])]
    finally:
        result.close()
    return np.concatenate(chunks) if chunks else np.empty((0, len(kinds)), "int64")


def _driver_matrix(rows: list[tuple], kinds: str, integer_count: int, time_count: int) -> np.ndarray:
    if not time_count:  # fromiter over the flattened tuples: no object array in between
        return np.fromiter(chain.from_iterable(rows), dtype="int64", count=len(rows) * len(kinds)).reshape(-1, len(kinds))
    table = np.array(rows, dtype=object).reshape(-1, integer_count + 1)  # one object matrix, made in C
    times = _joined_micros(_SEPARATOR.join(table[:, -1].tolist()), len(rows), time_count)
    matrix = np.empty((len(rows), len(kinds)), "int64")
    integers, moments = iter(range(integer_count)), iter(times)
    for i, kind in enumerate(kinds):
        matrix[:, i] = next(moments) if kind == "t" else table[:, next(integers)].astype("int64")
    return matrix


def _sqlite_texts(conn, integer_columns, time_columns, kinds, where) -> np.ndarray | None:
    """Unordered rows as texts made by SQLite's group_concat in one pass, the integers
    comma-separated and each time column fixed-width (every aggregate takes the rows in the same
    order), parsed by numpy: no Python object per row at all. None when a value is not a plain
    integer (a NULL, a real) or the text would pass SQLite's length limit: the caller then reads
    the rows."""
    parts = [func.count()]
    if integer_columns:
        parts.append(func.group_concat(_joined(integer_columns, ","), ","))
    parts += [func.group_concat(_stored_time(column), _SEPARATOR)
              for column in time_columns]  # one text per time column: less work for SQLite than joining them
    try:
        count, *texts = conn.execute(select(*parts).where(*where)).one()
    except DBAPIError:  # «string or blob too big» (past 1 GB of text): read the rows
        return None
    matrix = np.empty((count, len(kinds)), "int64")
    if not count:
        return matrix
    if integer_columns:
        integers = _integers(texts.pop(0), count, len(integer_columns))
        if integers is None:
            return None
        matrix[:, [i for i, kind in enumerate(kinds) if kind == "i"]] = integers
    for i, text in zip([i for i, kind in enumerate(kinds) if kind == "t"], texts):
        matrix[:, i] = _joined_micros(text, count, 1)[0]
    return matrix


def _integers(text: str | None, rows: int, count: int) -> np.ndarray | None:
    """The rows × count integers of a comma-separated text, or None when it holds anything else or
    fewer values (group_concat leaves out a row whose text is NULL)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            values = np.fromstring(text or "", dtype="int64", sep=",")
        except (DeprecationWarning, ValueError):
            return None
    return values.reshape(rows, count) if len(values) == rows * count else None


def _joined(texts: list, separator: str):
    """The SQL text `texts[0] || separator || texts[1] || …` (the driver's value needs no processing)."""
    joined = type_coerce(texts[0], String)
    for text in texts[1:]:
        joined = joined.op("||")(separator).op("||")(type_coerce(text, String))
    return type_coerce(joined, String)


def _stored_time(column):
    """The time as stored by SQLite (its text), the filler for NULL."""
    return func.coalesce(type_coerce(column, String), _FILLER)


def _joined_micros(text: str, rows: int, count: int) -> list[np.ndarray]:
    """Microseconds since the epoch (NaT for the filler) of each of `count` times per row in one
    text of rows × count stored times joined by "|": read in place by numpy when every time has
    SQLAlchemy's layout, otherwise split and parsed by pandas."""
    stride = _WIDTH + 1
    try:
        data = bytearray(text, "ascii")  # writable: the filler is overwritten in place
    except UnicodeEncodeError:
        data = None
    if data is not None and len(data) == rows * count * stride - 1 and \
            (np.frombuffer(data, "u1")[_WIDTH::stride] == ord(_SEPARATOR)).all():
        try:  # each time read in place, as a fixed-width text at its offset
            return [_fixed_micros(np.ndarray(rows, f"S{_WIDTH}", data, k * stride, (count * stride,)))
                    for k in range(count)]
        except ValueError:  # a text numpy cannot read as a time: pandas below says which, or reads it
            pass
    parts = np.array(text.split(_SEPARATOR), dtype=object)
    if len(parts) != rows * count:
        raise ValueError("a stored time holds the separator «|»")
    parts = parts.reshape(rows, count)
    return [_micros(np.where(parts[:, k] == _FILLER, None, parts[:, k])) for k in range(count)]


def _fixed_micros(texts: np.ndarray) -> np.ndarray:
    texts[texts == _FILLER.encode()] = b"NaT"
    return texts.astype("M8[us]").view("int64")


def _micros(values: np.ndarray) -> np.ndarray:
    """Microseconds since the epoch of stored times (text or datetimes; None gives NaT)."""
    try:
        times = pd.to_datetime(values, format=_SQLITE_TIME_FORMAT, utc=True)
    except (TypeError, ValueError):  # written by another tool, or not text
        times = pd.to_datetime(values, format="ISO8601", utc=True)
    return times.as_unit("us").asi8
