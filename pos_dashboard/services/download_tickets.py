"""Download links for exports, so that a file travels as a streamed HTTP response instead of a
base64 message over the page's websocket.

The browser holds its session token in localStorage, which a plain link cannot send. A page's
handler (after its own role check) asks for a link: it names the user's session, an expiry a couple
of minutes ahead and the export's parameters, signed with an HMAC keyed by the session's stored
token hash. The route redeems it: the session must still be active, the signature must match, and
the read model then checks the user's role again (a link grants nothing its holder could not get
through the page: its holder knows the token the key derives from)."""

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime, timedelta
from urllib.parse import urlencode

from sqlmodel import Session

from ..domain.models import User
from ..domain.security import UserSession
from ..domain.types import utcnow
from . import sessions
from .actors import Actor
from .errors import PermissionDenied

TTL = timedelta(minutes=2)
_RESERVED = ("kind", "sid", "exp", "mac")
_REFUSED = "Ссылка на выгрузку недействительна или устарела: нажмите кнопку выгрузки ещё раз"


def _mac(key: str, fields: Mapping[str, str]) -> str:
    message = urlencode(sorted((k, v) for k, v in fields.items() if k != "mac")).encode("utf-8")
    return hmac.new(hashlib.sha256(b"download:" + key.encode("ascii")).digest(), message, "sha256").hexdigest()


def issue(session: Session, *, token: object, kind: str, params: Mapping[str, str],
          now: datetime | None = None) -> str:
    """The query string of a download link for the holder of `token` (refused when not logged in)."""
    now = now or utcnow()
    resolved = sessions.resolve(session, token, now=now)
    if resolved is None:
        raise PermissionDenied("Войдите в систему")
    _, row = resolved
    fields = {**{k: str(v) for k, v in params.items() if k not in _RESERVED}, "kind": kind, "sid": str(row.id),
              "exp": str(int((now + TTL).timestamp()))}
    return urlencode({**fields, "mac": _mac(row.token_hash, fields)})


def redeem(session: Session, query: Mapping[str, str], *, now: datetime | None = None) -> tuple[Actor, str, dict]:
    """(the user, the export's kind, its parameters) of a valid link; PermissionDenied otherwise."""
    now = now or utcnow()
    fields = {str(k): str(v) for k, v in query.items()}
    sid, exp = fields.get("sid", ""), fields.get("exp", "")
    if not (sid.isdigit() and len(sid) < 19 and exp.isdigit() and len(exp) < 12):
        raise PermissionDenied(_REFUSED)
    if not now.timestamp() <= int(exp) <= (now + TTL).timestamp() + 1:
        raise PermissionDenied(_REFUSED)
    row = session.get(UserSession, int(sid))
    if row is None or not sessions.is_active(row, now) or \
            not hmac.compare_digest(fields.get("mac", ""), _mac(row.token_hash, fields)):
        raise PermissionDenied(_REFUSED)
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise PermissionDenied(_REFUSED)
    params = {k: v for k, v in fields.items() if k not in _RESERVED}
    return Actor.of(user), fields.get("kind", ""), params
