"""Surveys in Chromium: the citizen takes the open survey once on a phone-sized screen (a conditional
question appears when its answer is given), sees the answers afterwards; the results of the closed
survey match the read model and export; a coordinator builds and publishes a survey; forged events
over the websocket (a citizen in the builder, hidden results) write and reveal nothing. Every page
passes axe."""

import asyncio
import csv
import io
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, select

from pos_dashboard.analytics import survey_results, surveys as survey_views
from pos_dashboard.db import make_engine
from pos_dashboard.domain.models import User
from pos_dashboard.domain.participation import Survey, SurveyQuestion, SurveyResponse, SurveySubmission
from pos_dashboard.domain.types import utcnow
from pos_dashboard.services.actors import Actor

from .a11y import PHONE_VIEWPORT, assert_accessible
from .conftest import log_in, wait_ready

RXPROBE = Path(__file__).resolve().parents[3] / "shared" / "tools" / "rxprobe"
SHOTS = Path(__file__).resolve().parents[2] / "screenshots"


def _read(db_url: str, fn):
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            return fn(session)
    finally:
        engine.dispose()


def _actor(session, login: str) -> Actor:
    return Actor.of(session.exec(select(User).where(User.login == login)).one())


def _shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"surveys_{name}.png"), full_page=True)


def _open(page, app_url: str, login: str, path: str, selector: str) -> None:
    log_in(page, app_url, login)
    page.wait_for_selector("#current-user", timeout=30_000)  # logged in: the token is in localStorage
    page.goto(app_url + path)
    try:
        page.wait_for_selector(selector, timeout=30_000)
    except Exception:
        _shot(page, "failed_" + login)
        raise
    wait_ready(page)


def test_citizen_takes_the_survey_once_on_a_phone(page, app_url, demo_db):
    items = _read(demo_db, lambda s: survey_views.survey_list(s, actor=_actor(s, "citizen"), now=utcnow()))
    survey = next(i for i in items if i["can_take"])
    form = _read(demo_db, lambda s: survey_views.survey_form(s, actor=_actor(s, "citizen"), survey_id=survey["id"],
                                                             now=utcnow()))
    questions = form["questions"]
    conditional = next(q for q in questions if q["condition_id"])
    source = next(k for k, q in enumerate(questions) if q["id"] == conditional["condition_id"])
    page.set_viewport_size(PHONE_VIEWPORT)
    _open(page, app_url, "citizen", "/participate", ".survey-item")
    assert_accessible(page, "/participate with surveys")
    _shot(page, "list_phone")
    page.goto(f"{app_url}/participate/surveys/{survey['id']}")
    page.wait_for_selector(".survey-question")
    cards = page.locator(".survey-question")
    assert cards.count() == len(questions) - 1  # the conditional question waits for its answer
    assert_accessible(page, "survey form")
    cards.nth(source).locator(".survey-option").nth(conditional["condition_option"]).click()
    page.wait_for_function(f"document.querySelectorAll('.survey-question').length == {len(questions)}")
    for k, q in enumerate(questions):
        card = cards.nth(k)
        if q["kind"] == "single" and k != source:
            card.locator(".survey-option").first.click()
        elif q["kind"] == "multiple":
            card.locator(".survey-option").first.click()
        elif q["kind"] == "scale":
            card.locator(".survey-scale").last.click()
        elif q["kind"] == "ranking":
            for n in range(len(q["options"])):
                card.locator(".survey-rank").nth(n).click()
        elif q["kind"] == "matrix":
            for r in range(len(q["rows"])):
                card.locator(".survey-cell").nth(r * len(q["options"])).click()
        elif q["kind"] == "text":
            card.locator("textarea").fill("Больше автобусов вечером")
    page.wait_for_timeout(800)
    _shot(page, "form_phone")
    page.dblclick("#survey-submit")  # a double click: still one response, the same receipt
    page.wait_for_selector("#survey-notice", timeout=20_000)
    assert "ответы приняты" in page.inner_text("#survey-notice")
    assert page.locator(".survey-question").count() == 0
    assert "Больше автобусов вечером" in page.inner_text("#survey-my-answers")
    assert_accessible(page, "survey after answering")
    _shot(page, "answered_phone")

    def stored(session):
        citizen = _actor(session, "citizen")
        submissions = session.exec(select(SurveySubmission).where(
            SurveySubmission.respondent_id == citizen.user_id, SurveySubmission.survey_id == survey["id"])).all()
        answers = session.exec(select(SurveyResponse.question_id).where(
            SurveyResponse.submission_id == submissions[0].id)).all() if submissions else []
        return len(submissions), set(answers)

    count, answered = _read(demo_db, stored)
    assert count == 1 and answered == {q["id"] for q in questions}
    page.reload()
    page.wait_for_selector("#survey-my-answers", timeout=30_000)
    assert page.locator(".survey-question").count() == 0  # «вы уже ответили», no second form


def test_results_of_the_closed_survey_match_the_read_model_and_export(page, app_url, demo_db):
    def closed(session):
        items = survey_views.survey_list(session, actor=_actor(session, "official"), now=utcnow())
        item = next(i for i in items if i["results_available"])
        return survey_results.survey_results(session, actor=_actor(session, "official"), survey_id=item["id"],
                                             now=utcnow())

    results = _read(demo_db, closed)
    _open(page, app_url, "official", f"/participate/surveys/{results['id']}/results", ".survey-result-line")
    first = results["questions"][0]
    shown = [re.sub(r"\s+", " ", t).strip() for t in
             page.locator(".survey-result").first.locator(".survey-result-line").all_inner_texts()]
    assert shown == [f"{line['label']} {line['count']} {line['share']}" for line in first["lines"]]
    assert f"Ответили {results['respondents']} из {results['eligible']}" in page.inner_text("#survey-turnout")
    assert page.locator(".survey-result").count() == len(results["questions"])
    charts = len([q for q in results["questions"] if q["kind"] != "text"])
    # Plotly is loaded and draws after the page's text: wait for the charts instead of counting at once.
    page.wait_for_function("n => document.querySelectorAll('.js-plotly-plot').length >= n", arg=charts,
                           timeout=30_000)
    assert_accessible(page, "survey results")
    _shot(page, "results")
    with page.expect_download(timeout=30_000) as download:
        page.click("#export-csv")
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["№ ответа", "Дата ответа", "Возраст", "Территория"]
    assert rows[0][4] == f"1. {first['text']}" and len(rows) == results["respondents"] + 1


def test_coordinator_builds_and_publishes_a_survey(page, app_url, demo_db):
    _open(page, app_url, "coordinator", "/participate/surveys/new", ".builder-question")
    assert_accessible(page, "survey builder")
    page.fill("#survey-title", "Опрос из браузерного теста")
    page.fill("#q-0-text", "Бываете ли вы в парке?")
    page.click("#builder-add-scale")
    page.fill("#q-1-text", "Оцените парк")
    page.select_option("#q-1-scale", "10")
    page.click("#builder-add-text")
    page.fill("#q-2-text", "Почему не бываете?")
    page.select_option("#q-2-condition", "0:1")
    page.wait_for_timeout(600)
    _shot(page, "builder")
    page.click("#builder-save")
    page.wait_for_url(re.compile(r".*/participate/surveys/manage.*"), timeout=30_000)
    item = page.locator(".manage-item", has_text="Опрос из браузерного теста")
    item.wait_for(timeout=30_000)
    assert "Черновик" in item.inner_text()
    item.locator(".survey-publish").click()
    item.get_by_text("Скоро").wait_for(timeout=20_000)  # published; it opens at the next full hour
    assert_accessible(page, "survey manage")
    _shot(page, "manage")

    def built(session):
        survey = session.exec(select(Survey).where(Survey.title == "Опрос из браузерного теста")).one()
        questions = session.exec(select(SurveyQuestion).where(SurveyQuestion.survey_id == survey.id)
                                 .order_by(SurveyQuestion.position)).all()
        return survey.published_at is not None, [(q.kind, q.scale_max, q.condition_option) for q in questions], \
            questions[2].condition_question_id == questions[0].id

    published, questions, condition_ok = _read(demo_db, built)
    assert published and condition_ok
    assert questions == [("single", None, None), ("scale", 10, None), ("text", None, 1)]


def _run(coroutine):
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_forged_events_write_and_reveal_nothing(app_url, demo_db):
    if not (RXPROBE / "rxprobe.py").exists():
        pytest.skip(f"rxprobe is not at {RXPROBE}")
    sys.path.insert(0, str(RXPROBE))
    from rxprobe import ReflexClient

    def facts(session):
        items = survey_views.survey_list(session, actor=_actor(session, "official"), now=utcnow(), builder=True)
        hidden = next(i for i in items if i["state"] == "open" and not i["results_available"])
        return hidden["id"], len(items), session.get(Survey, hidden["id"]).closed_early_at

    hidden_id, count_before, closed_before = _read(demo_db, facts)

    def outsider(session):  # an adult citizen of another municipality than the open survey's
        survey = session.get(Survey, hidden_id)
        return session.exec(select(User.login).where(
            User.role == "citizen", User.territory_id != survey.territory_id, User.birth_date < date(2000, 1, 1),
            User.login.like("citizen%"), User.login != "citizen").order_by(User.id)).first()

    stranger = _read(demo_db, outsider)
    submissions_before = _read(demo_db, lambda s: len(s.exec(select(SurveySubmission.id)).all()))

    async def scenario():
        client = ReflexClient(app_url, timeout=30)
        try:
            await client.hydrate("/login")
            await client.send("LoginState.submit", {"form": {"login": "citizen", "password": "demo12345"}},
                              wait="barrier", timeout=60)
            client.local_storage["pos_token"] = client.var("AppState.auth_token")
            await client.hydrate("/participate/surveys/manage")
            for _ in range(2):  # the second click confirms
                reply = await client.send("SurveyManageState.act",
                                          {"action": "close_survey_early", "survey_id": hidden_id}, wait="barrier")
                assert not reply.backend_error
            for action in ("delete_survey", "publish_survey", "__init__", "save_survey"):
                await client.send("SurveyManageState.act", {"action": action, "survey_id": hidden_id}, wait="barrier")
            assert not client.var("SurveyManageState.items")
            # The route's parameter goes in router_data's query, as the browser sends it.
            await client.hydrate(f"/participate/surveys/{hidden_id}/edit?survey_id={hidden_id}")
            reply = await client.send("SurveyEditorState.add_question", {"kind": "text"}, wait="barrier")
            assert not client.var("SurveyEditorState.questions")
            await client.send("SurveyEditorState.save", wait="barrier")
            await client.hydrate(f"/participate/surveys/{hidden_id}/results?survey_id={hidden_id}")
            assert "после окончания" in client.var("SurveyResultsState.error")
            assert not client.var("SurveyResultsState.questions")
            reply = await client.send("SurveyResultsState.export", {"fmt": "csv"}, wait="barrier")
            assert not reply.backend_error and not any("download" in str(e) for e in reply.events)
        finally:
            await client.close()
        other = ReflexClient(app_url, timeout=30)
        try:  # a citizen of another territory sends the events of the form: refused, nothing written
            await other.hydrate("/login")
            await other.send("LoginState.submit", {"form": {"login": stranger, "password": "demo12345"}},
                             wait="barrier", timeout=60)
            other.local_storage["pos_token"] = other.var("AppState.auth_token")
            await other.hydrate(f"/participate/surveys/{hidden_id}?survey_id={hidden_id}")
            assert "другой территории" in other.var("SurveyFormState.survey")["reason"]
            for payload in ({"index": 0, "option": 0}, {"index": "0", "option": 99}, {"index": 10**9, "option": -1}):
                reply = await other.send("SurveyFormState.pick", payload, wait="barrier")
                assert not reply.backend_error
            await other.send("SurveyFormState.submit", wait="barrier")
            assert "другой территории" in other.var("SurveyFormState.error")
        finally:
            await other.close()

    _run(scenario())
    assert _read(demo_db, lambda s: len(s.exec(select(SurveySubmission.id)).all())) == submissions_before
    hidden_after, count_after, closed_after = _read(demo_db, facts)
    assert (hidden_after, count_after, closed_after) == (hidden_id, count_before, closed_before)
