"""The ballot's «Отправить голос» as a websocket event reaches it: the session check, the cast and
the ballot's view read back share one database session; a forged or ended session casts nothing."""

import asyncio
from datetime import date, timedelta

import pytest
from sqlmodel import func, select

from pos_dashboard.analytics import votes as vote_views
from pos_dashboard.domain.enums import Role
from pos_dashboard.domain.models import User
from pos_dashboard.domain.participation import Ballot
from pos_dashboard.domain.types import utcnow
from pos_dashboard.services import sessions, votes
from pos_dashboard.states.participate import BallotState

from .factories import build_region


@pytest.fixture()
def ballot(engine, session, monkeypatch):
    """An open vote of the city (relative to the clock: the state casts at the current time)."""
    monkeypatch.setenv("REFLEX_DB_URL", engine.url.render_as_string(hide_password=False))
    region = build_region(session)
    now = utcnow()
    vote = votes.create_vote(session, actor=region.coordinator, title="Какую территорию благоустроить",
                             description="", territory_id=region.t_city, starts_at=now - timedelta(days=1),
                             ends_at=now + timedelta(days=10), max_choices=1,
                             options=[votes.OptionInput("Сквер у ДК"), votes.OptionInput("Набережная")])
    voter = User(login="voter", full_name="Иванова Мария", role=Role.CITIZEN, birth_date=date(1980, 5, 5),
                 territory_id=region.t_city)
    session.add(voter)
    session.commit()
    options = [o["id"] for o in vote_views.ballot_view(session, actor=region.coordinator, vote_id=vote.id,
                                                    now=now)["options"]]
    return vote.id, options, voter.id


def _state(token: str, vote_id: int, option_id: int) -> BallotState:
    state = BallotState()
    state.auth_token, state.vote, state.chosen, state._token = token, {"id": vote_id, "max_choices": 1}, \
        [option_id], "tab-token-1"
    return state


def _cast(state: BallotState) -> list:
    async def run():
        return [event async for event in state.cast()]
    return asyncio.run(run())


def _ballots(session, vote_id: int) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(Ballot).where(Ballot.vote_id == vote_id)).one()


def test_a_cast_is_acknowledged_with_the_ballot_read_back(session, ballot):
    vote_id, options, voter_id = ballot
    token = sessions.open_session(session, user_id=voter_id)
    session.commit()
    state = _state(token, vote_id, options[1])
    _cast(state)
    assert _ballots(session, vote_id) == 1
    assert state.notice.startswith("Ваш голос принят") and not state.busy and state.error == ""
    assert state.user_name == "Иванова Мария" and state.vote["id"] == vote_id and len(state.options) == 2
    again = _state(token, vote_id, options[1])  # the same tab sends it again: the same receipt, no second ballot
    _cast(again)
    assert _ballots(session, vote_id) == 1 and again.notice.startswith("Ваш голос принят")


@pytest.mark.parametrize("who", ["forged", "ended", "none"])
def test_no_session_casts_nothing(session, ballot, who):
    vote_id, options, voter_id = ballot
    if who == "ended":
        token = sessions.open_session(session, user_id=voter_id)
        sessions.revoke_token(session, token)
    else:
        token = "y" * 43 if who == "forged" else ""
    session.commit()
    state = _state(token, vote_id, options[0])
    events = _cast(state)
    assert _ballots(session, vote_id) == 0 and state.notice == "" and not state.busy
    assert any("login" in str(event) for event in events)
