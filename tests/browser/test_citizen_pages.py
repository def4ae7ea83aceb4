"""The citizen's pages in Chromium: log-in lands on «Мои обращения» and stays there; the card
names the organisation, never staff members; a phone-sized screen works."""

import re
import time

from sqlmodel import Session, select

from pos_dashboard.db import make_engine
from pos_dashboard.domain.enums import Role
from pos_dashboard.domain.models import Appeal, AppealEvent, Category, Organization, User

from .a11y import assert_accessible
from .conftest import log_in, wait_ready

SHOTS = "/work/shots"
PHONE = {"width": 390, "height": 844}


def _citizen_facts(db_url: str) -> dict:
    """What the database says the demo citizen should see, read independently of the app."""
    engine = make_engine(db_url)
    with Session(engine) as session:
        citizen = session.exec(select(User).where(User.login == "citizen")).one()
        mine = session.exec(select(Appeal.id).where(Appeal.citizen_id == citizen.id)
                            .order_by(Appeal.created_at.desc(), Appeal.id.desc())).all()
        worked = session.exec(
            select(AppealEvent.appeal_id, User.full_name, Organization.name)
            .join(User, User.id == AppealEvent.actor_id).join(Appeal, Appeal.id == AppealEvent.appeal_id)
            .join(Organization, Organization.id == User.organization_id)
            .where(Appeal.citizen_id == citizen.id, AppealEvent.actor_role == Role.ORG_STAFF.value)).first()
        coordinator_names = set(session.exec(select(User.full_name).where(User.role == Role.COORDINATOR.value)))
        other = session.exec(select(Appeal.id).where(Appeal.citizen_id != citizen.id)).first()
    engine.dispose()
    return {"mine": list(mine), "worked": worked, "coordinators": coordinator_names, "other": other}


def _open_my_appeals(page, app_url) -> None:
    log_in(page, app_url, "citizen")
    page.wait_for_url(re.compile(r".*/my$"), timeout=30_000)
    page.wait_for_selector(".my-appeal-row", timeout=30_000)
    wait_ready(page)


def test_citizen_lands_on_their_appeals_and_stays_there(page, app_url, demo_db):
    facts = _citizen_facts(demo_db)
    assert facts["mine"], "the demo citizen has appeals"
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url) if frame == page.main_frame else None)
    _open_my_appeals(page, app_url)
    settled = len(navigations)
    time.sleep(3)  # the old bug bounced between / and /login about once a second
    assert page.url.endswith("/my") and len(navigations) == settled
    rows = page.locator(".my-appeal-row")
    assert rows.count() == min(20, len(facts["mine"]))
    assert rows.first.inner_text().startswith(f"№{facts['mine'][0]}")
    assert f"Всего обращений: {len(facts['mine'])}" in page.inner_text("#my-total")
    assert page.inner_text("#nav-home") == "Мои обращения"
    assert_accessible(page, "/my")


def test_citizen_opening_the_queue_is_sent_to_their_appeals(page, app_url):
    _open_my_appeals(page, app_url)
    page.goto(app_url + "/")
    page.wait_for_url(re.compile(r".*/my$"), timeout=20_000)
    page.wait_for_selector(".my-appeal-row")
    time.sleep(3)
    assert page.url.endswith("/my")


def test_citizen_card_names_the_organisation_never_staff(page, app_url, demo_db):
    facts = _citizen_facts(demo_db)
    appeal_id, staff_name, org_name = facts["worked"]
    _open_my_appeals(page, app_url)
    page.goto(f"{app_url}/appeals/{appeal_id}")
    page.wait_for_selector(".timeline-event", timeout=30_000)
    timeline = page.inner_text("#card-timeline")
    assert org_name in timeline
    body = page.inner_text("body")
    for name in {staff_name} | facts["coordinators"]:
        assert name not in body
    assert page.inner_text("#card-back") == "← К моим обращениям"


def test_row_opens_the_card_and_another_citizens_appeal_is_refused(page, app_url, demo_db):
    facts = _citizen_facts(demo_db)
    _open_my_appeals(page, app_url)
    page.locator(".my-appeal-row").first.click()
    page.wait_for_url(re.compile(rf".*/appeals/{facts['mine'][0]}$"))
    page.wait_for_selector("#card-title")
    assert f"Обращение №{facts['mine'][0]}" in page.inner_text("#card-title")
    page.goto(f"{app_url}/appeals/{facts['other']}")
    wait_ready(page)
    page.wait_for_selector("text=Нет доступа к этому обращению", timeout=20_000)
    assert "card-title" not in page.content()


def test_phone_screen_shows_the_list_and_the_card(browser, app_url, demo_db):
    facts = _citizen_facts(demo_db)
    context = browser.new_context(viewport=PHONE, locale="ru-RU", device_scale_factor=1)
    page = context.new_page()
    try:
        _open_my_appeals(page, app_url)
        page.screenshot(path=f"{SHOTS}/citizen-my-phone.png", full_page=False)
        assert_accessible(page, "/my on a phone")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.goto(f"{app_url}/appeals/{facts['worked'][0]}")
        page.wait_for_selector(".timeline-event", timeout=30_000)
        page.screenshot(path=f"{SHOTS}/citizen-card-phone.png", full_page=True)
        assert_accessible(page, "the citizen's card on a phone")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()


def _expedited_leaf(db_url: str) -> tuple[str, int]:
    engine = make_engine(db_url)
    with Session(engine) as session:
        leaf = session.exec(select(Category).where(Category.expedited, Category.parent_id.is_not(None))
                            .order_by(Category.id)).first()
        name, days = leaf.name, leaf.deadline_days
    engine.dispose()
    return name, days


def test_citizen_sends_an_appeal_and_a_refusal_loses_nothing(browser, app_url, demo_db):
    name, days = _expedited_leaf(demo_db)
    context = browser.new_context(viewport=PHONE, locale="ru-RU")
    page = context.new_page()
    try:
        _open_my_appeals(page, app_url)
        page.click("#new-appeal-link")
        page.wait_for_url(re.compile(r".*/my/new$"))
        page.wait_for_selector(".category-option", timeout=30_000)
        wait_ready(page)
        page.fill("#category-search", name.upper())
        option = page.locator(".category-option", has_text=name).first
        option.wait_for()
        assert f"срочная категория: срок {days} дней" in option.inner_text()
        option.click()
        page.wait_for_selector("#chosen-category")
        assert name in page.inner_text("#chosen-category")
        short = "Яма"
        page.fill("#appeal-text", short)
        page.wait_for_function("() => document.querySelector('#text-counter').innerText.startsWith('3 из')")
        assert "не меньше 10" in page.inner_text("#text-counter")
        page.fill("#appeal-address", "ул. Проверочная, д. 7")
        page.screenshot(path=f"{SHOTS}/citizen-new-phone.png", full_page=True)
        page.click("#appeal-submit")
        page.wait_for_selector("#appeal-error")
        assert "Выберите район" in page.inner_text("#appeal-error")
        assert_accessible(page, "/my/new with a refusal")
        page.click("#appeal-territory")
        page.get_by_role("option").first.click()
        page.click("#appeal-submit")
        page.wait_for_selector("#appeal-error:has-text('символов')")
        # Nothing typed was lost by either refusal.
        assert page.input_value("#appeal-text") == short
        assert page.input_value("#appeal-address") == "ул. Проверочная, д. 7"
        assert name in page.inner_text("#chosen-category")
        text = f"Глубокая яма на проезжей части у остановки, машины объезжают по встречной {time.time_ns()}"
        page.fill("#appeal-text", text)
        page.wait_for_function(f"() => document.querySelector('#text-counter').innerText.startsWith('{len(text)} из')")
        page.click("#appeal-submit")
        page.wait_for_selector("#appeal-receipt", timeout=20_000)
        number = int(re.search(r"№\s*(\d+)", page.inner_text("#receipt-title")).group(1))
        assert f"{days} рабочих дней" in page.inner_text("#receipt-deadline")
        page.screenshot(path=f"{SHOTS}/citizen-receipt-phone.png", full_page=True)
        assert_accessible(page, "the receipt")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.click("#receipt-open")
        page.wait_for_url(re.compile(rf".*/appeals/{number}$"))
        page.wait_for_selector("#card-title")
        assert text in page.inner_text("body")
    finally:
        context.close()
    engine = make_engine(demo_db)
    with Session(engine) as session:
        stored = session.get(Appeal, number)
        owner = session.get(User, stored.citizen_id)
        assert (stored.text, stored.address, owner.login) == (text, "ул. Проверочная, д. 7", "citizen")
    engine.dispose()


def _answered_appeal_of_the_demo_citizen(db_url: str) -> tuple[int, int]:
    """Two fresh appeals of the demo citizen, made through the services: one answered (approved by the
    coordinator), one still in moderation."""
    from pos_dashboard.services import appeals
    from pos_dashboard.services.actors import Actor

    engine = make_engine(db_url)
    with Session(engine, expire_on_commit=False) as session:
        def actor(login):
            return Actor.of(session.exec(select(User).where(User.login == login)).one())
        citizen, coordinator = actor("citizen"), actor("coordinator")
        org_staff = session.exec(select(User).where(User.role == Role.ORG_STAFF.value)).first()
        category = session.exec(select(Category).where(Category.parent_id.is_not(None))).first()
        text = "Во дворе не горит фонарь у второго подъезда, вечером темно и опасно."
        answered = appeals.submit_appeal(session, actor=citizen, category_id=category.id, text=text).id
        appeals.perform(session, actor=coordinator, appeal_id=answered, action="approve_moderation")
        if session.get(Appeal, answered).status == "coordination":
            appeals.perform(session, actor=coordinator, appeal_id=answered, action="route",
                            organization_id=org_staff.organization_id)
        org_id = session.get(Appeal, answered).organization_id
        staff = Actor.of(session.exec(select(User).where(User.organization_id == org_id,
                                                         User.role == Role.ORG_STAFF.value)).first())
        appeals.perform(session, actor=staff, appeal_id=answered, action="give_answer",
                        text="Фонарь заменён, освещение восстановлено.")
        appeals.perform(session, actor=coordinator, appeal_id=answered, action="approve_answer")
        waiting = appeals.submit_appeal(session, actor=citizen, category_id=category.id, text=text).id
    engine.dispose()
    return answered, waiting


def _act(page, action: str) -> None:
    page.click(f"#action-{action}")
    page.wait_for_selector("#action-submit")


def test_citizen_rates_low_and_withdraws_from_the_card(page, app_url, demo_db):
    answered, waiting = _answered_appeal_of_the_demo_citizen(demo_db)
    _open_my_appeals(page, app_url)
    page.goto(f"{app_url}/appeals/{answered}")
    page.wait_for_selector("#action-rate", timeout=30_000)
    wait_ready(page)
    assert "Фонарь заменён" in page.inner_text("body")
    _act(page, "rate")
    page.fill("#action-comment", "Фонарь снова не горит")
    page.click("#action-submit")
    page.wait_for_selector("#action-error")
    assert "от 1 до 5" in page.inner_text("#action-error")
    assert page.input_value("#action-comment") == "Фонарь снова не горит"
    page.get_by_role("radio", name="2").click()
    page.screenshot(path=f"{SHOTS}/citizen-card-rate.png", full_page=True)
    assert_accessible(page, "the citizen's card with the rating form")
    page.click("#action-submit")
    page.wait_for_selector("#action-notice")
    page.wait_for_function("() => document.querySelector('#card-status').innerText.includes('На контроле')")
    last = page.locator(".timeline-event").last.inner_text()
    assert "Фонарь снова не горит" in last and "Заявитель" in last
    page.goto(f"{app_url}/appeals/{waiting}")
    page.wait_for_selector("#action-withdraw", timeout=30_000)
    wait_ready(page)
    _act(page, "withdraw")
    page.click("#action-submit")
    page.wait_for_function("() => document.querySelector('#card-status').innerText.includes('Отозвано')")
    assert page.locator("#action-withdraw").count() == 0


def _appeal_awaiting_clarification(db_url: str) -> int:
    from pos_dashboard.services import appeals
    from pos_dashboard.services.actors import Actor

    engine = make_engine(db_url)
    with Session(engine, expire_on_commit=False) as session:
        def actor(login):
            return Actor.of(session.exec(select(User).where(User.login == login)).one())
        citizen, coordinator = actor("citizen"), actor("coordinator")
        org_staff = session.exec(select(User).where(User.role == Role.ORG_STAFF.value)).first()
        category = session.exec(select(Category).where(Category.parent_id.is_not(None))).first()
        appeal_id = appeals.submit_appeal(session, actor=citizen, category_id=category.id,
                                          text="Сломана детская горка на площадке, торчат острые края.").id
        appeals.perform(session, actor=coordinator, appeal_id=appeal_id, action="approve_moderation")
        if session.get(Appeal, appeal_id).status == "coordination":
            appeals.perform(session, actor=coordinator, appeal_id=appeal_id, action="route",
                            organization_id=org_staff.organization_id)
        org_id = session.get(Appeal, appeal_id).organization_id
        staff = Actor.of(session.exec(select(User).where(User.organization_id == org_id,
                                                         User.role == Role.ORG_STAFF.value)).first())
        appeals.perform(session, actor=staff, appeal_id=appeal_id, action="request_clarification",
                        reason="Уточните адрес площадки: номер дома")
    engine.dispose()
    return appeal_id


def test_citizen_replies_to_a_clarification_request(page, app_url, demo_db):
    appeal_id = _appeal_awaiting_clarification(demo_db)
    _open_my_appeals(page, app_url)
    page.goto(f"{app_url}/appeals/{appeal_id}")
    page.wait_for_selector("#action-clarify", timeout=30_000)
    wait_ready(page)
    assert "Уточните адрес площадки" in page.inner_text("#card-timeline")
    _act(page, "clarify")
    page.click("#action-submit")
    page.wait_for_selector("#action-error")
    assert "Напишите ответ" in page.inner_text("#action-error")
    page.fill("#action-comment", "Дом 12, площадка во дворе")
    page.click("#action-submit")
    page.wait_for_function("() => document.querySelector('#card-status').innerText.includes('В работе')")
    assert "Дом 12, площадка во дворе" in page.locator(".timeline-event").last.inner_text()


def test_citizen_follows_an_appeal_reported_nearby_and_stops(page, app_url, demo_db):
    """«Уже сообщили»: the form offers «Следить» on somebody else's open appeal near the point; the
    followed appeal is on «Мои обращения» without its text; «Не следить» removes it."""
    engine = make_engine(demo_db)
    with Session(engine) as session:
        citizen = session.exec(select(User).where(User.login == "citizen")).one()
        other = session.exec(select(Appeal).where(
            Appeal.citizen_id != citizen.id, Appeal.citizen_id.is_not(None), Appeal.latitude.is_not(None),
            Appeal.status.in_(["in_work", "moderation", "coordination"]))).first()
        category = session.get(Category, other.category_id)
        facts = (other.id, other.latitude, other.longitude, category.name, other.text)
    engine.dispose()
    appeal_id, lat, lon, category_name, text = facts
    log_in(page, app_url, "citizen")
    page.wait_for_url(re.compile(r".*/my$"), timeout=30_000)
    page.click("#new-appeal-link")
    page.wait_for_selector(".category-option", timeout=30_000)
    page.fill("#category-search", category_name)
    page.locator(".category-option", has_text=category_name).first.click()
    page.wait_for_selector("#chosen-category")
    page.fill("#appeal-latitude", f"{lat:.6f}")
    page.fill("#appeal-longitude", f"{lon:.6f}")
    row = page.locator(".nearby-appeal", has_text=f"№{appeal_id}")
    row.wait_for(timeout=15_000)
    row.locator(".nearby-follow").click()
    row.locator(".nearby-followed").wait_for(timeout=10_000)
    assert_accessible(page, "/appeals/new with «уже сообщили»")
    page.screenshot(path=f"{SHOTS}/follow-nearby.png", full_page=True)
    page.goto(app_url + "/my")
    followed = page.locator(".followed-appeal", has_text=f"№{appeal_id}")
    followed.wait_for(timeout=15_000)
    assert text[:30] not in page.inner_text("#followed-section")
    assert_accessible(page, "/my with followed appeals")
    page.screenshot(path=f"{SHOTS}/follow-my.png", full_page=True)
    followed.locator(".unfollow").click()
    page.wait_for_function(f"() => !document.querySelector('#followed-section').innerText.includes('№{appeal_id}')",
                           timeout=10_000)
