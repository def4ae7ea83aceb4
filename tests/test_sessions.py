"""Server-side sessions: a token works until log-out, idle or absolute expiry, password change or
deactivation; a user sees and ends only their own sessions; garbage tokens are "not logged in"."""

import hashlib
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlmodel import Session, select

from pos_dashboard.analytics.sessions import session_rows
from pos_dashboard.domain.enums import Role
from pos_dashboard.domain.models import User
from pos_dashboard.domain.security import UserSession
from pos_dashboard.services import auth, sessions
from pos_dashboard.services.actors import Actor
from pos_dashboard.services.errors import NotFound, PermissionDenied, ValidationFailed

from .factories import T0

PASSWORD = "верный-пароль-1"
# The production cost (~0.1 s a hash) would make this file slow; the rules do not depend on it.
CHEAP_HASHER = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    monkeypatch.setattr(auth, "_hasher", CHEAP_HASHER)
    monkeypatch.setattr(auth, "_dummy_hash", None)


@pytest.fixture()
def password_hash() -> str:
    return auth.hash_password(PASSWORD)


def _user(session: Session, login: str, password_hash: str, role: Role = Role.COORDINATOR) -> Actor:
    user = User(login=login, full_name=login.title(), role=role, password_hash=password_hash)
    session.add(user)
    session.commit()
    return Actor.of(user)


def _log_in(session: Session, login: str, password: str = PASSWORD, now=T0, **client) -> str:
    token = auth.log_in(session, login=login, password=password, now=now, **client)
    session.commit()
    return token


def _who(session: Session, token, now=T0) -> str | None:
    resolved = sessions.resolve(session, token, now=now)
    session.commit()
    return resolved[0].login if resolved else None


def test_the_database_keeps_only_the_hash_of_the_token(session, password_hash):
    _user(session, "anna", password_hash)
    token = _log_in(session, "anna", user_agent="Mozilla/5.0 (X11; Linux) Chrome/131", address="10.1.2.3")
    row = session.exec(select(UserSession)).one()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in (row.token_hash, row.client)
    assert row.client == "Chrome 131, Linux · 10.1.2.3"
    assert (row.created_at, row.last_seen_at, row.expires_at) == (T0, T0, T0 + timedelta(hours=12))
    assert _who(session, token) == "anna"


@pytest.mark.parametrize("agent, address, shown", [
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
     "Safari/537.36 Edg/131.0.2903.86", "10.0.0.7", "Edge 131, Windows · 10.0.0.7"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.5 Mobile/15E148 Safari/604.1", "", "Safari 17, iOS"),
    ("Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0", "::1", "Firefox 133, Android · ::1"),
    ("curl/8.5.0\n\x00" + "x" * 500, "1.2.3.4", "curl/8.5.0" + "x" * 70 + " · 1.2.3.4"),
])
def test_the_client_is_described_briefly(agent, address, shown):
    assert sessions.describe_client(agent, address) == shown


def test_a_copied_token_stops_working_after_log_out(session, password_hash):
    _user(session, "anna", password_hash)
    token = _log_in(session, "anna")
    copy = str(token)
    assert sessions.revoke_token(session, token, now=T0 + timedelta(minutes=5))
    session.commit()
    assert _who(session, copy, now=T0 + timedelta(minutes=6)) is None
    row = session.exec(select(UserSession)).one()
    assert row.revoke_reason == "logout" and row.revoked_at == T0 + timedelta(minutes=5)


def test_idle_and_absolute_expiry(session, password_hash):
    _user(session, "anna", password_hash)
    idle = _log_in(session, "anna")
    assert _who(session, idle, now=T0 + timedelta(hours=2)) is None  # two hours without use
    busy = _log_in(session, "anna")
    for minutes in range(90, 12 * 60, 90):  # used every 1.5 h: alive until the 12th hour
        assert _who(session, busy, now=T0 + timedelta(minutes=minutes)) == "anna"
    assert _who(session, busy, now=T0 + timedelta(hours=12)) is None


def test_last_seen_is_written_at_most_once_a_minute(session, password_hash):
    _user(session, "anna", password_hash)
    token = _log_in(session, "anna")
    _who(session, token, now=T0 + timedelta(seconds=59))
    assert session.exec(select(UserSession.last_seen_at)).one() == T0
    _who(session, token, now=T0 + timedelta(seconds=60))
    assert session.exec(select(UserSession.last_seen_at)).one() == T0 + timedelta(seconds=60)


def test_a_user_ends_only_their_own_sessions(session, password_hash):
    anna = _user(session, "anna", password_hash)
    boris = _user(session, "boris", password_hash)
    anna_token, boris_token = _log_in(session, "anna"), _log_in(session, "boris")
    boris_session = sessions.resolve(session, boris_token, now=T0)[1].id
    with pytest.raises(NotFound):  # a forged id of another user's session
        sessions.revoke_own_session(session, actor=anna, session_id=boris_session, now=T0)
    session.rollback()
    assert _who(session, boris_token) == "boris"
    for odd in (0, -1, 10 ** 30, "1", None):
        with pytest.raises(NotFound):
            sessions.revoke_own_session(session, actor=anna, session_id=odd, now=T0)
    sessions.revoke_own_session(session, actor=boris, session_id=boris_session, now=T0)
    session.commit()
    assert _who(session, boris_token) is None and _who(session, anna_token) == "anna"


def test_the_account_page_lists_own_active_sessions_and_marks_this_one(session, password_hash):
    anna = _user(session, "anna", password_hash)
    _user(session, "boris", password_hash)
    first = _log_in(session, "anna", user_agent="Firefox", address="10.0.0.1")
    second = _log_in(session, "anna", now=T0 + timedelta(minutes=10), user_agent="Chrome", address="10.0.0.2")
    ended = _log_in(session, "anna", now=T0 + timedelta(minutes=20))
    _log_in(session, "boris")
    sessions.revoke_token(session, ended, now=T0 + timedelta(minutes=21))
    session.commit()
    rows = session_rows(session, actor=anna, current_token=first, now=T0 + timedelta(minutes=30))
    # Moscow is UTC+3: T0 is 09:00 local on 3 March 2025.
    assert [(r["client"], r["created"], r["current"]) for r in rows] == [  # this one first
        ("Firefox · 10.0.0.1", "03.03.2025 09:00", True),
        ("Chrome · 10.0.0.2", "03.03.2025 09:10", False),
    ]
    rows = session_rows(session, actor=anna, current_token=second, now=T0 + timedelta(minutes=30))
    assert [(r["client"], r["current"]) for r in rows] == [("Chrome · 10.0.0.2", True), ("Firefox · 10.0.0.1", False)]


def test_ending_all_other_sessions_keeps_this_one(session, password_hash):
    anna = _user(session, "anna", password_hash)
    mine, other, third = _log_in(session, "anna"), _log_in(session, "anna"), _log_in(session, "anna")
    assert sessions.revoke_all(session, user_id=anna.user_id, reason=sessions.Reason.ENDED_BY_USER,
                               keep_token=mine, now=T0) == 2
    session.commit()
    assert [_who(session, t) for t in (mine, other, third)] == ["anna", None, None]


def test_password_change_checks_the_current_password_and_ends_every_session(session, password_hash):
    anna = _user(session, "anna", password_hash)
    tab, thief = _log_in(session, "anna"), _log_in(session, "anna")
    for current, new, message in [("не тот", "новый-пароль-2", "Текущий пароль введён неверно"),
                                  (PASSWORD, "short", "не короче 8"),
                                  (PASSWORD, PASSWORD, "совпадает")]:
        with pytest.raises((PermissionDenied, ValidationFailed)) as refused:
            auth.change_password(session, actor=anna, current_password=current, new_password=new, now=T0)
        session.rollback()
        assert message in refused.value.message
    assert _who(session, tab) == "anna" and _who(session, thief) == "anna"

    fresh = auth.change_password(session, actor=anna, current_password=PASSWORD, new_password="новый-пароль-2",
                                 now=T0 + timedelta(minutes=1))
    session.commit()
    assert [_who(session, t, now=T0 + timedelta(minutes=2)) for t in (tab, thief, fresh)] == [None, None, "anna"]
    with pytest.raises(PermissionDenied):
        auth.log_in(session, login="anna", password=PASSWORD, now=T0 + timedelta(minutes=3))
    session.rollback()
    assert _log_in(session, "anna", password="новый-пароль-2", now=T0 + timedelta(minutes=3))


def test_deactivation_is_for_admins_and_ends_the_sessions(session, password_hash):
    admin = _user(session, "root", password_hash, role=Role.ADMIN)
    coordinator = _user(session, "anna", password_hash)
    token = _log_in(session, "anna")
    with pytest.raises(PermissionDenied):
        auth.deactivate_user(session, actor=coordinator, user_id=admin.user_id, now=T0)
    session.rollback()
    with pytest.raises(ValidationFailed):
        auth.deactivate_user(session, actor=admin, user_id=admin.user_id, now=T0)
    session.rollback()
    auth.deactivate_user(session, actor=admin, user_id=coordinator.user_id, now=T0)
    session.commit()
    assert _who(session, token) is None
    assert session.exec(select(UserSession.revoke_reason)).one() == "deactivated"
    with pytest.raises(PermissionDenied):
        auth.log_in(session, login="anna", password=PASSWORD, now=T0)


OLD_FORMAT = ["1.9999999999.abc", "1.9999999999.подпись", "1.9999999999.\udcff", "", "." * 43, "é" * 43, "\x00" * 43]


@pytest.mark.parametrize("token", OLD_FORMAT + [None, 42, ["x"], {"a": 1}])
def test_garbage_tokens_are_not_logged_in(session, token):
    assert sessions.resolve(session, token, now=T0) is None
    assert sessions.revoke_token(session, token, now=T0) is False


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(token=st.text(max_size=200))
def test_any_string_is_a_token_or_not_logged_in_never_an_error(session, token):
    assert sessions.resolve(session, token, now=T0) is None
    session.rollback()
