"""The SQL a block of code sends, for tests that check how a page reads (how many queries, which index)."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event


@contextmanager
def captured_statements(engine) -> Iterator[list[tuple[str, object]]]:
    """(statement, parameters) of every statement the engine executes inside the block, in order."""
    statements: list[tuple[str, object]] = []

    def remember(_conn, _cursor, statement, parameters, _context, _many):
        statements.append((statement, parameters))
    event.listen(engine, "before_cursor_execute", remember)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", remember)
