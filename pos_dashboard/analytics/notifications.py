"""The in-app inbox: one page of the acting user's own notifications and their unread count. The
read model narrows by itself: it takes the actor and reads only rows addressed to that user (an
actor without a user id — the system, a forged session — gets nothing)."""

from dataclasses import dataclass
from typing import TypedDict

from sqlalchemy import func, select
from sqlmodel import Session

from ..domain.notifications import Notification, NotifyChannel
from ..services.actors import Actor
from .formatting import local_time

PAGE_SIZE = 20


class NotificationRow(TypedDict):
    id: int
    subject: str
    body: str
    created: str
    appeal_id: int  # 0: about no appeal
    unread: bool


@dataclass
class NotificationsPage:
    rows: list[NotificationRow]
    total: int
    unread: int


def _own(actor: Actor | None):
    user_id = actor.user_id if actor is not None else None
    return (Notification.user_id == (user_id if user_id is not None else -1),
            Notification.channel == NotifyChannel.IN_APP.value)


def unread_count(session: Session, *, actor: Actor | None) -> int:
    if actor is None or actor.user_id is None:
        return 0
    return session.execute(select(func.count()).select_from(Notification)
                           .where(*_own(actor), Notification.read_at.is_(None))).scalar_one()


def fetch_page(session: Session, *, actor: Actor | None, page: int = 0, page_size: int = PAGE_SIZE) -> NotificationsPage:
    """Newest first. `page` is clamped to the pages there are."""
    if actor is None or actor.user_id is None:
        return NotificationsPage([], 0, 0)
    page_size = max(1, min(int(page_size), PAGE_SIZE))
    total = session.execute(select(func.count()).select_from(Notification).where(*_own(actor))).scalar_one()
    page = max(0, min(int(page), max(0, (total - 1) // page_size)))
    rows = session.execute(select(Notification.id, Notification.subject, Notification.body, Notification.created_at,
                                  Notification.appeal_id, Notification.read_at)
                           .where(*_own(actor)).order_by(Notification.id.desc())
                           .offset(page * page_size).limit(page_size)).all()
    return NotificationsPage(
        rows=[NotificationRow(id=r.id, subject=r.subject, body=_without_signature(r.body), created=local_time(r.created_at),
                              appeal_id=r.appeal_id or 0, unread=r.read_at is None) for r in rows],
        total=total, unread=unread_count(session, actor=actor))


def _without_signature(body: str) -> str:
    """The e-mail's footer («отвечать не нужно») and its link paragraph mean nothing on the page,
    which links the appeal itself."""
    text = body.split("\n\n—\n", 1)[0]
    head, _, last = text.rpartition("\n\n")
    return head if head and "/appeals/" in last and "\n" not in last else text
