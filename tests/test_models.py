"""Tables: timezone-aware timestamps on every backend, and the uniqueness rules."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import Session, select

from pos_dashboard.domain.enums import Role, Status
from pos_dashboard.domain.models import Appeal, AppealEvent, Category, Rating, User
from pos_dashboard.domain.participation import Ballot, Vote, VoteOption
from pos_dashboard.domain.types import UTCDateTime

KAM = ZoneInfo("Asia/Kamchatka")


def _category(session) -> int:
    category = Category(name="Уборка двора")
    session.add(category)
    session.commit()
    return category.id


def _user(session, login="ivanov", role=Role.CITIZEN) -> int:
    user = User(login=login, full_name="Иванов Иван", role=role)
    session.add(user)
    session.commit()
    return user.id


def test_naive_datetime_is_refused_at_insert(session):
    category_id = _category(session)
    session.add(Appeal(category_id=category_id, text="Текст обращения", created_at=datetime(2025, 3, 3, 9, 0)))
    with pytest.raises(StatementError) as info:
        session.flush()
    assert isinstance(info.value.orig, ValueError) and "naive" in str(info.value.orig)
    session.rollback()
    assert session.exec(select(Appeal)).all() == []


def test_naive_datetime_is_refused_in_a_query(session):
    with pytest.raises(StatementError) as info:
        session.exec(select(Appeal).where(Appeal.created_at > datetime(2025, 1, 1))).all()
    assert isinstance(info.value.orig, ValueError)


def test_timestamps_come_back_aware_utc_and_equal(engine, session):
    category_id = _category(session)
    kamchatka_moment = datetime(2026, 1, 1, 1, 30, 15, 123456, tzinfo=KAM)  # = 31 Dec 2025 13:30:15 UTC
    appeal = Appeal(category_id=category_id, text="Текст обращения", created_at=kamchatka_moment,
                    updated_at=kamchatka_moment, deadline_at=None,
                    paused_at=datetime(2025, 12, 31, 16, 30, 15, 123456, tzinfo=timezone(timedelta(hours=3))))
    session.add(appeal)
    session.commit()
    appeal_id = appeal.id

    with Session(engine) as other:  # a fresh session: values read from the database, not the identity map
        stored = other.get(Appeal, appeal_id)
        for value in (stored.created_at, stored.updated_at, stored.paused_at):
            assert value.tzinfo is not None and value.utcoffset() == timedelta(0)
            assert value == kamchatka_moment
            assert (value.year, value.month, value.day, value.hour, value.microsecond) == (2025, 12, 31, 13, 123456)
        assert stored.deadline_at is None
        # and comparing in a query works with any aware value
        found = other.exec(select(Appeal.id).where(Appeal.created_at == datetime(2025, 12, 31, 13, 30, 15, 123456,
                                                                                  tzinfo=timezone.utc))).all()
        assert found == [appeal_id]
        later = other.exec(select(Appeal.id).where(Appeal.created_at > kamchatka_moment - timedelta(seconds=1))).all()
        assert later == [appeal_id]


def test_stored_value_is_utc_on_the_backend(engine, session):
    """What the database holds is UTC (SQLite: naive UTC text; PostgreSQL: timestamptz of that instant)."""
    category_id = _category(session)
    session.add(Appeal(category_id=category_id, text="Текст обращения",
                       created_at=datetime(2026, 1, 1, 1, 0, tzinfo=KAM)))
    session.commit()
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            raw = conn.execute(text("SELECT created_at FROM appeal")).scalar_one()
            assert str(raw).startswith("2025-12-31 13:00:00")
        else:
            conn.execute(text("SET TIME ZONE 'UTC'"))
            raw = conn.execute(text("SELECT to_char(created_at, 'YYYY-MM-DD HH24:MI:SS') FROM appeal")).scalar_one()
            assert raw == "2025-12-31 13:00:00"


def test_values_are_utc_whatever_the_connection_time_zone(engine, session):
    """On PostgreSQL the driver returns timestamptz in the connection's zone; the column type still hands
    back UTC. (On SQLite there is no connection zone: the same assertions hold trivially.)"""
    category_id = _category(session)
    moment = datetime(2026, 1, 1, 1, 0, tzinfo=KAM)
    session.add(Appeal(category_id=category_id, text="Текст обращения", created_at=moment))
    session.commit()
    with Session(engine) as other:
        if engine.dialect.name == "postgresql":
            other.exec(text("SET TIME ZONE 'Asia/Kamchatka'"))
            raw = other.connection().exec_driver_sql("SELECT created_at FROM appeal").scalar_one()
            assert raw.utcoffset() == timedelta(hours=12)  # what the driver gives without the column type
        value = other.exec(select(Appeal.created_at)).one()
        assert value == moment and value.utcoffset() == timedelta(0) and value.hour == 13


def test_default_timestamps_are_aware(engine, session):
    user_id = _user(session)
    with Session(engine) as other:
        user = other.get(User, user_id)
        assert user.created_at.utcoffset() == timedelta(0)
        assert abs(datetime.now(timezone.utc) - user.created_at) < timedelta(minutes=5)


def test_type_decorator_directly():
    """The conversion rules without a database, for both dialect names."""
    from sqlalchemy.dialects import postgresql, sqlite

    col = UTCDateTime()
    moment = datetime(2026, 1, 1, 1, 0, tzinfo=KAM)
    assert col.process_bind_param(moment, sqlite.dialect()) == datetime(2025, 12, 31, 13, 0)
    assert col.process_bind_param(moment, postgresql.dialect()) == datetime(2025, 12, 31, 13, 0,
                                                                            tzinfo=timezone.utc)
    assert col.process_bind_param(None, sqlite.dialect()) is None
    with pytest.raises(ValueError):
        col.process_bind_param(datetime(2025, 1, 1), postgresql.dialect())
    back = col.process_result_value(datetime(2025, 12, 31, 13, 0), sqlite.dialect())
    assert back == moment and back.tzinfo == timezone.utc
    back = col.process_result_value(moment, postgresql.dialect())
    assert back == moment and back.tzinfo == timezone.utc


def test_enum_columns_store_plain_codes(engine, session):
    category_id = _category(session)
    appeal = Appeal(category_id=category_id, text="Текст обращения", status=Status.IN_WORK)
    session.add(appeal)
    session.flush()
    session.add(AppealEvent(appeal_id=appeal.id, action="route", from_status=Status.COORDINATION,
                            to_status=Status.IN_WORK))
    session.commit()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT status FROM appeal")).scalar_one() == "in_work"
        assert conn.execute(text("SELECT actor_role, to_status FROM appealevent")).one() == ("system", "in_work")


# --- uniqueness ---

def _vote(session) -> tuple[int, int]:
    start = datetime(2025, 4, 1, tzinfo=timezone.utc)
    vote = Vote(title="Какую территорию благоустроить в 2026 году?", starts_at=start,
                ends_at=start + timedelta(days=30))
    session.add(vote)
    session.flush()
    option = VoteOption(vote_id=vote.id, title="Сквер на улице Мира")
    session.add(option)
    session.commit()
    return vote.id, option.id


def test_a_second_ballot_in_the_same_vote_is_rejected(session):
    voter_id = _user(session)
    vote_id, option_id = _vote(session)
    session.add(Ballot(vote_id=vote_id, voter_id=voter_id, option_ids=f"[{option_id}]"))
    session.commit()
    session.add(Ballot(vote_id=vote_id, voter_id=voter_id, option_ids=f"[{option_id}]"))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
    assert len(session.exec(select(Ballot)).all()) == 1
    # another voter, or the same voter in another vote, is fine
    other_id = _user(session, login="petrova")
    other_vote_id, other_option_id = _vote(session)
    session.add(Ballot(vote_id=vote_id, voter_id=other_id, option_ids=f"[{option_id}]"))
    session.add(Ballot(vote_id=other_vote_id, voter_id=voter_id, option_ids=f"[{other_option_id}]"))
    session.commit()
    assert len(session.exec(select(Ballot)).all()) == 3


def test_a_second_rating_row_for_the_same_appeal_and_citizen_is_rejected(session):
    citizen_id = _user(session)
    category_id = _category(session)
    appeal = Appeal(category_id=category_id, citizen_id=citizen_id, text="Текст обращения")
    session.add(appeal)
    session.commit()
    session.add(Rating(appeal_id=appeal.id, citizen_id=citizen_id, score=5))
    session.commit()
    session.add(Rating(appeal_id=appeal.id, citizen_id=citizen_id, score=1))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
    assert [r.score for r in session.exec(select(Rating)).all()] == [5]


def test_login_is_unique(session):
    _user(session, login="ivanov")
    session.add(User(login="ivanov", full_name="Другой Иванов"))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


def test_foreign_keys_are_enforced(session):
    """SQLite enforces foreign keys only with PRAGMA foreign_keys=ON (set by db.make_engine)."""
    session.add(Appeal(category_id=987654, text="Текст обращения"))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
