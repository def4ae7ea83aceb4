"""Log-in and signed session tokens. The token is `user_id.expiry.signature` (HMAC-SHA256), kept
by the browser; every handler verifies it and reloads the user, so a forged or expired token, or
a deactivated account, gets nothing."""

import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path

from pwdlib import PasswordHash
from sqlmodel import Session, select

from ..domain.models import User
from .errors import PermissionDenied, ValidationFailed

TOKEN_LIFETIME_S = 12 * 3600
_hasher = PasswordHash.recommended()
_SECRET_FILE = Path(os.environ.get("POS_SECRET_FILE", ".pos_secret"))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def authenticate(session: Session, *, login: str, password: str) -> User:
    login = (login or "").strip().lower()
    if not login or not password:
        raise ValidationFailed("Введите логин и пароль")
    user = session.exec(select(User).where(User.login == login)).first()
    if user is None or not user.is_active or not user.password_hash or not _verify(password, user.password_hash):
        raise PermissionDenied("Неверный логин или пароль")
    return user


def issue_token(user: User, *, now: float | None = None) -> str:
    expiry = int((now or time.time()) + TOKEN_LIFETIME_S)
    body = f"{user.id}.{expiry}"
    return f"{body}.{_sign(body)}"


def user_from_token(session: Session, token: str, *, now: float | None = None) -> User | None:
    try:
        user_id, expiry, signature = token.split(".")
        valid = hmac.compare_digest(signature, _sign(f"{user_id}.{expiry}")) and int(expiry) > (now or time.time())
    except (AttributeError, ValueError):
        return None
    if not valid:
        return None
    user = session.get(User, int(user_id))
    return user if user is not None and user.is_active else None


def _verify(password: str, password_hash: str) -> bool:
    try:
        return _hasher.verify(password, password_hash)
    except Exception:  # a malformed stored hash must not crash the log-in page
        return False


def _sign(body: str) -> str:
    return hmac.new(_secret(), body.encode(), hashlib.sha256).hexdigest()


def _secret() -> bytes:
    """POS_SECRET_KEY, or a key created once and kept in a file, so every worker shares it."""
    if key := os.environ.get("POS_SECRET_KEY"):
        return key.encode()
    if not _SECRET_FILE.exists():
        try:
            with open(_SECRET_FILE, "x") as handle:
                handle.write(secrets.token_hex(32))
        except FileExistsError:  # another worker won the race
            pass
    return _SECRET_FILE.read_text().strip().encode()
