"""Log-in throttle: failed attempts are counted per login and per client address in the database
(every worker sees the same counts). Past a number of free failures each new failure locks the key
for twice as long as the last one, up to MAX_LOCK; a quiet hour forgets the key."""

import math
from datetime import datetime, timedelta

from sqlalchemy import case
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, delete, select, update

from ..domain.security import LoginThrottle
from .errors import ServiceError

LOGIN_FREE_FAILURES = 5
ADDRESS_FREE_FAILURES = 20  # an office or a mobile operator puts many people behind one address
FIRST_LOCK = timedelta(seconds=30)
MAX_LOCK = timedelta(minutes=15)
FORGET_AFTER = timedelta(hours=1)
_KEY_CHARS = 150


class Throttled(ServiceError):
    pass


def login_key(login: str) -> str:
    return "login:" + login[:_KEY_CHARS]


def address_key(address: str) -> str:
    return "addr:" + address[:_KEY_CHARS]


def keys_for(login: str, address: str) -> list[str]:
    return [login_key(login)] + ([address_key(address)] if address else [])


def lock_after(key: str, failures: int) -> timedelta:
    """How long a key is locked after its n-th failure in a row."""
    free = ADDRESS_FREE_FAILURES if key.startswith("addr:") else LOGIN_FREE_FAILURES
    if failures < free:
        return timedelta(0)
    return min(FIRST_LOCK * 2 ** min(failures - free, 20), MAX_LOCK)


def check(session: Session, keys: list[str], *, now: datetime) -> None:
    """Refuse, with the wait in Russian, while any of the keys is locked."""
    locks = session.exec(select(LoginThrottle.locked_until)
                         .where(LoginThrottle.key.in_(keys), LoginThrottle.locked_until > now)).all()
    if locks:
        raise Throttled(f"Слишком много попыток входа. Повторите через {wait_text(max(locks) - now)}.")


def record_failure(session: Session, keys: list[str], *, now: datetime) -> timedelta:
    """Count one failure on every key (atomically, whatever the backend); returns the longest lock."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    longest = timedelta(0)
    for key in keys:
        session.exec(insert(LoginThrottle).values(key=key, failures=0, last_failure_at=now)
                     .on_conflict_do_nothing(index_elements=["key"]))
        failures = session.exec(
            update(LoginThrottle).where(LoginThrottle.key == key)
            .values(failures=case((LoginThrottle.last_failure_at < now - FORGET_AFTER, 1),
                                  else_=LoginThrottle.failures + 1),
                    last_failure_at=now)
            .returning(LoginThrottle.failures)).scalar_one()
        if (lock := lock_after(key, failures)) > timedelta(0):
            session.exec(update(LoginThrottle).where(LoginThrottle.key == key).values(locked_until=now + lock))
            longest = max(longest, lock)
    return longest


def clear(session: Session, key: str) -> None:
    session.exec(delete(LoginThrottle).where(LoginThrottle.key == key))


def wait_text(wait: timedelta) -> str:
    seconds = max(1, math.ceil(wait.total_seconds()))
    return f"{seconds} с" if seconds < 60 else f"{math.ceil(seconds / 60)} мин"
