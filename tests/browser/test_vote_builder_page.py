"""The vote builder in Chromium (a coordinator builds, saves, publishes; a refusal keeps what was
typed; the pages pass axe) and forged events at the websocket level (rxprobe): a citizen or an
organisation's staff cannot publish, change, close or delete a vote, and a citizen's forged ballots
(another vote's option, too many choices, a closed vote, an unknown argument) write nothing; the
results of an open vote stay hidden whatever the client sends."""

import asyncio
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, func, select

from pos_dashboard.db import make_engine
from pos_dashboard.domain.enums import Role
from pos_dashboard.domain.models import User
from pos_dashboard.domain.participation import Ballot, Vote, VoteOption
from pos_dashboard.domain.types import utcnow
from pos_dashboard.services import sessions, votes
from pos_dashboard.services.actors import Actor

from .a11y import PHONE_VIEWPORT, assert_accessible
from .conftest import log_in, wait_ready

RXPROBE = Path(__file__).resolve().parents[3] / "shared" / "tools" / "rxprobe"
SHOTS = Path("/work/shots")


def _db(db_url: str, fn):
    engine = make_engine(db_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            result = fn(session)
            session.commit()
            return result
    finally:
        engine.dispose()


def test_coordinator_builds_and_publishes_a_vote(page, app_url, demo_db):
    SHOTS.mkdir(exist_ok=True)
    log_in(page, app_url, "coordinator")
    page.wait_for_url(lambda url: "/login" not in url, timeout=30_000)
    page.goto(app_url + "/participate/votes/new")
    page.wait_for_selector("#vote-title", timeout=30_000)
    wait_ready(page)
    page.fill("#vote-title", "Какую набережную благоустроить в 2027 году")
    page.fill("#vote-description", "Голосование жителей за место благоустройства")
    page.fill("#option-title-0", "Набережная у моста")
    page.fill("#option-address-0", "ул. Речная, 1")
    page.fill("#option-latitude-0", "61,5")
    page.fill("#option-longitude-0", "34,1")
    page.click("#builder-add-option")
    page.fill("#option-title-2", "Сквер у школы")
    page.wait_for_timeout(500)
    page.click("#builder-save")  # the second place has no title: refused, nothing lost
    page.wait_for_selector("#builder-error", timeout=20_000)
    assert "у каждого — название" in page.inner_text("#builder-error")
    assert page.input_value("#option-title-0") == "Набережная у моста"
    assert page.input_value("#option-latitude-0") == "61,5"
    page.fill("#option-title-1", "Парк у вокзала")
    page.select_option("#option-territory-1", index=1)
    page.wait_for_timeout(500)
    page.click("#builder-save")
    page.wait_for_url(re.compile(r".*/participate/votes/\d+$"), timeout=20_000)
    expect(page.locator("#builder-state")).to_have_text("Черновик", timeout=20_000)
    expect(page.locator("#option-title-2")).to_have_value("Сквер у школы")
    assert_accessible(page, "vote builder")
    page.screenshot(path=str(SHOTS / "votes-builder.png"), full_page=True)
    page.click("#builder-publish")
    page.wait_for_selector("#builder-notice", timeout=20_000)
    assert "опубликовано" in page.inner_text("#builder-notice")
    vote_id = int(page.url.rsplit("/", 1)[1])

    def saved(session):
        vote = session.get(Vote, vote_id)
        options = session.exec(select(VoteOption).where(VoteOption.vote_id == vote_id).order_by(VoteOption.id)).all()
        return vote, [(o.title, o.address, o.latitude, o.territory_id is not None) for o in options]
    vote, options = _db(demo_db, saved)
    assert vote.published_at is not None and vote.title == "Какую набережную благоустроить в 2027 году"
    assert options == [("Набережная у моста", "ул. Речная, 1", 61.5, False), ("Парк у вокзала", None, None, True),
                       ("Сквер у школы", None, None, False)]
    page.goto(app_url + "/participate/votes")
    page.wait_for_selector(".builder-row", timeout=30_000)
    assert "Какую набережную" in page.inner_text("#builder-table")
    assert_accessible(page, "builder list")
    page.screenshot(path=str(SHOTS / "votes-builder-list.png"), full_page=True)
    page.set_viewport_size(PHONE_VIEWPORT)
    page.goto(f"{app_url}/participate/votes/{vote_id}")
    page.wait_for_selector("#builder-state", timeout=30_000)
    assert_accessible(page, "vote builder on a phone")
    page.screenshot(path=str(SHOTS / "votes-builder-phone.png"), full_page=True)


# ---- forged events over the websocket ----

def _route(pattern: str, vote_id: int) -> str:
    """A page path as the browser reports it: the dynamic segment also in the query (Reflex reads
    route arguments from router_data["query"])."""
    return pattern.format(vote_id) + f"?vote_id={vote_id}"


def _run(coroutine) -> None:
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coroutine).result()


def _setup(session) -> dict:
    now = utcnow()
    coordinator = Actor.of(session.exec(select(User).where(User.login == "coordinator")).one())
    open_vote = session.exec(select(Vote).where(Vote.published_at.is_not(None), Vote.starts_at <= now,
                                                Vote.ends_at > now, Vote.max_choices == 2)).first()
    closed_vote = session.exec(select(Vote).where(Vote.ends_at <= now)).first()
    forger = User(login=f"forger{now.timestamp():.0f}", full_name="Проверка Подделок", role=Role.CITIZEN,
                  birth_date=date(1990, 1, 1), territory_id=closed_vote.territory_id)
    session.add(forger)
    session.flush()
    org = session.exec(select(User).where(User.login == "org")).one()
    draft = votes.create_vote(session, actor=coordinator, title="Черновик для проверки", description="",
                              territory_id=None, starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=5),
                              max_choices=1, options=[votes.OptionInput("Место А"), votes.OptionInput("Место Б")],
                              eligibility="everyone", publish=False)

    def option_ids(vote_id):
        return list(session.exec(select(VoteOption.id).where(VoteOption.vote_id == vote_id).order_by(VoteOption.id)))
    return {"open": open_vote.id, "open_options": option_ids(open_vote.id), "closed": closed_vote.id,
            "closed_options": option_ids(closed_vote.id), "draft": draft.id, "forger": forger.id,
            "tokens": {"citizen": sessions.open_session(session, user_id=forger.id),
                       "org": sessions.open_session(session, user_id=org.id)}}


def _ballots(session, ids: dict) -> tuple:
    count = session.exec(select(func.count()).select_from(Ballot).where(Ballot.voter_id == ids["forger"])).one()
    draft = session.get(Vote, ids["draft"])
    return count, draft is not None and draft.published_at is None and draft.closed_early_at is None, draft.title


def test_forged_events_write_nothing(app_url, demo_db):
    if not (RXPROBE / "rxprobe.py").exists():
        pytest.skip(f"rxprobe is not at {RXPROBE}")
    sys.path.insert(0, str(RXPROBE))
    from rxprobe import ReflexClient

    ids = _db(demo_db, _setup)
    assert ids["open"] and ids["closed"]
    before = _db(demo_db, lambda s: _ballots(s, ids))
    assert before == (0, True, "Черновик для проверки")

    async def scenario():
        for who in ("citizen", "org"):
            client = ReflexClient(app_url, timeout=30, local_storage={"pos_token": ids["tokens"][who]})
            try:
                route = _route("/participate/votes/{}", ids["draft"])
                await client.hydrate(route)
                assert client.var("VoteBuilderState.error"), who  # the read model refused the form
                assert not client.var("VoteBuilderState.options")
                form = {"title": "Подмена", "starts": "2030-01-01T10:00", "ends": "2030-01-05T10:00",
                        "max_choices": "1", "eligibility": "everyone", "results_visibility": "live"}
                for name, value in form.items():
                    await client.send("VoteBuilderState.set_field", {"name": name, "value": value}, route=route,
                                      wait="barrier")
                for handler in ("save", "publish", "close_early", "delete"):
                    reply = await client.send(f"VoteBuilderState.{handler}", {}, route=route, wait="barrier")
                    assert not reply.backend_error, (who, handler)
                    assert re.search("могут координаторы|доступен координаторам", client.var("VoteBuilderState.error")), \
                        (who, handler, client.var("VoteBuilderState.error"))
                await client.hydrate("/participate/votes")
                assert client.var("BuilderListState.error") and not client.var("BuilderListState.rows")
            finally:
                await client.close()

        citizen = ReflexClient(app_url, timeout=30, local_storage={"pos_token": ids["tokens"]["citizen"]})
        try:
            route = _route("/participate/{}", ids["open"])
            await citizen.hydrate(route)
            assert citizen.var("BallotState.vote").get("can_vote") is True, (
                citizen.var("BallotState.vote"), citizen.var("BallotState.error"))
            cases = [  # (options sent in the form, expected refusal)
                ([ids["closed_options"][0]], "этого голосования"),  # an option of another vote
                (ids["open_options"][:3], "не больше 2"),  # more choices than allowed
            ]
            for chosen, message in cases:
                await citizen.hydrate(route)
                await citizen.send("BallotState.cast", _ballot_form(*chosen), route=route, wait="barrier")
                assert message in citizen.var("BallotState.error"), citizen.var("BallotState.error")
            # another voter's id or vote id as an argument: the handler takes none — refused, nothing written
            reply = await citizen.send("BallotState.cast", {"voter_id": 1, "vote_id": ids["closed"]}, route=route,
                                       wait="barrier")
            assert reply.backend_error
            reply = await citizen.send("BallotState.setvar", {"var_name": "vote", "value": {"id": ids["closed"]}},
                                       route=route, wait="barrier")
            assert reply.backend_error  # no setter for the ballot's vote: the choice travels only in the form
            closed_route = _route("/participate/{}", ids["closed"])
            await citizen.hydrate(closed_route)
            await citizen.send("BallotState.cast", _ballot_form(ids["closed_options"][0]), route=closed_route,
                               wait="barrier")
            assert "завершено" in citizen.var("BallotState.error")
            await citizen.hydrate(_route("/participate/{}/results", ids["open"]))  # results of an open vote: hidden
            assert "после окончания" in citizen.var("ResultsState.error")
            assert not citizen.var("ResultsState.rows")
            draft_route = _route("/participate/{}", ids["draft"])  # a draft does not exist for citizens
            await citizen.hydrate(draft_route)
            assert citizen.var("BallotState.error") == "Голосование не найдено"
        finally:
            await citizen.close()

    _run(scenario())
    assert _db(demo_db, lambda s: _ballots(s, ids)) == before


def _ballot_form(*option_ids) -> dict:
    """The cast's payload as the page's form sends it (one «option» field per ticked place)."""
    return {"form": {"__reflex_form_data__": [["option", str(option_id)] for option_id in option_ids]}}


def _plant_signals(session) -> int:
    """25 ballots in one minute from one address by accounts made an hour before, in the open vote."""
    now = utcnow()
    vote = session.exec(select(Vote).where(Vote.published_at.is_not(None), Vote.starts_at <= now,
                                           Vote.ends_at > now)).first()
    option = session.exec(select(VoteOption.id).where(VoteOption.vote_id == vote.id)).first()
    for k in range(25):
        user = User(login=f"burst{now.timestamp():.0f}-{k}", full_name="Новый участник", role=Role.CITIZEN,
                    birth_date=date(1990, 1, 1), territory_id=vote.territory_id, created_at=now - timedelta(hours=1))
        session.add(user)
        session.flush()
        session.add(Ballot(vote_id=vote.id, voter_id=user.id, option_ids=f"[{option}]",
                           cast_at=now - timedelta(minutes=5, seconds=-2 * k), client_address="203.0.113.77"))
    return vote.id


def test_signals_and_the_refused_delete_on_the_builder_page(page, app_url, demo_db):
    vote_id = _db(demo_db, _plant_signals)
    log_in(page, app_url, "coordinator")
    page.wait_for_url(lambda url: "/login" not in url, timeout=30_000)
    page.goto(f"{app_url}/participate/votes/{vote_id}")
    page.wait_for_selector(".vote-signal", timeout=30_000)
    titles = page.locator(".vote-signal").all_inner_texts()
    assert any("Всплеск" in t for t in titles) and any("203.0.113.77" in t for t in titles)
    assert any("недавно зарегистрированных" in t for t in titles)
    assert page.locator("#builder-delete").count() == 0  # ballots: no delete offered
    page.locator(".vote-signal summary").first.click()
    assert_accessible(page, "builder with signals")
    page.screenshot(path=str(SHOTS / "votes-builder-signals.png"), full_page=True)

    if not (RXPROBE / "rxprobe.py").exists():
        return
    sys.path.insert(0, str(RXPROBE))
    from rxprobe import ReflexClient

    def coordinator_token(session):
        user = session.exec(select(User).where(User.login == "coordinator")).one()
        return sessions.open_session(session, user_id=user.id)
    token = _db(demo_db, coordinator_token)

    async def forged_delete():
        client = ReflexClient(app_url, timeout=30, local_storage={"pos_token": token})
        try:
            route = _route("/participate/votes/{}", vote_id)
            await client.hydrate(route)
            await client.send("VoteBuilderState.delete", {}, route=route, wait="barrier")
            assert "только завершить досрочно" in client.var("VoteBuilderState.error")
        finally:
            await client.close()
    _run(forged_delete())
    assert _db(demo_db, lambda s: s.get(Vote, vote_id)) is not None
