"""Public votes in Chromium: the citizen takes part once, sees the choice afterwards, and reads the
published results of a closed vote; the pages pass axe."""

import re

from sqlmodel import Session, select

from pos_dashboard.analytics import votes as vote_views
from pos_dashboard.db import make_engine
from pos_dashboard.domain.models import User
from pos_dashboard.domain.participation import Ballot
from pos_dashboard.domain.types import utcnow
from pos_dashboard.services.actors import Actor

from .a11y import PHONE_VIEWPORT, assert_accessible
from .conftest import log_in, wait_ready


def _citizen_view(db_url: str):
    engine = make_engine(db_url)
    with Session(engine) as session:
        citizen = Actor.of(session.exec(select(User).where(User.login == "citizen")).one())
        items = vote_views.vote_list(session, actor=citizen, now=utcnow())
        closed = next(i for i in items if i["results_available"])
        results = vote_views.vote_results(session, actor=citizen, vote_id=closed["id"], now=utcnow())
        ballots = session.exec(select(Ballot).where(Ballot.voter_id == citizen.user_id)).all()
    engine.dispose()
    return citizen, items, results, {b.vote_id for b in ballots}


def _open_votes(page, app_url):
    page.set_viewport_size(PHONE_VIEWPORT)
    log_in(page, app_url, "citizen")
    page.goto(app_url + "/participate")
    page.wait_for_selector(".vote-item", timeout=30_000)
    wait_ready(page)


def test_citizen_votes_once_and_sees_the_choice(page, app_url, demo_db):
    citizen, items, _results, voted_before = _citizen_view(demo_db)
    open_vote = next(i for i in items if i["can_vote"])
    _open_votes(page, app_url)
    assert_accessible(page, "/participate")
    page.goto(f"{app_url}/participate/{open_vote['id']}")
    page.wait_for_selector(".vote-option")
    assert_accessible(page, "ballot")
    page.locator(".vote-option").first.click()
    page.click("#vote-submit")
    page.wait_for_selector("#vote-notice", timeout=20_000)
    assert "Ваш голос принят" in page.inner_text("#vote-notice")
    assert page.locator("#vote-my-choice").count() == 1
    assert page.locator(".vote-option").count() == 0  # no second ballot offered
    assert_accessible(page, "ballot after voting")
    _citizen, _items, _results, voted_after = _citizen_view(demo_db)
    assert voted_after - voted_before == {open_vote["id"]}


def test_results_of_a_closed_vote_match_the_read_model(page, app_url, demo_db):
    _citizen, items, results, _voted = _citizen_view(demo_db)
    closed = next(i for i in items if i["results_available"])
    _open_votes(page, app_url)
    page.goto(f"{app_url}/participate/{closed['id']}/results")
    page.wait_for_selector(".result-row", timeout=30_000)
    shown = [re.sub(r"\s+", " ", text).strip() for text in page.locator(".result-row").all_inner_texts()]
    expected = [f"{r['title']} {r['votes']} {r['share']}" for r in results["rows"]]
    assert shown == expected
    assert f"из {results['eligible']}" in page.inner_text("#results-turnout")
    assert_accessible(page, "results")


def _protocol_vote(db_url: str) -> tuple[int, list[int], int, str]:
    """A fresh open region-wide vote (one choice), an option of another vote, and a server session
    of the demo citizen (made directly, as the browser's log-in would)."""
    from datetime import timedelta

    from pos_dashboard.services import sessions, votes

    engine = make_engine(db_url)
    with Session(engine, expire_on_commit=False) as session:
        coordinator = Actor.of(session.exec(select(User).where(User.login == "coordinator")).one())
        citizen = session.exec(select(User).where(User.login == "citizen")).one()
        now = utcnow()
        made = [votes.create_vote(session, actor=coordinator, title=f"Протокол {k}", description="", territory_id=None,
                                  starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=3), max_choices=1,
                                  options=[votes.OptionInput("Сквер"), votes.OptionInput("Парк")],
                                  eligibility="everyone") for k in (1, 2)]
        ids = [vote_views.ballot_view(session, actor=coordinator, vote_id=v.id, now=now)["options"] for v in made]
        token = sessions.open_session(session, user_id=citizen.id)
        session.commit()
    engine.dispose()
    return made[0].id, [o["id"] for o in ids[0]], ids[1][0]["id"], token


def _ballots_in(db_url: str, vote_id: int) -> int:
    engine = make_engine(db_url)
    with Session(engine) as session:
        n = len(session.exec(select(Ballot.id).where(Ballot.vote_id == vote_id)).all())
    engine.dispose()
    return n


def test_forged_casts_over_the_websocket_write_nothing(app_url, demo_db):
    """The cast as the browser sends it (the form's entries) and forged ones: an option of another
    vote, two options where one is allowed, garbage, no form at all. Only the real one is written,
    and its retry from the same tab gets the same receipt."""
    import asyncio
    import sys
    from concurrent.futures import ThreadPoolExecutor
    from pathlib import Path

    rxprobe_dir = Path(__file__).resolve().parents[3] / "shared" / "tools" / "rxprobe"
    if not (rxprobe_dir / "rxprobe.py").exists():
        import pytest
        pytest.skip(f"rxprobe is not at {rxprobe_dir}")
    sys.path.insert(0, str(rxprobe_dir))
    from rxprobe import ReflexClient, discover

    vote_id, options, foreign_option, token = _protocol_vote(demo_db)

    def form(*values):
        return {"form": {"__reflex_form_data__": [["option", str(v)] for v in values]}}

    async def scenario():
        # The bundle's storage map tells the client where the browser keeps the token.
        client = ReflexClient(app_url, timeout=30, info=await discover(app_url), local_storage={"pos_token": token})
        try:
            route = f"/participate/{vote_id}?vote_id={vote_id}"  # the dynamic segment, as the router gives it
            await client.hydrate(route)
            for _ in range(300):  # the page's load may land just after the hydration's end
                if (client.var("BallotState.vote") or {}).get("id") == vote_id:
                    break
                await asyncio.sleep(0.1)
            assert client.var("BallotState.vote").get("can_vote") is True, (client.var("BallotState.vote"),
                                                                            client.var("BallotState.error"))
            for payload, message in [(form(foreign_option), "этого голосования"), (form(*options), "не больше 1"),
                                     (form("x' or 1=1"), "из списка"), (form(), "хотя бы один"),
                                     ({"form": "option=1"}, "из списка")]:
                reply = await client.send("BallotState.cast", payload, wait="barrier", timeout=60, route=route)
                assert not reply.backend_error and message in client.var("BallotState.error"), payload
                assert client.var("BallotState.notice") == "" and _ballots_in(demo_db, vote_id) == 0
            for _attempt in range(2):  # the cast, then its retry from the same tab
                reply = await client.send("BallotState.cast", form(options[1]), wait="barrier", timeout=60, route=route)
                assert "Ваш голос принят" in client.var("BallotState.notice") and client.var("BallotState.error") == ""
                assert client.var("BallotState.vote")["my_choice"] == ["Парк"]
            assert _ballots_in(demo_db, vote_id) == 1
        finally:
            await client.close()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, scenario()).result()
