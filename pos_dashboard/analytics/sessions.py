"""The account page's list of sessions: only the actor's own, as display-ready rows."""

from datetime import datetime
from typing import TypedDict

from sqlmodel import Session

from ..services import sessions
from ..services.actors import Actor
from .formatting import local_time


class SessionRow(TypedDict):
    id: int
    created: str
    last_seen: str
    client: str
    current: bool


def session_rows(session: Session, *, actor: Actor, current_token: str, now: datetime | None = None) -> list[SessionRow]:
    current = sessions.resolve(session, current_token, now=now)
    current_id = current[1].id if current is not None and current[0].id == actor.user_id else None
    rows = sorted(sessions.active_sessions(session, actor=actor, now=now), key=lambda row: row.id != current_id)
    return [SessionRow(id=row.id, created=local_time(row.created_at), last_seen=local_time(row.last_seen_at),
                       client=row.client or "неизвестно", current=row.id == current_id)
            for row in rows]
