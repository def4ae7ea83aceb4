"""The demo's notification history: what the outbox would hold had the named `citizen` and `org`
accounts been notified through the region's life. Written after the appeals, from their real
events, with the same routing table and templates as the services (services/notifications.py).
E-mail older than an hour was sent a few seconds after its event (some after a retry: the
demo's SMTP server "refused" every seventh message once); the last hour's e-mail is still
queued. In-app rows older than three days were read; the newest are unread."""

import json
from datetime import datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from ..domain.models import Appeal, AppealEvent, Organization, User
from ..domain.notifications import Notification, NotifyChannel
from ..services.dispatcher import backoff
from ..services.notifications import ROUTES, message_context
from ..services.notify_templates import render

ORG_HISTORY_DAYS = 45  # the busy organisation has thousands of events: its last weeks only
READ_AFTER = timedelta(days=3)
QUEUED_WITHIN = timedelta(hours=1)
ALWAYS_UNREAD = 4  # the newest in-app rows of each user stay unread, however old


def write_history(engine: Engine, now: datetime, logins: tuple[str, str] = ("citizen", "org")) -> int:
    citizen_login, org_login = logins
    with Session(engine, expire_on_commit=False) as session:
        users = {u.login: u for u in session.execute(select(User).where(User.login.in_(logins))).scalars()}
        citizen, staff = users.get(citizen_login), users.get(org_login)
        rows: list[dict] = []
        if citizen is not None:
            events = _events(session, Appeal.citizen_id == citizen.id)
            rows += _rows(session, citizen, events, 0, now)
        if staff is not None and staff.organization_id is not None:
            held = select(AppealEvent.appeal_id).where(
                AppealEvent.action == "route", AppealEvent.payload.like(f'%"organization_id": {staff.organization_id}}}%'))
            rows += _rows(session, staff, _events(session, Appeal.id.in_(held)), 1, now,
                          since=now - timedelta(days=ORG_HISTORY_DAYS))
        if rows:
            session.execute(insert(Notification.__table__), rows)
        session.commit()
        return len(rows)


def _events(session: Session, *conditions) -> list[tuple[AppealEvent, Appeal]]:
    stmt = (select(AppealEvent, Appeal).join(Appeal, Appeal.id == AppealEvent.appeal_id)
            .where(AppealEvent.action.in_(list(ROUTES)), *conditions).order_by(AppealEvent.at, AppealEvent.id))
    return list(session.execute(stmt).tuples())


def _rows(session: Session, user: User, events, side: int, now: datetime,
          since: datetime | None = None) -> list[dict]:
    """Rows of one user. The organisation that held the appeal at each event is followed through
    the route and redirect events: the staff hear only of what was theirs at the time, and each
    message names the organisation of its time."""
    rows, in_app, holder, names = [], [], {}, {}
    for number, (event, appeal) in enumerate(events):
        payload = json.loads(event.payload) if event.payload else None
        if event.action == "route":
            holder[appeal.id] = (payload or {}).get("organization_id")
        elif event.action == "redirect":
            holder[appeal.id] = None
        key = ROUTES[event.action][side]
        if key is None or (side == 1 and holder.get(appeal.id) != user.organization_id) or (
                since is not None and event.at < since):
            continue
        context = message_context(session, appeal, event.action, event.reason, payload)
        org_id = holder.get(appeal.id)
        if org_id is not None:
            names.setdefault(org_id, session.get(Organization, org_id).name)
            context["organization"] = names[org_id]
        subject, body = render(key, **context)
        base = dict(user_id=user.id, template=key, subject=subject, body=body, appeal_id=appeal.id,
                    created_at=event.at, attempts=0, dedupe_key=None)
        row = dict(base, channel=NotifyChannel.IN_APP.value, sent_at=event.at,
                   read_at=event.at + timedelta(hours=2) if now - event.at > READ_AFTER else None)
        in_app.append(row)
        if user.email:
            rows.append(_email(base, user.email, number, event.at, now))
    for row in in_app[-ALWAYS_UNREAD:]:
        row["read_at"] = None
    columns = {c.name for c in Notification.__table__.columns} - {"id"}
    return [{name: row.get(name) for name in columns} | {"attempts": row.get("attempts", 0)} for row in rows + in_app]


def _email(base: dict, address: str, number: int, at: datetime, now: datetime) -> dict:
    row = dict(base, channel=NotifyChannel.EMAIL.value, address=address, next_attempt_at=at)
    if now - at < QUEUED_WITHIN:
        return row  # the dispatcher has not got to it yet
    retried = number % 7 == 3
    sent_at = at + timedelta(seconds=4 + number % 9) + (backoff(1) if retried else timedelta(0))
    return dict(row, attempts=2 if retried else 1, sent_at=sent_at,
                next_attempt_at=at + backoff(1) if retried else at)
