"""Log-in abuse: failures per login and per address lock with growing waits (in the database, so
every worker shares them); an unknown login costs a hash like a real one; hashing is bounded."""

import threading
import time
from datetime import timedelta

import pytest
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlmodel import Session, select

from pos_dashboard.domain.enums import Role
from pos_dashboard.domain.models import User
from pos_dashboard.domain.security import LoginThrottle
from pos_dashboard.services import auth, throttle
from pos_dashboard.services.errors import PermissionDenied, ServiceError

from .factories import T0

PASSWORD = "верный-пароль-1"
CHEAP_HASHER = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    monkeypatch.setattr(auth, "_hasher", CHEAP_HASHER)
    monkeypatch.setattr(auth, "_dummy_hash", None)


@pytest.fixture()
def anna(session):
    session.add(User(login="anna", full_name="Анна", role=Role.COORDINATOR, password_hash=auth.hash_password(PASSWORD)))
    session.commit()


def _attempt(session: Session, login: str, password: str, at: timedelta, address: str = "10.0.0.1") -> str:
    """The answer a user would see: "ok" or the refusal's message."""
    try:
        auth.log_in(session, login=login, password=password, address=address, now=T0 + at)
    except ServiceError as exc:
        session.rollback()
        return exc.message
    session.commit()
    return "ok"


def test_lock_grows_from_30_seconds_to_15_minutes():
    assert [throttle.lock_after("login:anna", n).total_seconds() for n in range(1, 12)] == \
        [0, 0, 0, 0, 30, 60, 120, 240, 480, 900, 900]
    assert throttle.lock_after("addr:10.0.0.1", 19) == timedelta(0)
    assert throttle.lock_after("addr:10.0.0.1", 20) == timedelta(seconds=30)
    assert [throttle.wait_text(timedelta(seconds=s)) for s in (0.2, 30, 59.5, 60, 61, 240)] == \
        ["1 с", "30 с", "1 мин", "1 мин", "2 мин", "4 мин"]


def test_wrong_passwords_lock_the_login_even_for_the_right_password(session, anna):
    answers = [_attempt(session, "anna", "не тот", timedelta(seconds=s)) for s in range(4)]
    assert answers == ["Неверный логин или пароль"] * 4
    assert _attempt(session, "anna", "не тот", timedelta(seconds=4)) == \
        "Неверный логин или пароль. Слишком много попыток входа. Повторите через 30 с."
    assert _attempt(session, "Anna ", PASSWORD, timedelta(seconds=5)) == \
        "Слишком много попыток входа. Повторите через 29 с."
    # from another address too: the lock is on the login
    assert "Повторите через 20 с" in _attempt(session, "anna", PASSWORD, timedelta(seconds=14), address="10.9.9.9")
    assert _attempt(session, "anna", "не тот", timedelta(seconds=35)) == \
        "Неверный логин или пароль. Слишком много попыток входа. Повторите через 1 мин."
    assert _attempt(session, "anna", PASSWORD, timedelta(seconds=96)) == "ok"
    # success forgets the login's failures: the next mistake is not locked
    assert _attempt(session, "anna", "не тот", timedelta(seconds=97)) == "Неверный логин или пароль"


def test_an_unknown_login_is_locked_the_same_way(session, anna):
    for s in range(4):
        assert _attempt(session, "nobody", "x", timedelta(seconds=s)) == "Неверный логин или пароль"
    assert "Повторите через 30 с" in _attempt(session, "nobody", "x", timedelta(seconds=4))


def test_many_logins_from_one_address_lock_the_address(session, anna):
    for n in range(19):
        assert _attempt(session, f"guess{n}", "x", timedelta(seconds=n)) == "Неверный логин или пароль"
    assert "Повторите через 30 с" in _attempt(session, "guess19", "x", timedelta(seconds=19))
    assert "Слишком много попыток" in _attempt(session, "anna", PASSWORD, timedelta(seconds=20))
    assert _attempt(session, "anna", PASSWORD, timedelta(seconds=20), address="10.0.0.2") == "ok"


def test_a_quiet_hour_forgets_the_failures(session, anna):
    for s in range(4):
        _attempt(session, "anna", "не тот", timedelta(seconds=s))
    assert _attempt(session, "anna", "не тот", timedelta(hours=1, seconds=4)) == "Неверный логин или пароль"
    failures = session.exec(select(LoginThrottle.failures).where(LoginThrottle.key == "login:anna")).one()
    assert failures == 1


def test_an_unknown_login_costs_one_password_check_like_a_real_one(session, anna, monkeypatch):
    checked = []
    real_verify = CHEAP_HASHER.verify
    monkeypatch.setattr(CHEAP_HASHER, "verify", lambda password, hashed: checked.append(hashed) or
                        real_verify(password, hashed))
    for login in ("anna", "nobody"):
        _attempt(session, login, "не тот", timedelta(0))
    assert len(checked) == 2 and checked[1] == auth._dummy_hash and checked[0] != checked[1]


def test_no_more_than_one_password_hash_runs_at_once(engine, anna, monkeypatch):
    running, peak, lock = [0], [0], threading.Lock()
    real_verify = CHEAP_HASHER.verify

    def slow_verify(password, hashed):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.02)
        with lock:
            running[0] -= 1
        return real_verify(password, hashed)

    monkeypatch.setattr(CHEAP_HASHER, "verify", slow_verify)
    answers = []

    def tab(n: int):
        with Session(engine, expire_on_commit=False) as own:
            answers.append(_attempt(own, "anna", PASSWORD if n % 2 else "не тот", timedelta(0), address=f"10.0.1.{n}"))

    threads = [threading.Thread(target=tab, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert peak[0] == 1 and len(answers) == 8


def test_refusal_of_an_unknown_login_looks_like_a_wrong_password(session, anna):
    with pytest.raises(PermissionDenied) as unknown:
        auth.log_in(session, login="nobody", password="x", now=T0)
    session.rollback()
    with pytest.raises(PermissionDenied) as wrong:
        auth.log_in(session, login="anna", password="x", now=T0)
    assert unknown.value.message == wrong.value.message
