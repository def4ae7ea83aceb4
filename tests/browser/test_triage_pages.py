"""The ЦУР triage and the organisation's tools in Chromium, each person in a browser context of their
own: the coordinator routes an appeal from /triage with the routing rule's suggestion; the
organisation keeps a template on /templates and answers with it; the coordinator returns the answer
with a reason from the fixed list; the organisation sees the reason on the card and in its queue;
a bulk approval of moderation reports each row. axe checks every new view; screenshots in /work/shots.

The appeals are made through the services first (dated weeks back, so that they head the
oldest-first triage lists), whatever the demo holds at this hour."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from pos_dashboard.db import make_engine
from pos_dashboard.domain.enums import Status
from pos_dashboard.domain.models import Appeal, Category, RoutingRule, User
from pos_dashboard.domain.types import utcnow
from pos_dashboard.services import appeals
from pos_dashboard.services.actors import Actor

from .a11y import assert_accessible
from .conftest import log_in, wait_ready

SHOTS = Path("/work/shots")
TEMPLATE = "Яма заделана литым асфальтом, участок дороги приведён в нормативное состояние."


@pytest.fixture(scope="module")
def setup(demo_db):
    """Appeals for this module, made through the services on the app's database."""
    engine = make_engine(demo_db)
    with Session(engine, expire_on_commit=False) as s:
        users = {u.login: u for u in s.exec(select(User).where(User.login.in_(["coordinator", "org", "citizen"])))}
        cur, org, citizen = (Actor.of(users[k]) for k in ("coordinator", "org", "citizen"))
        rule = s.exec(select(RoutingRule).join(Category, Category.id == RoutingRule.category_id)
                      .where(RoutingRule.organization_id == org.organization_id,
                             RoutingRule.territory_id.is_not(None), Category.parent_id.is_not(None))
                      .order_by(RoutingRule.id)).first()
        back = utcnow() - timedelta(days=400)
        text = "Глубокая яма на проезжей части у остановки, машины объезжают по встречной полосе."

        def new(at):
            return appeals.submit_appeal(s, actor=citizen, category_id=rule.category_id, territory_id=rule.territory_id,
                                         text=text, address="ул. Тестовая, 1", now=at).id
        routed = new(back)
        appeals.perform(s, actor=cur, appeal_id=routed, action="approve_moderation")
        assert s.get(Appeal, routed).organization_id == org.organization_id
        appeals.perform(s, actor=org, appeal_id=routed, action="redirect", reason="Проверка маршрутизации")
        bulk = [new(back - timedelta(minutes=10 - i)) for i in range(2)]
    yield {"db": demo_db, "routed": routed, "bulk": bulk, "org_id": org.organization_id, "cur": cur}
    engine.dispose()


def _status(db: str, appeal_id: int) -> tuple[str, int | None]:
    engine = make_engine(db)
    with Session(engine) as s:
        a = s.get(Appeal, appeal_id)
        result = (a.status, a.organization_id)
    engine.dispose()
    return result


def _context_page(browser, app_url, login):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="ru-RU")
    page = context.new_page()
    log_in(page, app_url, login)
    wait_ready(page)
    return context, page


def _choose(page, trigger: str, option: str) -> None:
    page.click(trigger)
    page.get_by_role("option", name=option, exact=True).click()


def test_the_whole_triage_road(browser, app_url, setup):
    SHOTS.mkdir(exist_ok=True)
    routed = setup["routed"]
    cur_ctx, cur = _context_page(browser, app_url, "coordinator")
    org_ctx, org = _context_page(browser, app_url, "org")
    try:
        # The coordinator routes with the rule's suggestion.
        cur.goto(app_url + "/triage")
        wait_ready(cur)
        row = cur.locator(f"#triage-row-{routed}")
        row.wait_for(timeout=30_000)
        assert "По правилу маршрутизации" in row.inner_text()
        assert_accessible(cur, "/triage (routing)")
        cur.fill("#triage-org-search", "дорож")
        cur.locator(".triage-org-option").first.wait_for(timeout=30_000)
        cur.screenshot(path=str(SHOTS / "triage-routing.png"), full_page=False)
        row.locator(".route-suggested").click()
        cur.wait_for_selector(".triage-result.done", timeout=30_000)
        assert f"№{routed} — Выполнено" in cur.inner_text("#triage-results")
        assert _status(setup["db"], routed) == (Status.IN_WORK, setup["org_id"])

        # The organisation keeps a template and answers with it.
        org.goto(app_url + "/templates")
        wait_ready(org)
        org.fill("#template-title", "Яма заделана")
        org.fill("#template-text", TEMPLATE)
        org.click("#template-save")
        org.wait_for_selector("#template-notice", timeout=30_000)
        assert_accessible(org, "/templates")
        org.screenshot(path=str(SHOTS / "templates.png"))
        org.goto(app_url + f"/appeals/{routed}")
        wait_ready(org)
        org.click("#action-give_answer", timeout=30_000)
        _choose(org, "#answer-template", "Яма заделана")
        org.wait_for_function("() => document.querySelector('#action-comment').value.length > 20", timeout=30_000)
        assert org.input_value("#action-comment") == TEMPLATE
        assert_accessible(org, "card with the template picker")
        org.click("#action-submit")
        org.wait_for_selector("#action-notice", timeout=30_000)
        assert _status(setup["db"], routed)[0] == Status.ANSWER_REVIEW

        # The coordinator returns it with a reason from the fixed list.
        cur.click("#triage-tab-review")
        cur.locator(f"#triage-row-{routed}").wait_for(timeout=30_000)
        assert TEMPLATE in cur.inner_text(f"#triage-row-{routed}")
        assert_accessible(cur, "/triage (review)")
        cur.goto(app_url + f"/appeals/{routed}")
        wait_ready(cur)
        cur.click("#action-return_for_rework", timeout=30_000)
        _choose(cur, "#action-rework-code", "Нет подтверждения (фото)")
        cur.fill("#action-comment", "Приложите фото после ремонта")
        assert_accessible(cur, "card: return for rework")
        cur.screenshot(path=str(SHOTS / "card-return-for-rework.png"))
        cur.click("#action-submit")
        cur.wait_for_selector("#action-notice", timeout=30_000)
        assert _status(setup["db"], routed)[0] == Status.IN_WORK

        # The organisation reads the reason on the card and in its queue.
        expected = "Нет подтверждения (фото) — Приложите фото после ремонта"
        org.goto(app_url + f"/appeals/{routed}")
        wait_ready(org)
        org.wait_for_selector(".answer-rework", timeout=30_000)
        assert expected in org.inner_text(".answer-rework")
        org.screenshot(path=str(SHOTS / "card-rework-reason-org.png"), full_page=True)
        org.goto(app_url + "/?search=" + str(routed))
        wait_ready(org)
        org.wait_for_selector(".queue-rework", timeout=30_000)
        assert expected in org.inner_text(".queue-rework")
        org.get_by_role("button", name="Сбросить").click()  # the tab keeps its filters: show the whole queue
        org.wait_for_function("() => document.querySelectorAll('.queue-row').length > 1", timeout=30_000)
        assert_accessible(org, "organisation queue with urgency colours")
        org.screenshot(path=str(SHOTS / "org-queue-urgency.png"))
    finally:
        cur_ctx.close()
        org_ctx.close()


def test_bulk_approval_reports_each_row(browser, app_url, setup):
    first, second = setup["bulk"]
    ctx, cur = _context_page(browser, app_url, "coordinator")
    try:
        cur.goto(app_url + "/triage")
        wait_ready(cur)
        cur.click("#triage-tab-moderation")
        for appeal_id in (first, second):
            cur.locator(f"#triage-row-{appeal_id}").wait_for(timeout=30_000)
            cur.get_by_role("checkbox", name=f"Отметить обращение №{appeal_id}").click()
        cur.wait_for_function("() => document.querySelector('#triage-selected').innerText.includes('2')")
        assert_accessible(cur, "/triage (moderation, rows selected)")
        # Meanwhile another coordinator takes the second one: that row must be refused, the first done.
        engine = make_engine(setup["db"])
        with Session(engine) as s:
            appeals.perform(s, actor=setup["cur"], appeal_id=second, action="reject", reason="spam")
        engine.dispose()
        cur.click("#bulk-approve")
        cur.wait_for_selector(".triage-result.refused", timeout=30_000)
        results = cur.inner_text("#triage-results")
        assert f"№{first} — Выполнено: Принять на модерации" in results
        assert re.search(rf"№{second} — Действие «Принять на модерации» невозможно в статусе «Отклонено»", results)
        cur.screenshot(path=str(SHOTS / "triage-bulk-results.png"))
        assert _status(setup["db"], first)[0] in (Status.COORDINATION, Status.IN_WORK)
        assert _status(setup["db"], second)[0] == Status.REJECTED
        cur.click("#triage-tab-control")
        cur.wait_for_selector("#triage-table, #triage-empty", timeout=30_000)
        assert_accessible(cur, "/triage (control)")
        cur.screenshot(path=str(SHOTS / "triage-control.png"))
    finally:
        ctx.close()


RXPROBE = Path(__file__).resolve().parents[3] / "shared" / "tools" / "rxprobe"


@pytest.mark.skipif(not (RXPROBE / "rxprobe.py").exists(), reason="rxprobe is missing")
def test_forged_websocket_events_change_nothing(app_url, setup):
    """Over the real protocol: a citizen and the organisation send the coordinator's events and
    another account's template ids; nothing changes."""
    import asyncio
    import sys
    from concurrent.futures import ThreadPoolExecutor

    from pos_dashboard.domain.answer_templates import AnswerTemplate
    from pos_dashboard.services import answer_templates

    sys.path.insert(0, str(RXPROBE))
    from rxprobe import ReflexClient

    engine = make_engine(setup["db"])
    with Session(engine, expire_on_commit=False) as s:
        org = Actor.of(s.exec(select(User).where(User.login == "org")).one())
        citizen = Actor.of(s.exec(select(User).where(User.login == "citizen")).one())
        rule_category = s.exec(select(RoutingRule.category_id).where(RoutingRule.territory_id.is_(None))).first() \
            or s.exec(select(Category.id).where(Category.parent_id.is_not(None))).first()
        waiting = appeals.submit_appeal(s, actor=citizen, category_id=rule_category,
                                        text="Сломана скамейка во дворе, торчат гвозди.").id
        template = answer_templates.save_template(s, actor=org, title="Не трогать", text=TEMPLATE, category_id=None).id

    def templates() -> list[tuple]:
        with Session(engine) as s:
            return s.exec(select(AnswerTemplate.id, AnswerTemplate.title, AnswerTemplate.text)).all()
    before_templates = templates()

    async def scenario(login: str):
        client = ReflexClient(app_url, timeout=30)
        try:
            await client.hydrate("/login")
            reply = await client.send("LoginState.submit", {"form": {"login": login, "password": "demo12345"}},
                                      wait="barrier", timeout=60)
            assert not reply.backend_error
            client.local_storage["pos_token"] = client.var("AppState.auth_token")
            await client.hydrate("/triage")
            for event, payload in [("TriageState.route_one", {"appeal_id": waiting, "organization_id": org.organization_id}),
                                   ("TriageState.toggle", {"appeal_id": waiting, "checked": True}),
                                   ("TriageState.bulk_approve", {}),
                                   ("TriageState.search_orgs", {"query": "дорож"})]:
                reply = await client.send(event, payload, wait="barrier")
                assert not reply.backend_error, event
            assert client.var("TriageState.org_options") == [] and client.var("TriageState.selected") == []
            assert "координатор" in client.var("TriageState.error")
            if login != "org":
                await client.hydrate("/templates")
                reply = await client.send("TemplatesState.delete", {"template_id": template}, wait="barrier")
                assert not reply.backend_error
        finally:
            await client.close()

    with ThreadPoolExecutor(1) as pool:
        for login in ("citizen", "org", "official"):
            pool.submit(asyncio.run, scenario(login)).result()
    assert _status(setup["db"], waiting) == (Status.MODERATION, None)
    assert templates() == before_templates
    engine.dispose()
