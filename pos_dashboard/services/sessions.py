"""Server-side sessions. The browser keeps a random token; the database keeps only its SHA-256, with
the user, the times and the revocation. A token stops working when it is revoked (log-out, password
change, deactivation), after IDLE_TIMEOUT without use, or ABSOLUTE_LIFETIME after log-in."""

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, select, update

from ..domain import limits
from ..domain.models import User
from ..domain.security import CLIENT_MAX_CHARS, UserSession
from ..domain.types import utcnow
from .actors import Actor
from .errors import NotFound, PermissionDenied

IDLE_TIMEOUT = timedelta(hours=2)
ABSOLUTE_LIFETIME = timedelta(hours=12)
# last_seen_at is written at most this often, so that a busy page does not cost a write per event.
TOUCH_INTERVAL = timedelta(minutes=1)

# secrets.token_urlsafe(32): 43 characters of the URL-safe base64 alphabet. Anything else (garbage,
# non-ASCII, a token of the old signed format) is "not logged in" before it reaches a hash or a query.
_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{43}", re.ASCII)


class Reason:
    LOGOUT = "logout"
    ENDED_BY_USER = "ended_by_user"
    PASSWORD_CHANGED = "password_changed"
    DEACTIVATED = "deactivated"
    ROLE_CHANGED = "role_changed"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


_BROWSERS = [("Edg/", "Edge"), ("YaBrowser/", "Яндекс Браузер"), ("OPR/", "Opera"), ("Firefox/", "Firefox"),
             ("Chrome/", "Chrome"), ("Version/", "Safari")]
_SYSTEMS = [("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iPadOS"), ("Windows", "Windows"),
            ("Mac OS X", "macOS"), ("Linux", "Linux")]


def describe_client(user_agent: str, address: str) -> str:
    """A short, printable description of where a log-in came from (shown to the user), e.g.
    «Chrome 131, Windows · 10.1.2.3»; an unknown user agent is kept as sent, cut short."""
    agent = _printable(user_agent)
    browser = next((f"{name} {m.group(1)}" for marker, name in _BROWSERS
                    if (m := re.search(re.escape(marker) + r"(\d+)", agent))), "")
    system = next((name for marker, name in _SYSTEMS if marker in agent), "")
    summary = ", ".join(part for part in (browser, system) if part) if browser else agent[:80]
    return " · ".join(part for part in (summary, _printable(address)[:60]) if part)[:CLIENT_MAX_CHARS]


def open_session(session: Session, *, user_id: int, user_agent: str = "", address: str = "",
                 now: datetime | None = None) -> str:
    """Start a session for a user who has just proved who they are; returns the browser's token."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    session.add(UserSession(token_hash=token_hash(token), user_id=user_id, created_at=now, last_seen_at=now,
                            expires_at=now + ABSOLUTE_LIFETIME, client=describe_client(user_agent, address)))
    session.flush()
    return token


def resolve(session: Session, token: object, *, now: datetime | None = None,
            touch: bool = True) -> tuple[User, UserSession] | None:
    """The active user and session behind a token, or None. Never raises on what a client sends.
    `touch=False` for what the page does by itself (the bell's poll): it must not keep an idle
    session alive."""
    if not isinstance(token, str) or not _TOKEN_RE.fullmatch(token):
        return None
    now = now or utcnow()
    # The session and its user in one round trip (every handler starts here).
    found = session.exec(select(UserSession, User).join(User, User.id == UserSession.user_id)
                         .where(UserSession.token_hash == token_hash(token))).first()
    if found is None:
        return None
    row, user = found
    if not _is_active(row, now) or not user.is_active:
        return None
    if touch and now - row.last_seen_at >= TOUCH_INTERVAL:
        row.last_seen_at = now
        session.add(row)
        session.flush()
    return user, row


def revoke_token(session: Session, token: object, *, reason: str = Reason.LOGOUT, now: datetime | None = None) -> bool:
    """Log-out: the holder of a token ends that session (and only that one)."""
    if not isinstance(token, str) or not _TOKEN_RE.fullmatch(token):
        return False
    result = session.exec(update(UserSession)
                          .where(UserSession.token_hash == token_hash(token), UserSession.revoked_at.is_(None))
                          .values(revoked_at=now or utcnow(), revoke_reason=reason))
    return result.rowcount > 0


def revoke_own_session(session: Session, *, actor: Actor, session_id: int, now: datetime | None = None) -> None:
    """«Завершить»: a user ends one of their own sessions. Another user's id changes nothing."""
    if actor.user_id is None:
        raise PermissionDenied("Войдите в систему")
    if not isinstance(session_id, int) or not 0 < session_id < 2 ** 63:  # beyond any id, and any BIGINT
        raise NotFound("Сеанс не найден или уже завершён")
    result = session.exec(update(UserSession)
                          .where(UserSession.id == session_id, UserSession.user_id == actor.user_id,
                                 UserSession.revoked_at.is_(None))
                          .values(revoked_at=now or utcnow(), revoke_reason=Reason.ENDED_BY_USER))
    if result.rowcount == 0:
        raise NotFound("Сеанс не найден или уже завершён")


def revoke_all(session: Session, *, user_id: int, reason: str, keep_token: str | None = None,
               now: datetime | None = None) -> int:
    """End every open session of a user, except the one holding `keep_token` if given."""
    query = update(UserSession).where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
    if keep_token is not None:
        keep = token_hash(keep_token) if _TOKEN_RE.fullmatch(keep_token) else ""
        query = query.where(UserSession.token_hash != keep)
    return session.exec(query.values(revoked_at=now or utcnow(), revoke_reason=reason)).rowcount


def active_sessions(session: Session, *, actor: Actor, now: datetime | None = None) -> list[UserSession]:
    """The actor's own sessions that still work, newest first."""
    if actor.user_id is None:
        return []
    now = now or utcnow()
    rows = session.exec(select(UserSession)
                        .where(UserSession.user_id == actor.user_id, UserSession.revoked_at.is_(None),
                               UserSession.expires_at > now, UserSession.last_seen_at > now - IDLE_TIMEOUT)
                        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
                        .limit(50)).all()
    return [row for row in rows if _is_active(row, now)]


def is_active(row: UserSession, now: datetime) -> bool:
    """Whether a session still works at `now` (not revoked, not expired, not idle too long)."""
    return _is_active(row, now)


def user_of_session(session: Session, session_id: int, *, now: datetime | None = None) -> User | None:
    """The active user of a still-active session, by its id (signed links name the session, not
    the token): a log-out or an expired session ends what was signed for it."""
    row = session.get(UserSession, session_id) if limits.is_valid_id(session_id) else None
    if row is None or not _is_active(row, now or utcnow()):
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.is_active else None


def _is_active(row: UserSession, now: datetime) -> bool:
    return row.revoked_at is None and row.expires_at > now and row.last_seen_at + IDLE_TIMEOUT > now


def _printable(text: str) -> str:
    return "".join(ch for ch in (text or "")[:CLIENT_MAX_CHARS] if ch.isprintable()).strip()
