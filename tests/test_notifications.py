"""The outbox: every workflow event writes the notifications it should, to whom it should, in the
same transaction (a failed commit or a refused action leaves none), and the timers warn the
organisation once per deadline. Real sessions on SQLite or PostgreSQL (POS_TEST_DATABASE_URL)."""

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from pos_dashboard.domain.enums import ModerationReason, Status
from pos_dashboard.domain.models import Appeal, User
from pos_dashboard.domain.notifications import Notification
from pos_dashboard.domain.workflow import AUTO_CLOSE_AFTER, CLARIFICATION_SILENCE_LIMIT
from pos_dashboard.services import appeals, notifications, timers
from pos_dashboard.services.errors import ValidationFailed
from pos_dashboard.services.notify_templates import TEMPLATES, render

from .factories import ANSWER_TEXT, INTERIM_TEXT, T0, build_region, fresh_appeal, hours, is_russian, submit

CITIZEN_MAIL = "ivanov@example.ru"
STAFF_MAIL = "uk@example.ru"


@pytest.fixture()
def region(session):
    r = build_region(session)
    session.get(User, r.citizen.user_id).email = CITIZEN_MAIL
    session.get(User, r.staff[r.o_uk].user_id).email = STAFF_MAIL
    session.commit()
    return r


class Outbox:
    """Reads the rows written since the last look, as (who, channel, template)."""

    def __init__(self, session, region):
        self.session, self.region, self.seen = session, region, 0
        self.who = {region.citizen.user_id: "citizen", region.staff[region.o_uk].user_id: "uk"}

    def new(self) -> list[tuple[str, str, str]]:
        self.session.expire_all()
        rows = self.session.exec(select(Notification).where(Notification.id > self.seen).order_by(Notification.id)).all()
        if rows:
            self.seen = rows[-1].id
        self.last = rows
        return sorted((self.who.get(r.user_id, str(r.user_id)), r.channel, r.template) for r in rows)


def both(who: str, template: str) -> list[tuple[str, str, str]]:
    return [(who, "email", template), (who, "in_app", template)]


def act(session, appeal_id, action, actor, now, reason=None, **params):
    appeals.perform(session, actor=actor, appeal_id=appeal_id, action=action, reason=reason, now=now, **params)


def test_the_whole_road_tells_the_citizen_and_the_organisation_each_step(session, region):
    box, uk, cur = Outbox(session, region), region.staff[region.o_uk], region.coordinator
    appeal_id = submit(session, region, now=T0)
    assert box.new() == both("citizen", "registered")
    registered = [r for r in box.last if r.channel == "email"][0]
    assert registered.subject == f"Обращение №{appeal_id} зарегистрировано"
    assert registered.address == CITIZEN_MAIL and registered.sent_at is None and registered.attempts == 0
    assert registered.next_attempt_at == T0 and registered.appeal_id == appeal_id
    assert [r for r in box.last if r.channel == "in_app"][0].sent_at == T0  # delivered when written

    act(session, appeal_id, "approve_moderation", cur, T0 + hours(1))  # a rule routes it to the УК at once
    assert box.new() == sorted(both("citizen", "accepted") + both("citizen", "in_work") + both("uk", "org_new"))
    org_new = [r for r in box.last if r.template == "org_new"][0]
    assert "УК «Северный дом»" in org_new.body and f"№{appeal_id}" in org_new.subject

    act(session, appeal_id, "request_clarification", uk, T0 + hours(2), reason="Уточните номер подъезда")
    assert box.new() == both("citizen", "clarification")
    assert "«Уточните номер подъезда»" in box.last[0].body
    act(session, appeal_id, "clarify", region.citizen, T0 + hours(3), reason="Второй подъезд, со двора")
    assert box.new() == both("uk", "org_clarified")
    act(session, appeal_id, "give_interim_answer", uk, T0 + hours(4), text=INTERIM_TEXT,
        planned_date=date(2025, 3, 20))
    assert box.new() == both("citizen", "interim")
    assert "20.03.2025" in box.last[0].body
    act(session, appeal_id, "give_answer", uk, T0 + hours(5), text=ANSWER_TEXT)
    assert box.new() == []  # the coordinator checks it first: the citizen hears of it when approved
    act(session, appeal_id, "return_for_rework", cur, T0 + hours(6), reason="Нет фотографии результата",
        rework_code="no_evidence")
    assert box.new() == both("uk", "org_rework")
    assert "«Нет подтверждения (фото) — Нет фотографии результата»" in box.last[0].body
    act(session, appeal_id, "give_answer", uk, T0 + hours(7), text=ANSWER_TEXT)
    act(session, appeal_id, "approve_answer", cur, T0 + hours(8))
    assert box.new() == both("citizen", "answered")
    appeals.rate(session, actor=region.citizen, appeal_id=appeal_id, score=1, comment="Ничего не сделано", now=T0 + hours(9))
    assert box.new() == both("citizen", "control")
    act(session, appeal_id, "re_review", cur, T0 + hours(10), reason="Проверить на месте")
    assert box.new() == sorted(both("citizen", "re_review") + both("uk", "org_re_review"))
    act(session, appeal_id, "give_answer", uk, T0 + hours(11), text=ANSWER_TEXT)
    act(session, appeal_id, "approve_answer", cur, T0 + hours(12))
    box.new()
    appeals.rate(session, actor=region.citizen, appeal_id=appeal_id, score=5, now=T0 + hours(13))
    assert box.new() == both("citizen", "closed")


def test_rejection_names_the_rule_and_withdrawal_is_confirmed(session, region):
    box = Outbox(session, region)
    rejected = submit(session, region, now=T0)
    withdrawn = submit(session, region, now=T0)
    box.new()
    act(session, rejected, "reject", region.coordinator, T0 + hours(1), reason=ModerationReason.SPAM.value)
    assert box.new() == both("citizen", "rejected")
    assert "Причина: Спам, реклама." in box.last[0].body
    act(session, withdrawn, "withdraw", region.citizen, T0 + hours(1))
    assert box.new() == both("citizen", "withdrawn")


def test_dispute_confirm_extension_and_the_timers(session, region):
    box, uk, cur = Outbox(session, region), region.staff[region.o_uk], region.coordinator
    appeal_id = submit(session, region, now=T0)
    act(session, appeal_id, "approve_moderation", cur, T0 + hours(1))
    box.new()
    appeals.extend_deadline(session, actor=uk, appeal_id=appeal_id, days=5, reason="Нужна техника", now=T0 + hours(2))
    assert box.new() == both("citizen", "extended")
    act(session, appeal_id, "give_answer", uk, T0 + hours(3), text=ANSWER_TEXT)
    act(session, appeal_id, "approve_answer", cur, T0 + hours(4))
    box.new()
    act(session, appeal_id, "dispute", region.citizen, T0 + hours(5), reason="Яма осталась на месте")
    assert box.new() == both("citizen", "control")
    act(session, appeal_id, "confirm_closure", cur, T0 + hours(6))
    assert box.new() == both("citizen", "closed")
    assert "подтвердил решение" in box.last[0].body

    # The platform's own clocks tell the citizen too.
    silent = submit(session, region, now=T0)
    act(session, silent, "approve_moderation", cur, T0 + hours(1))
    act(session, silent, "request_clarification", uk, T0 + hours(2), reason="Где именно?")
    unrated = submit(session, region, now=T0)
    act(session, unrated, "approve_moderation", cur, T0 + hours(1))
    act(session, unrated, "give_answer", uk, T0 + hours(2), text=ANSWER_TEXT)
    act(session, unrated, "approve_answer", cur, T0 + hours(3))
    box.new()
    later = T0 + hours(3) + max(AUTO_CLOSE_AFTER, CLARIFICATION_SILENCE_LIMIT) + hours(1)
    run = timers.run_due_timers(session, now=later)
    assert (run.auto_closed, run.auto_rejected) == (1, 1)
    got = box.new()
    assert sorted(got) == sorted(both("citizen", "closed") + both("citizen", "rejected"))
    by_appeal = {r.appeal_id: r for r in box.last if r.channel == "email"}
    assert "не дал уточнений" in by_appeal[silent].body and "автоматически" in by_appeal[unrated].body


def test_staff_without_address_get_in_app_only_and_inactive_users_nothing(session, region):
    heat_staff = region.staff[region.o_heat]
    box = Outbox(session, region)
    appeal_id = submit(session, region, category_id=region.c_heating, now=T0)
    box.new()
    session.get(User, region.citizen.user_id).is_active = False
    session.commit()
    act(session, appeal_id, "approve_moderation", region.coordinator, T0 + hours(1))
    assert box.new() == [(str(heat_staff.user_id), "in_app", "org_new")]


def test_a_failed_commit_leaves_no_notification(session, region, monkeypatch):
    """The rows are in the event's transaction: when the commit fails, they are gone with it."""
    appeal_id = submit(session, region, now=T0)
    before = session.exec(select(func.count()).select_from(Notification)).one()

    def failing_commit():
        session.flush()  # the outbox rows and the event reach the database …
        raise RuntimeError("connection lost at commit")  # … and the transaction never commits

    monkeypatch.setattr(session, "commit", failing_commit)
    with pytest.raises(RuntimeError):
        act(session, appeal_id, "approve_moderation", region.coordinator, T0 + hours(1))
    assert session.exec(select(func.count()).select_from(Notification)).one() > before  # inside: visible
    session.rollback()
    monkeypatch.undo()
    assert session.exec(select(func.count()).select_from(Notification)).one() == before
    assert fresh_appeal(session, appeal_id).status == Status.MODERATION


def test_a_refused_action_writes_no_notification(session, region):
    appeal_id = submit(session, region, now=T0)
    act(session, appeal_id, "approve_moderation", region.coordinator, T0 + hours(1))
    before = session.exec(select(func.count()).select_from(Notification)).one()
    with pytest.raises(ValidationFailed):  # a date in the past: refused after the claim
        act(session, appeal_id, "give_interim_answer", region.staff[region.o_uk], T0 + hours(2),
            text=INTERIM_TEXT, planned_date=date(2025, 1, 1))
    assert session.exec(select(func.count()).select_from(Notification)).one() == before


def _in_work(session, region) -> tuple[int, object]:
    appeal_id = submit(session, region, now=T0)
    act(session, appeal_id, "approve_moderation", region.coordinator, T0 + hours(1))
    return appeal_id, fresh_appeal(session, appeal_id).deadline_at


def _warnings(session, appeal_id) -> list[tuple]:
    session.expire_all()
    return sorted(session.exec(select(Notification.user_id, Notification.channel).where(
        Notification.appeal_id == appeal_id, Notification.template == "org_deadline")).all())


def test_deadline_within_24_hours_warns_the_organisation_once_per_deadline(session, region):
    appeal_id, deadline = _in_work(session, region)
    uk = region.staff[region.o_uk].user_id
    assert notifications.warn_due_deadlines(session, now=deadline - hours(25)) == 0
    assert notifications.warn_due_deadlines(session, now=deadline - hours(23)) == 2
    assert _warnings(session, appeal_id) == [(uk, "email"), (uk, "in_app")]
    row = session.exec(select(Notification).where(Notification.appeal_id == appeal_id,
                                                  Notification.template == "org_deadline")).first()
    assert row.subject.startswith(f"Срок ответа по обращению №{appeal_id} истекает")
    assert notifications.warn_due_deadlines(session, now=deadline - hours(22)) == 0
    assert timers.run_due_timers(session, now=deadline - hours(1)).deadline_warnings == 0
    assert notifications.warn_due_deadlines(session, now=deadline + hours(1)) == 0  # overdue: not "within 24 h"
    # An extension is a new deadline: one more warning before it.
    appeals.extend_deadline(session, actor=region.staff[region.o_uk], appeal_id=appeal_id, days=3,
                            reason="Ждём подрядчика", now=deadline - hours(20))
    new_deadline = fresh_appeal(session, appeal_id).deadline_at
    assert notifications.warn_due_deadlines(session, now=new_deadline - hours(10)) == 2
    assert len(_warnings(session, appeal_id)) == 4


def test_deadline_warnings_from_two_workers_at_once_are_written_once(engine, session, region):
    ids = [_in_work(session, region)[0] for _ in range(6)]
    deadline = fresh_appeal(session, ids[0]).deadline_at
    start, results, errors = threading.Barrier(2), [], []

    def worker():
        try:
            with Session(engine, expire_on_commit=False) as own:
                start.wait()
                results.append(notifications.warn_due_deadlines(own, now=deadline - hours(12)))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sum(results) == 12  # 6 appeals × (e-mail + in-app) for the one staff member of the УК
    for appeal_id in ids:
        assert len(_warnings(session, appeal_id)) == 2


def test_every_template_renders_in_russian():
    context = dict(number=17, category="Ямы", organization="УК", address="ул. Ленина, 1", reason="причина",
                   at="01.03.2025 09:00", deadline="14.04.2025 18:00", planned="20.03.2025", silence_days=7,
                   closing="Спасибо.", link="http://localhost:3000/appeals/17", status="В работе",
                   my_link="http://localhost:3000/my")
    for key in TEMPLATES:
        subject, body = render(key, **context)
        assert "17" in subject and is_russian(subject + " " + body[:200]), key
        assert "{" not in subject + body, key
    assert set(TEMPLATES) >= {t for pair in notifications.ROUTES.values() for t in pair if t}
    with pytest.raises(KeyError):
        render("registered", number=1)
