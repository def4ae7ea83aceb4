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
