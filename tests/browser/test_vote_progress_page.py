"""The public progress page of a finished vote in Chromium: a coordinator adds a stage to a winning
place (a refusal keeps what was typed), a citizen reads it without any edit control, and a citizen's
forged events over the websocket write nothing; the pages pass axe."""

import asyncio
import sys

import pytest
from playwright.sync_api import expect
from sqlmodel import func, select

from pos_dashboard.domain.accountability import PlaceProgressStage
from pos_dashboard.domain.models import User
from pos_dashboard.domain.participation import Vote
from pos_dashboard.domain.types import utcnow
from pos_dashboard.services import sessions

from .a11y import PHONE_VIEWPORT, assert_accessible
from .conftest import log_in
from .test_vote_builder_page import RXPROBE, SHOTS, _db, _route, _run


def _closed_vote(session) -> int:
    return session.exec(select(Vote.id).where(Vote.ends_at <= utcnow(), Vote.published_at.is_not(None))).first()


def _stages(session) -> int:
    return session.exec(select(func.count()).select_from(PlaceProgressStage)).one()


def test_coordinator_updates_progress_and_citizens_read_it(page, app_url, demo_db):
    SHOTS.mkdir(exist_ok=True)
    vote_id = _db(demo_db, _closed_vote)
    log_in(page, app_url, "coordinator")
    page.wait_for_url(lambda url: "/login" not in url, timeout=30_000)
    page.goto(f"{app_url}/participate/{vote_id}/progress")
    page.wait_for_selector(".progress-place", timeout=30_000)
    page.locator(".progress-add").first.click()
    page.fill("#stage-title", "Проектирование сквера")
    page.select_option("#stage-status", "done")
    page.fill("#stage-contractor", "ООО «Зелёный город»")
    page.wait_for_timeout(400)
    page.click("#stage-save")  # done without a date: refused, the form keeps what was typed
    page.wait_for_selector("#stage-error", timeout=20_000)
    assert "дату выполнения" in page.inner_text("#stage-error")
    expect(page.locator("#stage-contractor")).to_have_value("ООО «Зелёный город»")
    assert_accessible(page, "progress form")
    page.fill("#stage-done-on", "2026-11-20")
    page.wait_for_timeout(400)
    page.click("#stage-save")
    page.wait_for_selector("#progress-notice", timeout=20_000)
    row = page.locator(".progress-stage").first
    expect(row).to_contain_text("Проектирование сквера")
    expect(row).to_contain_text("20.11.2026")
    expect(row).to_contain_text("ООО «Зелёный город»")
    page.screenshot(path=str(SHOTS / "votes-progress-coordinator.png"), full_page=True)

    page.click("#logout")
    page.wait_for_url(lambda url: "/login" in url, timeout=30_000)
    page.set_viewport_size(PHONE_VIEWPORT)
    log_in(page, app_url, "citizen")
    page.wait_for_url(lambda url: "/login" not in url, timeout=30_000)
    page.goto(f"{app_url}/participate/{vote_id}/progress")
    page.wait_for_selector(".progress-stage", timeout=30_000)
    assert page.locator(".progress-add").count() == 0 and page.get_by_text("Изменить").count() == 0
    assert_accessible(page, "progress page, citizen")
    page.screenshot(path=str(SHOTS / "votes-progress-phone.png"), full_page=True)


def test_forged_progress_events_write_nothing(app_url, demo_db):
    if not (RXPROBE / "rxprobe.py").exists():
        pytest.skip(f"rxprobe is not at {RXPROBE}")
    sys.path.insert(0, str(RXPROBE))
    from rxprobe import ReflexClient

    def setup(session):
        citizen = session.exec(select(User).where(User.login == "citizen")).one()
        return _closed_vote(session), sessions.open_session(session, user_id=citizen.id), _stages(session)
    vote_id, token, before = _db(demo_db, setup)

    async def scenario():
        client = ReflexClient(app_url, timeout=30, local_storage={"pos_token": token})
        try:
            route = _route("/participate/{}/progress", vote_id)
            await client.hydrate(route)
            places = client.var("ProgressState.places")
            assert places and client.var("ProgressState.view")["can_edit"] is False
            await client.send("ProgressState.new_stage", {"option_id": places[0]["option_id"]}, route=route,
                              wait="barrier")
            assert not client.var("ProgressState.form")  # no form offered to a citizen
            await client.send("ProgressState.set_field", {"name": "title", "value": "Подмена"}, route=route,
                              wait="barrier")
            reply = await client.send("ProgressState.save", {}, route=route, wait="barrier")
            assert not reply.backend_error
            assert "координаторы" in client.var("ProgressState.form_error")
        finally:
            await client.close()

    _run(scenario())
    assert _db(demo_db, _stages) == before
