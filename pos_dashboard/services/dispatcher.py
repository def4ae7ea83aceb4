"""The e-mail dispatcher: takes due e-mail rows from the outbox, sends them over SMTP (stdlib
smtplib) and records the result. Runs in the app's lifespan loop (pos_dashboard/background.py)
and as `python -m pos_dashboard notify --once`; several at once are safe.

How a row goes out:
1. claim — one UPDATE sets a lease (a random token and `lease_until`) and counts the attempt on
   due rows that nobody holds; PostgreSQL picks them with SELECT … FOR UPDATE SKIP LOCKED, SQLite
   serialises writers anyway. The claim is committed before anything is sent, so two dispatchers
   never hold one row.
2. send — over one SMTP connection per batch.
3. record — at once after the server accepted the message, one UPDATE (sent_at, lease cleared)
   conditioned on still holding the lease, committed per message. A refusal sets the next attempt
   with exponential back-off (or gives up: a permanent 5xx refusal, or MAX_ATTEMPTS tries).

Delivery guarantee: at-least-once. The only window for a double is a crash after the server
accepted a message and before step 3 committed (milliseconds): the lease then expires and the row
is sent again, with the same Message-ID (`<notification-ID@…>`), by which mail servers and clients
can drop the copy. The other order (mark, then send) would make that same crash lose the message
instead, and a lost notice of an answer or a deadline is worse than a repeated one. A crash between
claim and send only delays the row by the lease. A clean stop (`stop` set, the lifespan task
cancelled, Ctrl-C of the command) never interrupts steps 2–3 of a message: it finishes the message
in hand and hands back the rest of the batch (lease cleared, attempt not counted), so a clean
restart sends every message exactly once.
"""

import logging
import smtplib
import ssl
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from sqlalchemy import or_, select, update
from sqlmodel import Session

from ..domain.notifications import Notification, NotifyChannel
from ..domain.types import utcnow
from ..settings import SmtpSettings

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)  # far longer than one SMTP exchange (timeout 30 s)
BATCH = 50
MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=2)
ERROR_MAX = 500

N = Notification.__table__.c


@dataclass
class DispatchRun:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    released: int = 0


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after `attempts` failed ones: 30 s, 1 min, 2 min, … up to 2 h."""
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


def _due(now: datetime):
    return (N.channel == NotifyChannel.EMAIL.value, N.sent_at.is_(None), N.failed_at.is_(None),
            N.next_attempt_at <= now, or_(N.lease_until.is_(None), N.lease_until < now))


def claim(session: Session, *, now: datetime, token: str, limit: int = BATCH) -> list[dict]:
    """Take up to `limit` due e-mail rows for this dispatcher (committed); returns them."""
    # A CTE, not `id IN (subquery)`: PostgreSQL may re-run a plain subquery with LIMIT and SKIP LOCKED
    # during the UPDATE and take more rows than asked; a locking CTE runs once. SQLite renders no
    # FOR UPDATE and needs none (one writer at a time).
    due = (select(N.id).where(*_due(now)).order_by(N.next_attempt_at, N.id).limit(limit)
           .with_for_update(skip_locked=True).cte("due"))
    session.execute(update(Notification.__table__).where(N.id.in_(select(due.c.id)), *_due(now))
                    .values(lease_token=token, lease_until=now + LEASE, attempts=N.attempts + 1)
                    .execution_options(synchronize_session=False))
    session.commit()
    rows = session.execute(select(N.id, N.address, N.subject, N.body, N.attempts, N.created_at)
                           .where(N.lease_token == token, N.sent_at.is_(None)).order_by(N.id))
    return [dict(row._mapping) for row in rows]


def _finish(session: Session, row_id: int, token: str, **values) -> bool:
    result = session.execute(update(Notification.__table__).where(N.id == row_id, N.lease_token == token)
                             .values(lease_token=None, lease_until=None, **values))
    session.commit()
    return result.rowcount == 1


def release(session: Session, token: str) -> int:
    """Hand back rows claimed but not sent (clean stop): free at once, the attempt not counted."""
    result = session.execute(update(Notification.__table__).where(N.lease_token == token, N.sent_at.is_(None))
                             .values(lease_token=None, lease_until=None, attempts=N.attempts - 1))
    session.commit()
    return result.rowcount


def build_message(row: dict, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = row["address"]
    message["Subject"] = row["subject"]
    message["Date"] = format_datetime(row["created_at"])
    domain = sender.rpartition("@")[2] or "localhost"
    message["Message-ID"] = f"<notification-{row['id']}@{domain}>"  # the same on every try
    message.set_content(row["body"])  # UTF-8; headers are RFC 2047-encoded
    return message


class _Connection:
    """One SMTP session, opened on first use and again after the server dropped it."""

    def __init__(self, settings: SmtpSettings):
        self.settings, self.smtp = settings, None

    def send(self, message: EmailMessage) -> None:
        if self.smtp is None:
            self.smtp = self._open()
        self.smtp.send_message(message)

    def _open(self) -> smtplib.SMTP:
        s = self.settings
        if s.security == "ssl":
            smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout_s, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout_s)
            if s.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        if s.user:
            smtp.login(s.user, s.password)
        return smtp

    def reset(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.close()
            finally:
                self.smtp = None

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self.reset()


def _classify(exc: Exception) -> tuple[bool, bool]:
    """(permanent?, connection lost?) for a failed send."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes), False
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return False, True
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500, exc.smtp_code == 421
    return False, True  # OSError, timeouts, TLS: try again later on a fresh connection


def dispatch_once(session: Session, settings: SmtpSettings, *, clock: Callable[[], datetime] = utcnow,
                  limit: int = BATCH, stop: threading.Event | None = None,
                  after_claim: Callable[[list[dict]], None] | None = None) -> DispatchRun:
    """One batch: claim, send, record. With sending off (no SMTP host) nothing is claimed."""
    run = DispatchRun()
    if not settings.enabled:
        return run
    token = str(uuid.uuid4())
    rows = claim(session, now=clock(), token=token, limit=limit)
    run.claimed = len(rows)
    if after_claim is not None:  # tests: a crash between claim and send
        after_claim(rows)
    connection = _Connection(settings)
    try:
        for row in rows:
            if stop is not None and stop.is_set():
                break
            try:
                connection.send(build_message(row, settings.sender))
            except (smtplib.SMTPException, OSError) as exc:
                permanent, lost = _classify(exc)
                if lost:
                    connection.reset()
                _record_failure(session, row, token, exc, permanent, clock(), run)
            else:
                if _finish(session, row["id"], token, sent_at=clock(), last_error=None):
                    run.sent += 1
                else:  # the lease ran out and another dispatcher took the row: it may send it again
                    log.warning("notification %s: lease lost before the send was recorded", row["id"])
    finally:
        connection.close()
        run.released = release(session, token)
    return run


def _record_failure(session, row, token, exc, permanent, now, run) -> None:
    error = f"{type(exc).__name__}: {exc}"[:ERROR_MAX]
    if permanent or row["attempts"] >= MAX_ATTEMPTS:
        _finish(session, row["id"], token, failed_at=now, last_error=error)
        run.failed += 1
    else:
        _finish(session, row["id"], token, next_attempt_at=now + backoff(row["attempts"]), last_error=error)
        run.retried += 1


def dispatch_all(session: Session, settings: SmtpSettings, *, clock: Callable[[], datetime] = utcnow,
                 limit: int = BATCH, stop: threading.Event | None = None) -> DispatchRun:
    """Batches until nothing due is left (or `stop`)."""
    total = DispatchRun()
    while stop is None or not stop.is_set():
        run = dispatch_once(session, settings, clock=clock, limit=limit, stop=stop)
        for field in ("claimed", "sent", "retried", "failed", "released"):
            setattr(total, field, getattr(total, field) + getattr(run, field))
        if run.claimed < limit or run.sent == 0:
            break
    return total
