"""Log-in, password change and account deactivation.

Password hashing is slow on purpose (argon2, ~0.1 s of a core): at most HASH_CONCURRENCY hashes run
at once in a process, so a crowd at the log-in form cannot take the cores the pages need. An unknown
login is checked against a dummy hash, so the answer takes as long as for a real one."""

import os
import threading
from datetime import datetime

from pwdlib import PasswordHash
from sqlmodel import Session, select

from ..domain.enums import Role
from ..domain.models import User
from ..domain.types import utcnow
from . import sessions, throttle
from .actors import Actor
from .errors import PermissionDenied, ValidationFailed

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128  # argon2 reads all of it: an unbounded password is free CPU for an attacker
MAX_LOGIN_LENGTH = 150
# One hash at a time per process leaves the other core to the pages on a 2-core machine.
HASH_CONCURRENCY = max(1, int(os.environ.get("POS_HASH_CONCURRENCY", "1")))

_hasher = PasswordHash.recommended()
_hashing = threading.BoundedSemaphore(HASH_CONCURRENCY)
_dummy_lock = threading.Lock()
_dummy_hash: str | None = None
_WRONG = "Неверный логин или пароль"


def hash_password(password: str) -> str:
    with _hashing:
        return _hasher.hash(password)


def log_in(session: Session, *, login: str, password: str, address: str = "", user_agent: str = "",
           now: datetime | None = None) -> str:
    """Check the password (throttled per login and per address) and open a session: its token."""
    now = now or utcnow()
    user = authenticate(session, login=login, password=password, address=address, now=now)
    return sessions.open_session(session, user_id=user.id, user_agent=user_agent, address=address, now=now)


def authenticate(session: Session, *, login: str, password: str, address: str = "",
                 now: datetime | None = None) -> User:
    now = now or utcnow()
    login = (login or "").strip().lower()[:MAX_LOGIN_LENGTH]
    if not login or not password:
        raise ValidationFailed("Введите логин и пароль")
    keys = throttle.keys_for(login, address)
    throttle.check(session, keys, now=now)  # a locked attempt costs no hashing and no queueing
    with _hashing:
        throttle.check(session, keys, now=now)  # others may have failed while this one waited
        user = session.exec(select(User).where(User.login == login)).first()
        stored = user.password_hash if user is not None and user.is_active and user.password_hash else None
        valid = _verify(password[:MAX_PASSWORD_LENGTH], stored or _dummy()) and stored is not None
        if not valid:
            lock = throttle.record_failure(session, keys, now=now)
            session.commit()  # the failure must count although the refusal rolls the rest back
    if not valid:
        if lock:
            raise throttle.Throttled(f"{_WRONG}. Слишком много попыток входа. "
                                     f"Повторите через {throttle.wait_text(lock)}.")
        raise PermissionDenied(_WRONG)
    throttle.clear(session, throttle.login_key(login))
    return user


def change_password(session: Session, *, actor: Actor, current_password: str, new_password: str,
                    new_password_again: str | None = None, address: str = "", user_agent: str = "",
                    now: datetime | None = None) -> str:
    """Set a new password after checking the current one. Every session of the user ends (a thief
    holding one loses it); the caller's tab gets the returned token of a fresh session."""
    now = now or utcnow()
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    if user is None or not user.is_active:
        raise PermissionDenied("Войдите в систему")
    if len(new_password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(f"Новый пароль должен быть не короче {MIN_PASSWORD_LENGTH} символов")
    if len(new_password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed(f"Новый пароль должен быть не длиннее {MAX_PASSWORD_LENGTH} символов")
    if new_password_again is not None and new_password_again != new_password:
        raise ValidationFailed("Новый пароль и его повтор не совпадают")
    if new_password == current_password:
        raise ValidationFailed("Новый пароль совпадает с текущим")
    try:
        authenticate(session, login=user.login, password=current_password or " ", address=address, now=now)
    except throttle.Throttled:
        raise
    except PermissionDenied:
        raise PermissionDenied("Текущий пароль введён неверно") from None
    user.password_hash = hash_password(new_password)
    session.add(user)
    sessions.revoke_all(session, user_id=user.id, reason=sessions.Reason.PASSWORD_CHANGED, now=now)
    return sessions.open_session(session, user_id=user.id, user_agent=user_agent, address=address, now=now)


def deactivate_user(session: Session, *, actor: Actor, user_id: int, now: datetime | None = None) -> None:
    """An administrator switches an account off; its sessions end at once."""
    if actor.role != Role.ADMIN:
        raise PermissionDenied("Отключать учётные записи может только администратор")
    if user_id == actor.user_id:
        raise ValidationFailed("Нельзя отключить собственную учётную запись")
    user = session.get(User, user_id)
    if user is None:
        raise ValidationFailed("Учётная запись не найдена")
    user.is_active = False
    session.add(user)
    sessions.revoke_all(session, user_id=user.id, reason=sessions.Reason.DEACTIVATED, now=now)


def _verify(password: str, password_hash: str) -> bool:
    try:
        return _hasher.verify(password, password_hash)
    except Exception:  # a malformed stored hash must not crash the log-in page
        return False


def _dummy() -> str:
    global _dummy_hash
    with _dummy_lock:
        if _dummy_hash is None:
            _dummy_hash = _hasher.hash("no such user: the answer must take as long as for a real one")
        return _dummy_hash
