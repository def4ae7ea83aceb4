"""The ballot's «Отправить голос» as a websocket event reaches it: the choice travels with the cast
(the page's form), the session check and the cast share one database session, and the page then
shows the ballot as recorded without reading it back; a forged or ended session casts nothing, and a
forged form (an option of another vote, too many, garbage) writes nothing."""

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
from pos_dashboard.services.actors import Actor
from pos_dashboard.services.vote_form import ballot_choice
from pos_dashboard.states.participate import BallotState, _open
from reflex.istate.data import RouterData
from reflex_base.utils.form import FormData

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


def _state(token: str, vote_id: int) -> BallotState:
    state = BallotState()
    state.router = RouterData.from_router_data({"asPath": f"/participate/{vote_id}"})  # the page's address
    opened = _open(token, vote_id) if token else None
    state.auth_token, state._token = token, "tab-token-1"
    state.vote, state.options = {"id": vote_id, "max_choices": 1}, []
    if opened and opened[2]:
        view = opened[2]
        state.options = view.pop("options")
        state.vote = view
    return state


def _form(*values) -> FormData:
    """What the browser submits: the `option` field once per ticked place, as strings."""
    return FormData([("option", str(v)) for v in values])


def _cast(state: BallotState, form) -> list:
    async def run():
        return [event async for event in state.cast(form)]
    return asyncio.run(run())


def _ballots(session, vote_id: int) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(Ballot).where(Ballot.vote_id == vote_id)).one()


def test_a_cast_is_acknowledged_with_the_ballot_as_recorded(session, ballot):
    vote_id, options, voter_id = ballot
    token = sessions.open_session(session, user_id=voter_id)
    session.commit()
    state = _state(token, vote_id)
    assert state.vote["can_vote"] and state.vote["my_choice"] == []
    _cast(state, _form(options[1]))
    assert _ballots(session, vote_id) == 1
    assert state.notice.startswith("Ваш голос принят") and not state.busy and state.error == ""
    assert state.user_name == "Иванова Мария" and state.vote["id"] == vote_id and len(state.options) == 2
    # What the page shows is what a fresh read of the ballot says (the view built without reading it back).
    reread = _open(token, vote_id)[2]
    reread.pop("options")
    assert state.vote == reread and state.vote["my_choice"] == ["Набережная"] and not state.vote["can_vote"]
    again = _state(token, vote_id)  # the same tab sends it again: the same receipt, no second ballot
    _cast(again, _form(options[0]))  # even with another choice: the recorded ballot is the answer
    assert _ballots(session, vote_id) == 1 and again.notice.startswith("Ваш голос принят")
    assert again.vote["my_choice"] == ["Набережная"]
    other_tab = _state(token, vote_id)
    other_tab._token = "tab-token-2"
    _cast(other_tab, _form(options[0]))
    assert "уже проголосовали" in other_tab.error and other_tab.notice == "" and _ballots(session, vote_id) == 1


@pytest.mark.parametrize("form, message", [
    ("other vote", "этого голосования"), ("both", "не больше 1"), ("none", "хотя бы один"),
    ("garbage", "из списка"), ("not a form", "из списка"),
])
def test_forged_forms_cast_nothing(session, ballot, form, message):
    vote_id, options, voter_id = ballot
    token = sessions.open_session(session, user_id=voter_id)
    session.commit()
    state = _state(token, vote_id)
    sent = {"other vote": _form(options[0] + 1000), "both": _form(*options), "none": _form(),
            "garbage": _form("1; drop table ballot"), "not a form": "option=1"}[form]
    _cast(state, sent)
    assert _ballots(session, vote_id) == 0 and message in state.error and state.notice == "" and not state.busy
    assert state.vote["can_vote"]


def test_ballot_choice_reads_the_form():
    assert ballot_choice(FormData([("option", "12"), ("option", "7"), ("other", "3")])) == [12, 7]
    assert ballot_choice({"option": "5"}) == [5] and ballot_choice({"option": ["5", 6]}) == [5, 6]
    assert ballot_choice({}) == [] and ballot_choice("x") is None and ballot_choice(None) is None
    assert ballot_choice(FormData([("option", "-1"), ("option", "1.5")])) == ["-1", "1.5"]  # refused by the service
    assert len(ballot_choice(FormData([("option", "1")] * 10_000))) == 51  # cut, then refused as too many


@pytest.mark.parametrize("who", ["forged", "ended", "none"])
def test_no_session_casts_nothing(session, ballot, who):
    vote_id, options, voter_id = ballot
    if who == "ended":
        token = sessions.open_session(session, user_id=voter_id)
        sessions.revoke_token(session, token)
    else:
        token = "y" * 43 if who == "forged" else ""
    session.commit()
    state = _state(token, vote_id)
    events = _cast(state, _form(options[0]))
    assert _ballots(session, vote_id) == 0 and state.notice == "" and not state.busy
    assert any("login" in str(event) for event in events)
    assert _open(token, vote_id) is None  # and the page shows nothing of the vote


def test_a_tab_whose_state_fell_back_to_another_vote_casts_in_the_vote_of_its_page(session, ballot):
    """With several workers and Redis a tab's state can fall back to an older one (a lock expired
    under load): the state still holds the previous vote and its client token. The cast takes its
    vote from the page's address, and the page then shows that vote as recorded (read again)."""
    vote_id, options, voter_id = ballot
    coordinator = session.exec(select(User).where(User.role == Role.COORDINATOR)).first()
    now = utcnow()
    previous = votes.create_vote(session, actor=Actor.of(coordinator), title="Прошлое голосование", description="",
                                 territory_id=session.get(User, voter_id).territory_id, starts_at=now - timedelta(days=1),
                                 ends_at=now + timedelta(days=10), max_choices=1,
                                 options=[votes.OptionInput("Парк"), votes.OptionInput("Сквер")])
    token = sessions.open_session(session, user_id=voter_id)
    session.commit()
    state = _state(token, previous.id)  # the state of the previous page…
    state.router = RouterData.from_router_data({"asPath": f"/participate/{vote_id}"})  # …on this page
    _cast(state, _form(options[0]))
    assert _ballots(session, vote_id) == 1 and _ballots(session, previous.id) == 0
    assert state.notice.startswith("Ваш голос принят") and state.error == ""
    assert state.vote["id"] == vote_id and not state.vote["can_vote"] and state.vote["my_choice"] == ["Сквер у ДК"]


@pytest.mark.parametrize("address", ["/participate/99999999", "/participate/abc", "/participate/", "/kpi",
                                     "/participate/7/results"])
def test_a_forged_page_address_casts_nothing(session, ballot, address):
    """The vote comes from the address the event carries: one that names no open vote casts nothing,
    and the page says so (the form keeps the choice)."""
    vote_id, options, voter_id = ballot
    token = sessions.open_session(session, user_id=voter_id)
    session.commit()
    state = _state(token, vote_id)
    state.router = RouterData.from_router_data({"asPath": address})
    _cast(state, _form(options[0]))
    assert _ballots(session, vote_id) == 0
    assert state.error == "Голосование не найдено" and state.notice == "" and not state.busy
