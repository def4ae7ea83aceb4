"""The e-mail dispatcher against a real SMTP server started here (aiosmtpd): Russian subject and
body arrive intact, temporary refusals are retried with exponential back-off, a dispatcher killed
between claim and send (a real process, SIGKILL) or stopped cleanly loses nothing and doubles
nothing, and two dispatchers at once send every message once. SQLite, or PostgreSQL with
POS_TEST_DATABASE_URL."""

import os
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from pos_dashboard.domain.models import User
from pos_dashboard.domain.notifications import Notification
from pos_dashboard.services import dispatcher
from pos_dashboard.services.dispatcher import LEASE, backoff, dispatch_all, dispatch_once
from pos_dashboard.settings import SmtpSettings

from .factories import T0, build_region, hours, submit
from .smtp_server import Handler, SmtpServer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture()
def region(session):
    r = build_region(session)
    session.get(User, r.citizen.user_id).email = "ivanov@example.ru"
    session.commit()
    return r


def queue(session, region, n: int) -> list[int]:
    """n e-mail rows (one «зарегистрировано» per submitted appeal); returns the appeal ids."""
    return [submit(session, region, now=T0) for _ in range(n)]


def emails(session) -> list[Notification]:
    session.expire_all()
    return list(session.exec(select(Notification).where(Notification.channel == "email").order_by(Notification.id)))


def at(moment):
    return lambda: moment


def test_delivers_the_russian_subject_and_body_and_marks_the_row_sent(session, region):
    appeal_id = queue(session, region, 1)[0]
    with SmtpServer() as server:
        run = dispatch_once(session, server.settings, clock=at(T0 + hours(1)))
        assert (run.claimed, run.sent, run.retried, run.failed) == (1, 1, 0, 0)
        assert dispatch_once(session, server.settings, clock=at(T0 + hours(2))).claimed == 0
    [got] = server.handler.received
    assert got.envelope_to == ["ivanov@example.ru"]
    message = got.message
    assert message["Subject"] == f"Обращение №{appeal_id} зарегистрировано"
    assert message["From"] == "noreply@pos.example.ru" and message["To"] == "ivanov@example.ru"
    body = message.get_content()
    assert f"Ваше обращение №{appeal_id} («Уборка придомовой территории») зарегистрировано" in body
    assert message.get_content_charset() == "utf-8"
    # On the wire: 7-bit headers (RFC 2047 encoded-words) and an encoded body, no raw UTF-8 bytes
    # that a non-SMTPUTF8 server could mangle.
    raw_headers = got.raw.split(b"\r\n\r\n", 1)[0]
    assert b"Subject: =?utf-8?" in raw_headers and raw_headers.isascii()
    row = emails(session)[0]
    assert row.sent_at == T0 + hours(1) and row.attempts == 1 and row.lease_token is None and row.last_error is None
    assert message["Message-ID"] == f"<notification-{row.id}@pos.example.ru>"


def test_a_server_that_fails_three_times_gets_it_on_the_fourth_try_with_back_off(session, region):
    queue(session, region, 1)
    start = T0 + hours(1)
    with SmtpServer(Handler(fail_first=3)) as server:
        waits = []
        now = start
        for attempt in range(1, 4):
            run = dispatch_once(session, server.settings, clock=at(now))
            assert (run.claimed, run.retried, run.sent) == (1, 1, 0)
            row = emails(session)[0]
            assert row.attempts == attempt and row.sent_at is None and "451" in row.last_error
            waits.append(row.next_attempt_at - now)
            # Not before its time: a pass a second early takes nothing.
            assert dispatch_once(session, server.settings, clock=at(row.next_attempt_at - timedelta(seconds=1))).claimed == 0
            now = row.next_attempt_at
        run = dispatch_once(session, server.settings, clock=at(now))
        assert run.sent == 1
    assert waits == [timedelta(seconds=30), timedelta(seconds=60), timedelta(seconds=120)]
    assert [backoff(n) for n in (1, 2, 3)] == waits and backoff(30) == timedelta(hours=2)
    assert server.handler.attempts == 4 and len(server.handler.received) == 1
    row = emails(session)[0]
    assert row.sent_at == now and row.attempts == 4 and row.last_error is None


def test_a_permanent_refusal_gives_up_and_too_many_tries_too(session, region):
    queue(session, region, 2)
    with SmtpServer(Handler(fail_first=1, failure="550 5.1.1 No such user")) as server:
        run = dispatch_once(session, server.settings, clock=at(T0 + hours(1)))
    assert (run.failed, run.sent) == (1, 1)
    failed = [r for r in emails(session) if r.failed_at is not None]
    assert len(failed) == 1 and "550" in failed[0].last_error and failed[0].sent_at is None
    queue(session, region, 1)
    now = T0 + hours(2)
    with SmtpServer(Handler(fail_first=100)) as server:
        for _ in range(dispatcher.MAX_ATTEMPTS):
            dispatch_once(session, server.settings, clock=at(now))
            now += dispatcher.BACKOFF_MAX
    last = emails(session)[-1]
    assert last.failed_at is not None and last.attempts == dispatcher.MAX_ATTEMPTS and server.handler.attempts == 8


def test_no_server_configured_or_unreachable_keeps_the_rows_queued(session, region):
    queue(session, region, 2)
    assert dispatch_once(session, SmtpSettings(), clock=at(T0 + hours(1))).claimed == 0  # sending off
    assert all(r.attempts == 0 and r.sent_at is None for r in emails(session))
    closed = SmtpServer()  # a port nobody listens on
    run = dispatch_once(session, closed.settings, clock=at(T0 + hours(1)))
    assert (run.claimed, run.retried) == (2, 2)
    assert all(r.sent_at is None and r.next_attempt_at == T0 + hours(1) + timedelta(seconds=30)
               for r in emails(session))


KILL_AFTER_CLAIM = """
import os, signal, sys
from datetime import datetime
from sqlmodel import Session
from pos_dashboard.db import make_engine
from pos_dashboard.services.dispatcher import dispatch_once
from pos_dashboard.settings import SmtpSettings
engine = make_engine(sys.argv[1])
now = datetime.fromisoformat(sys.argv[3])
with Session(engine) as session:
    dispatch_once(session, SmtpSettings(host="127.0.0.1", port=int(sys.argv[2])), clock=lambda: now, limit=3,
                  after_claim=lambda rows: os.kill(os.getpid(), signal.SIGKILL))
"""


def test_a_dispatcher_killed_between_claim_and_send_loses_nothing_and_doubles_nothing(engine, session, region):
    queue(session, region, 5)
    now = T0 + hours(1)
    url = engine.url.render_as_string(hide_password=False)
    with SmtpServer() as server:
        killed = subprocess.run([sys.executable, "-c", KILL_AFTER_CLAIM, url, str(server.port), now.isoformat()],
                                cwd=ROOT, capture_output=True, timeout=120)
        assert killed.returncode == -9, killed.stderr.decode()[-2000:]
        held = [r for r in emails(session) if r.lease_token is not None]
        assert len(held) == 3 and all(r.sent_at is None for r in held)
        # A restarted dispatcher sends what was free at once, and the held rows when their lease ends.
        assert dispatch_all(session, server.settings, clock=at(now + timedelta(seconds=1))).sent == 2
        assert dispatch_all(session, server.settings, clock=at(now + LEASE - timedelta(seconds=1))).sent == 0
        assert dispatch_all(session, server.settings, clock=at(now + LEASE + timedelta(seconds=1))).sent == 3
    ids = server.handler.message_ids()
    assert len(ids) == 5 and len(set(ids)) == 5
    assert all(r.sent_at is not None for r in emails(session))


def test_a_clean_stop_hands_the_rest_back_and_a_restart_sends_each_once(session, region):
    queue(session, region, 6)
    stop = threading.Event()
    with SmtpServer() as server:
        original = server.handler.handle_DATA

        async def stop_after_second(*args):
            reply = await original(*args)
            if len(server.handler.received) == 2:
                stop.set()  # the dispatcher is asked to stop while it holds a batch of 6
            return reply
        server.handler.handle_DATA = stop_after_second
        run = dispatch_once(session, server.settings, clock=at(T0 + hours(1)), stop=stop)
        assert (run.claimed, run.sent, run.released) == (6, 2, 4)
        rest = [r for r in emails(session) if r.sent_at is None]
        assert len(rest) == 4 and all(r.lease_token is None and r.attempts == 0 for r in rest)
        # Restart at once: no lease to wait for.
        assert dispatch_all(session, server.settings, clock=at(T0 + hours(1) + timedelta(seconds=1))).sent == 4
    ids = server.handler.message_ids()
    assert len(ids) == 6 and len(set(ids)) == 6


def test_two_dispatchers_at_once_send_every_message_once(engine, session, region):
    queue(session, region, 120)
    assert session.exec(select(func.count()).select_from(Notification).where(Notification.channel == "email")).one() == 120
    start, runs, errors = threading.Barrier(2), [], []
    with SmtpServer() as server:
        def worker():
            try:
                with Session(engine, expire_on_commit=False) as own:
                    start.wait()
                    runs.append(dispatch_all(own, server.settings, clock=at(T0 + hours(1)), limit=10))
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
    assert not errors, errors
    ids = server.handler.message_ids()
    assert len(ids) == 120 and len(set(ids)) == 120
    assert sum(r.sent for r in runs) == 120
    assert all(r.sent > 0 for r in runs), [r.sent for r in runs]  # both really worked
    assert all(r.sent_at is not None and r.attempts == 1 for r in emails(session))


def test_a_crash_after_the_server_accepted_repeats_the_message_with_the_same_message_id(session, region, monkeypatch):
    """The documented at-least-once window: the process dies after the server's 250 and before
    sent_at is committed. The row comes back when its lease ends and goes out again, under the same
    Message-ID, so the copy can be recognised; nothing is lost."""
    queue(session, region, 1)
    now = T0 + hours(1)

    class Crash(BaseException):
        pass

    def crash_instead_of_recording(*args, **kwargs):
        raise Crash()

    with SmtpServer() as server:
        with monkeypatch.context() as patch:
            patch.setattr(dispatcher, "_finish", crash_instead_of_recording)
            patch.setattr(dispatcher, "release", lambda *a, **k: 0)  # a killed process releases nothing
            with pytest.raises(Crash):
                dispatch_once(session, server.settings, clock=at(now))
        session.rollback()
        assert emails(session)[0].sent_at is None and len(server.handler.received) == 1
        assert dispatch_once(session, server.settings, clock=at(now + LEASE - timedelta(seconds=1))).claimed == 0
        assert dispatch_once(session, server.settings, clock=at(now + LEASE + timedelta(seconds=1))).sent == 1
    first, second = server.handler.message_ids()
    assert first == second
    row = emails(session)[0]
    assert row.sent_at == now + LEASE + timedelta(seconds=1) and row.attempts == 2


def test_the_notify_command_sends_what_is_due_and_exits(engine, session, region):
    queue(session, region, 3)
    url = engine.url.render_as_string(hide_password=False)
    base = dict(os.environ, REFLEX_DB_URL=url)
    base.pop("POS_SMTP_HOST", None)
    off = subprocess.run([sys.executable, "-m", "pos_dashboard", "notify", "--once"], cwd=ROOT, env=base,
                         capture_output=True, text=True, timeout=120)
    assert off.returncode == 2 and "POS_SMTP_HOST" in off.stderr
    with SmtpServer() as server:
        env = dict(base, POS_SMTP_HOST="127.0.0.1", POS_SMTP_PORT=str(server.port), POS_SMTP_SENDER="pos@example.ru")
        done = subprocess.run([sys.executable, "-m", "pos_dashboard", "notify", "--once"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "отправлено 3" in done.stdout
    assert len(server.handler.received) == 3 and all(r.sent_at is not None for r in emails(session))
