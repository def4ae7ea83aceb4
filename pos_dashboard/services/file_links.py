"""Short-lived signed links to attachments. The session token lives in the browser's localStorage,
not in a cookie, so an <img src> or a download link cannot carry it; putting the token itself in a
URL would leak a whole log-in into history, logs and Referer headers. Instead the page's state,
having resolved the current user, signs «this log-in session may ask for this file until this
time»; the route checks the signature and the time, that the session is still active, then checks
access again against the database (a log-out, an account deactivated, or an appeal handed to
another organisation stops the link at once)."""

import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path
from urllib.parse import urlencode

from .. import settings

LINK_TTL_S = 3600
VARIANTS = ("file", "thumb")
PREFIX = "/files"


def _secret() -> bytes:
    """POS_SECRET, or a random key kept beside the attachments (shared by every worker)."""
    configured = os.environ.get("POS_SECRET")
    if configured:
        return configured.encode()
    path = Path(settings.attachments_dir()) / ".link_secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path.with_suffix(f".{os.getpid()}"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(secrets.token_bytes(32))
        try:
            os.link(path.with_suffix(f".{os.getpid()}"), path)  # the first worker's key wins
        except FileExistsError:
            pass
        os.unlink(path.with_suffix(f".{os.getpid()}"))
    return path.read_bytes()


def _signature(attachment_id: int, variant: str, session_id: int, expires: int) -> str:
    message = f"{attachment_id}.{variant}.{session_id}.{expires}".encode()
    return hmac.new(_secret(), message, hashlib.sha256).hexdigest()[:40]


def signed_url(attachment_id: int, variant: str, session_id: int, *, now: float | None = None) -> str:
    expires = int((now or time.time()) + LINK_TTL_S)
    query = urlencode({"u": session_id, "e": expires, "s": _signature(attachment_id, variant, session_id, expires)})
    return f"{PREFIX}/{attachment_id}/{variant}?{query}"


def verify(attachment_id: int, variant: str, query: dict, *, now: float | None = None) -> int | None:
    """The log-in session the link was made for, or None (bad, forged or expired)."""
    user, expires, signature = query.get("u", ""), query.get("e", ""), query.get("s", "")
    if variant not in VARIANTS or not (str(user).isdecimal() and str(expires).isdecimal()) or len(user) > 10:
        return None
    if int(expires) < (now or time.time()):
        return None
    expected = _signature(attachment_id, variant, int(user), int(expires))
    return int(user) if hmac.compare_digest(expected, str(signature)) else None
