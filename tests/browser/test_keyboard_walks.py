"""Keyboard-only walks of the citizen's main tasks (issue 12): send an appeal, take part in a vote.
No mouse click after log-in: Tab, typing, Enter, Space and the arrow keys."""

import re
import time
from datetime import timedelta

from sqlmodel import Session, select

from pos_dashboard.db import make_engine
from pos_dashboard.domain.models import User
from pos_dashboard.domain.participation import Ballot, Eligibility
from pos_dashboard.domain.types import utcnow
from pos_dashboard.services import votes
from pos_dashboard.services.actors import Actor

from .a11y import press_tab_until
from .conftest import log_in, wait_ready



def _log_in_as_citizen(page, app_url) -> None:
    log_in(page, app_url, "citizen")
    page.wait_for_url(re.compile(r".*/my$"), timeout=30_000)
    wait_ready(page)


def _open_vote_for_everyone(db_url: str) -> int:
    engine = make_engine(db_url)
    with Session(engine, expire_on_commit=False) as session:
        coordinator = Actor.of(session.exec(select(User).where(User.login == "coordinator")).one())
        now = utcnow()
        vote = votes.create_vote(
            session, actor=coordinator, title=f"Проверка голосования с клавиатуры {time.time_ns()}", description="",
            territory_id=None, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=7), max_choices=1,
            eligibility=Eligibility.EVERYONE,
            options=[votes.OptionInput("Сквер у библиотеки"), votes.OptionInput("Площадка у школы")])
    engine.dispose()
    return vote.id


def test_keyboard_only_vote(page, app_url, demo_db):
    vote_id = _open_vote_for_everyone(demo_db)
    _log_in_as_citizen(page, app_url)
    page.goto(f"{app_url}/participate/{vote_id}")
    page.wait_for_selector(".vote-option")
    wait_ready(page)
    page.locator("body").focus()
    press_tab_until(page, "document.activeElement.classList.contains('vote-input')")  # the first radio button
    page.keyboard.press("ArrowDown")  # the second place, chosen as the focus moves to it
    page.wait_for_function("() => document.querySelectorAll('.vote-input')[1].checked")
    press_tab_until(page, "document.activeElement.id === 'vote-submit'")
    page.keyboard.press("Enter")
    page.wait_for_selector("#vote-notice", timeout=20_000)
    assert "Площадка у школы" in page.inner_text("#vote-my-choice")
    engine = make_engine(demo_db)
    with Session(engine) as session:
        assert len(session.exec(select(Ballot).where(Ballot.vote_id == vote_id)).all()) == 1
    engine.dispose()


def test_keyboard_only_appeal(page, app_url):
    _log_in_as_citizen(page, app_url)
    page.goto(app_url + "/my/new")
    page.wait_for_selector(".category-option", timeout=30_000)
    wait_ready(page)
    page.locator("body").focus()
    press_tab_until(page, "document.activeElement.id === 'category-search'")
    page.keyboard.type("освещ")
    page.wait_for_function("() => [...document.querySelectorAll('.category-option')]"
                           ".every(o => o.innerText.toLowerCase().includes('освещ'))", timeout=10_000)
    press_tab_until(page, "document.activeElement.classList.contains('category-option')")
    page.keyboard.press("Enter")
    page.wait_for_selector("#chosen-category")
    press_tab_until(page, "document.activeElement.id === 'appeal-text'")
    text = f"Не горит фонарь у подъезда, вечером темно и скользко {time.time_ns()}"
    page.keyboard.type(text)
    press_tab_until(page, "document.activeElement.id === 'appeal-territory'")
    page.keyboard.press("Enter")
    page.wait_for_selector("[role=option]")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    press_tab_until(page, "document.activeElement.id === 'appeal-submit'")
    page.keyboard.press("Enter")
    page.wait_for_selector("#appeal-receipt", timeout=20_000)
    assert "отправлено" in page.inner_text("#receipt-title")
