"""The bell and /notifications at the state-handler level, as a forged websocket event reaches
them: whatever id or argument is sent, a user reads and marks only their own notifications; no
session means nothing read and nothing written."""

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import select

from pos_dashboard.domain.models import User
from pos_dashboard.domain.notifications import Notification
from pos_dashboard.domain.security import UserSession
from pos_dashboard.domain.types import utcnow
from pos_dashboard.services import appeals, sessions
from pos_dashboard.services.actors import Actor
from pos_dashboard.states.base import AppState
from pos_dashboard.states.notifications import BellState, NotificationsState

from .factories import T0, build_region, hours, submit

NOT_FOUND = "Уведомление не найдено"


@pytest.fixture()
def region(engine, session, monkeypatch):
    monkeypatch.setenv("REFLEX_DB_URL", engine.url.render_as_string(hide_password=False))
    r = build_region(session)
    session.get(User, r.citizen.user_id).email = "ivanov@example.ru"
    session.commit()
    for _ in range(3):
        appeal_id = submit(session, r, now=T0)
        appeals.perform(session, actor=r.coordinator, appeal_id=appeal_id, action="approve_moderation", now=T0 + hours(1))
    return r


def acting_as(monkeypatch, actor: Actor | None) -> None:
    async def _actor(self):
        return actor
    monkeypatch.setattr(AppState, "_actor", _actor)


def in_app(session, user_id) -> dict[int, object]:
    session.expire_all()
    return dict(session.exec(select(Notification.id, Notification.read_at).where(
        Notification.user_id == user_id, Notification.channel == "in_app")).all())


def token_of(session, actor: Actor) -> str:
    token = sessions.open_session(session, user_id=actor.user_id)
    session.commit()
    return token


def run(coroutine):
    return asyncio.run(coroutine)


def test_a_user_sees_and_counts_only_their_own(session, region, monkeypatch):
    citizen, staff = region.citizen, region.staff[region.o_uk]
    acting_as(monkeypatch, citizen)
    state = NotificationsState()
    run(state.on_load())
    own = in_app(session, citizen.user_id)
    assert state.total == len(own) == 9 and state.unread == 9  # 3 × registered, accepted, in work
    assert {row["id"] for row in state.rows} == set(own)
    assert all(row["subject"].startswith("Обращение №") and "отвечать на него не нужно" not in row["body"]
               for row in state.rows)
    bell = BellState()
    bell.auth_token = token_of(session, citizen)
    run(bell.refresh())
    assert bell.unread == 9
    bell.auth_token = token_of(session, staff)
    run(bell.refresh())
    assert bell.unread == len(in_app(session, staff.user_id)) == 3  # three new appeals for the УК


def test_the_bells_poll_does_not_keep_an_idle_session_alive(session, region):
    opened = utcnow() - timedelta(minutes=30)
    token = sessions.open_session(session, user_id=region.citizen.user_id, now=opened)
    session.commit()
    bell = BellState()
    bell.auth_token = token
    for _ in range(3):
        run(bell.refresh("12:00"))
    assert bell.unread == 9
    session.expire_all()
    assert session.exec(select(UserSession.last_seen_at).where(UserSession.user_id == region.citizen.user_id)).one() == opened


def test_forged_ids_of_another_users_notifications_are_refused_and_change_nothing(session, region, monkeypatch):
    citizen, staff = region.citizen, region.staff[region.o_uk]
    theirs = in_app(session, staff.user_id)
    emails = list(session.exec(select(Notification.id).where(Notification.channel == "email")).all())
    acting_as(monkeypatch, citizen)
    state = NotificationsState()
    run(state.on_load())
    for forged in [*theirs, *emails, 0, -1, 10 ** 30, "1", None, [], {"id": 1}, True]:
        run(state.mark_read(forged))
        assert state.error == NOT_FOUND, forged
    assert in_app(session, staff.user_id) == theirs  # none of the staff member's rows was marked
    assert state.unread == 9
    run(state.mark_all_read())
    assert in_app(session, staff.user_id) == theirs
    assert all(read_at is not None for read_at in in_app(session, citizen.user_id).values())
    assert state.unread == 0 and state.error == ""


def test_marking_ones_own_row_read(session, region, monkeypatch):
    citizen = region.citizen
    acting_as(monkeypatch, citizen)
    state = NotificationsState()
    run(state.on_load())
    first = state.rows[0]["id"]
    run(state.mark_read(first))
    run(state.mark_read(first))  # again: no error, still read
    assert state.error == "" and state.unread == 8
    assert in_app(session, citizen.user_id)[first] is not None
    assert [row["unread"] for row in state.rows if row["id"] == first] == [False]


@pytest.mark.parametrize("actor", [None, Actor(user_id=None, role="citizen")])
def test_no_session_reads_nothing_and_writes_nothing(session, region, monkeypatch, actor):
    before = {r.id: r.read_at for r in session.exec(select(Notification)).all()}
    acting_as(monkeypatch, actor)
    state = NotificationsState()
    run(state.on_load())
    assert state.rows == [] and state.total == 0
    run(state.mark_all_read())
    for row_id in before:
        run(state.mark_read(row_id))
    bell = BellState()
    for token in ("", "garbage", "x" * 5000):
        bell.auth_token = token
        run(bell.refresh())
        assert bell.unread == 0
    session.expire_all()
    assert {r.id: r.read_at for r in session.exec(select(Notification)).all()} == before
