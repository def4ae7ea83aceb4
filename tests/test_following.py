"""Following somebody else's appeal («уже сообщили»): the service's rules, what a follower is told
and sees (never the text, address or author), and the state handlers as a forged websocket event
reaches them — whatever id, role or session, only the logged-in citizen's own follows change."""

import asyncio

import pytest
from sqlmodel import select

from pos_dashboard.analytics.following import fetch_followed
from pos_dashboard.analytics.nearby import open_nearby
from pos_dashboard.domain.enums import Role
from pos_dashboard.domain.following import FOLLOW_MAX, AppealFollower
from pos_dashboard.domain.models import Appeal, User
from pos_dashboard.domain.notifications import Notification
from pos_dashboard.services import appeals, following
from pos_dashboard.services.actors import Actor
from pos_dashboard.services.errors import NotFound, PermissionDenied, ValidationFailed
from pos_dashboard.states.base import AppState
from pos_dashboard.states.following import FollowState

from .factories import T0, build_region, hours, submit

SECRET_TEXT = "Во дворе дома 7 сломаны качели, звоните мне 8-900-000-00-00"


@pytest.fixture()
def region(engine, session, monkeypatch):
    monkeypatch.setenv("REFLEX_DB_URL", engine.url.render_as_string(hide_password=False))
    r = build_region(session)
    r.theirs = submit(session, r, actor=r.citizen2, text=SECRET_TEXT, address="ул. Садовая, д. 7",
                      latitude=59.9, longitude=30.3)
    return r


def follows(session) -> set[tuple[int, int]]:
    session.expire_all()
    return set(session.exec(select(AppealFollower.appeal_id, AppealFollower.user_id)).all())


def test_a_citizen_follows_somebody_elses_open_appeal_once(session, region):
    following.follow(session, actor=region.citizen, appeal_id=region.theirs, now=T0)
    following.follow(session, actor=region.citizen, appeal_id=region.theirs, now=T0 + hours(1))  # again: no-op
    assert follows(session) == {(region.theirs, region.citizen.user_id)}
    rows = fetch_followed(session, actor=region.citizen, now=T0 + hours(2))
    assert [row["id"] for row in rows] == [region.theirs]
    shown = repr(rows)
    assert "качели" not in shown and "Садовая" not in shown and "petrova" not in shown
    assert rows[0]["status_label"] == "Модерация" and rows[0]["organization"] == "ещё не назначен"
    nearby = open_nearby(session, actor=region.citizen, category_id=region.c_yard, lat=59.9, lon=30.3)
    assert [(a["id"], a["followed"], a["mine"]) for a in nearby] == [(region.theirs, True, False)]
    following.unfollow(session, actor=region.citizen, appeal_id=region.theirs)
    following.unfollow(session, actor=region.citizen, appeal_id=region.theirs)  # not following: no error
    assert follows(session) == set()


def test_refusals_write_nothing(session, region):
    own = submit(session, region, actor=region.citizen)
    closed = submit(session, region, actor=region.citizen2)
    appeals.perform(session, actor=region.citizen2, appeal_id=closed, action="withdraw", now=T0 + hours(1))
    history = submit(session, region, actor=region.citizen2)
    session.get(Appeal, history).source_history = True
    session.commit()
    cases = [
        (region.citizen, own, ValidationFailed, "Это ваше обращение"),
        (region.citizen, closed, ValidationFailed, "уже закрыто"),
        (region.citizen, history, NotFound, "не найдено"),
        *[(region.citizen, forged, NotFound, "не найдено") for forged in (0, -1, 10 ** 30, 999_999, "1", None,
                                                                        True, 1.5, [1], {"id": 1})],
        *[(actor, region.theirs, PermissionDenied, "только граждане") for actor in (
            region.coordinator, region.staff[region.o_uk], Actor(user_id=None, role=Role.CITIZEN),
            Actor(user_id=region.citizen.user_id, role=Role.ADMIN), None)],
    ]
    for actor, appeal_id, error, words in cases:
        with pytest.raises(error, match=words):
            following.follow(session, actor=actor, appeal_id=appeal_id)
    assert follows(session) == set()


def test_one_citizen_follows_at_most_the_limit(session, region, monkeypatch):
    monkeypatch.setattr(following, "FOLLOW_MAX", 2)
    ids = [submit(session, region, actor=region.citizen2) for _ in range(3)]
    for appeal_id in ids[:2]:
        following.follow(session, actor=region.citizen, appeal_id=appeal_id)
    with pytest.raises(ValidationFailed, match="не более чем за 2"):
        following.follow(session, actor=region.citizen, appeal_id=ids[2])
    assert len(follows(session)) == 2 and FOLLOW_MAX == 100


def test_followers_are_told_of_status_changes_but_not_of_the_authors_exchanges(session, region):
    r = region
    following.follow(session, actor=r.citizen, appeal_id=r.theirs, now=T0)
    appeals.perform(session, actor=r.coordinator, appeal_id=r.theirs, action="approve_moderation", now=T0 + hours(1))
    session.expire_all()
    routed = session.get(Appeal, r.theirs).status
    told = session.exec(select(Notification).where(Notification.user_id == r.citizen.user_id,
                                                   Notification.template == "follower_update")).all()
    assert routed == "in_work" and len(told) == 1  # routed by the rule at once: «В работе»
    assert told[0].subject == f"Обращение №{r.theirs}, за которым вы следите: «В работе»"
    assert "качели" not in told[0].body and "Садовая" not in told[0].body and "/my" in told[0].body
    staff = r.staff[session.get(Appeal, r.theirs).organization_id]
    appeals.perform(session, actor=staff, appeal_id=r.theirs, action="request_clarification",
                    reason="Уточните подъезд", now=T0 + hours(2))
    session.expire_all()
    assert len(session.exec(select(Notification).where(Notification.user_id == r.citizen.user_id,
                                                       Notification.template == "follower_update")).all()) == 1


def acting_as(monkeypatch, actor):
    async def _actor(self):
        return actor
    monkeypatch.setattr(AppState, "_actor", _actor)


def test_the_state_changes_only_the_logged_in_citizens_follows(session, region, monkeypatch):
    acting_as(monkeypatch, region.citizen)
    state = FollowState()
    asyncio.run(state.follow(region.theirs))
    assert state.error == "" and state.followed_ids == [region.theirs] and len(state.rows) == 1
    following.follow(session, actor=region.citizen2, appeal_id=submit(session, region), now=T0)  # petrova's own
    before = follows(session)
    for forged in (0, -5, 10 ** 40, "abc", None, [region.theirs], {"appeal_id": 1}):
        asyncio.run(state.unfollow(forged))
        assert follows(session) == before
    acting_as(monkeypatch, region.coordinator)
    asyncio.run(state.follow(region.theirs))
    assert "только граждане" in state.error
    for actor in (None, Actor(user_id=None, role=Role.CITIZEN)):
        acting_as(monkeypatch, actor)
        forged_state = FollowState()
        asyncio.run(forged_state.unfollow(region.theirs))
        assert forged_state.error
        asyncio.run(forged_state.load())
        assert forged_state.rows == []
    assert follows(session) == before
    acting_as(monkeypatch, region.citizen)
    asyncio.run(state.unfollow(region.theirs))
    assert state.rows == [] and follows(session) == before - {(region.theirs, region.citizen.user_id)}
    assert session.exec(select(User).where(User.id == region.citizen.user_id)).one().role == "citizen"
