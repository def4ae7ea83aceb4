"""The demo region comes with a notification history for the named citizen and organisation
account, drawn from their appeals' real events: sent e-mail (some after a retry), read and unread
in-app rows, every row about an appeal of that user, each user with an address."""

from datetime import datetime, timezone

from sqlalchemy import func
from sqlmodel import Session, select

from pos_dashboard.demo.generator import DemoOptions, load_demo
from pos_dashboard.domain.models import Appeal, AppealEvent, User
from pos_dashboard.domain.notifications import Notification

NOW = datetime(2025, 3, 12, 10, 0, tzinfo=timezone.utc)


def test_demo_has_an_outbox_history_for_the_citizen_and_the_organisation(engine):
    result = load_demo(engine, DemoOptions(appeals=1500, seed=7, now=NOW, history_days=120, chunk_size=500),
                       progress=None)
    assert result.status == "created" and result.counts["notification"] > 0
    with Session(engine) as session:
        users = {u.login: u for u in session.exec(select(User).where(User.login.in_(["citizen", "org"])))}
        assert users["citizen"].email == "citizen@example.ru" and users["org"].email == "org@example.ru"
        assert session.exec(select(func.count()).select_from(User).where(User.email.is_(None))).one() == 0
        for login in ("citizen", "org"):
            user = users[login]
            rows = session.exec(select(Notification).where(Notification.user_id == user.id)).all()
            in_app = [r for r in rows if r.channel == "in_app"]
            email = [r for r in rows if r.channel == "email"]
            assert in_app and len(email) == len(in_app), login
            assert any(r.read_at is None for r in in_app) and any(r.read_at is not None for r in in_app), login
            assert all(r.sent_at is None or r.sent_at > r.created_at for r in email)
            assert any(r.sent_at is not None for r in email) and any(r.attempts == 2 for r in email) or login == "org"
            assert all(r.address == f"{login}@example.ru" and r.created_at <= NOW for r in email)
            appeal_ids = {r.appeal_id for r in rows}
            if login == "citizen":
                mine = select(Appeal.id).where(Appeal.id.in_(appeal_ids), Appeal.citizen_id == user.id)
            else:  # routed to this organisation at some time (it may have been redirected away since)
                mine = select(AppealEvent.appeal_id).where(
                    AppealEvent.appeal_id.in_(appeal_ids), AppealEvent.action == "route",
                    AppealEvent.payload == f'{{"organization_id": {user.organization_id}}}')
            assert set(session.exec(mine).all()) == appeal_ids
