"""PostgreSQL settings for one read: set for the transaction (`set_config(…, true)`, SET LOCAL) and
put back as they were once the read is done."""

from contextlib import contextmanager

from sqlalchemy import text as sql_text
from sqlmodel import Session


@contextmanager
def local_settings(session: Session, **values: str):
    """The settings named by the keywords (names written in the code, never user input) set to their
    values while the block runs. A read that fails leaves nothing to put back: its transaction or
    savepoint is rolled back, and the settings with it."""
    names = list(values)
    saved = session.execute(sql_text("SELECT " + ", ".join(
        [f"current_setting('{name}')" for name in names] + [f"set_config('{name}', :{name}, true)" for name in names])),
        values).one()
    yield
    session.execute(sql_text("SELECT " + ", ".join(f"set_config('{name}', :{name}, true)" for name in names)),
                    dict(zip(names, saved[:len(names)])))
