"""Marking in-app notifications read. Only the addressee may: another user's id (or an id that
does not exist, or an e-mail row) is refused with the same «не найдено», and nothing is written."""

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session

from ..domain import limits
from ..domain.notifications import Notification, NotifyChannel
from ..domain.types import utcnow
from .actors import Actor
from .errors import NotFound, PermissionDenied

_T = Notification.__table__.c


def _user(actor: Actor | None) -> int:
    if actor is None or actor.user_id is None:
        raise PermissionDenied("Войдите, чтобы читать уведомления")
    return actor.user_id


def mark_read(session: Session, *, actor: Actor, notification_id: int, now: datetime | None = None) -> None:
    user_id = _user(actor)
    if isinstance(notification_id, bool) or not isinstance(notification_id, int) or not limits.is_valid_id(notification_id):
        raise NotFound("Уведомление не найдено")
    result = session.execute(update(Notification.__table__).where(
        _T.id == notification_id, _T.user_id == user_id, _T.channel == NotifyChannel.IN_APP.value,
        _T.read_at.is_(None),
    ).values(read_at=now or utcnow()))
    if result.rowcount == 0 and not _exists_own(session, user_id, notification_id):
        session.rollback()
        raise NotFound("Уведомление не найдено")
    session.commit()


def mark_all_read(session: Session, *, actor: Actor, now: datetime | None = None) -> int:
    user_id = _user(actor)
    result = session.execute(update(Notification.__table__).where(
        _T.user_id == user_id, _T.channel == NotifyChannel.IN_APP.value, _T.read_at.is_(None),
    ).values(read_at=now or utcnow()))
    session.commit()
    return result.rowcount


def _exists_own(session: Session, user_id: int, notification_id: int) -> bool:
    """Already read (marking it again is fine) versus not this user's."""
    row = session.get(Notification, notification_id)
    return row is not None and row.user_id == user_id and row.channel == NotifyChannel.IN_APP.value
