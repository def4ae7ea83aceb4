"""The demo region generator: deterministic, legal by the workflow table, and agreeing field by
field with what the appeal services write for the same sequence of actions (checked by replaying
a sample of generated appeals through the services)."""

import hashlib
import json
import re
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone

import pytest
from pwdlib import PasswordHash
from sqlalchemy import func
from sqlalchemy.dialects import sqlite
from sqlmodel import select

from pos_dashboard.demo.accounts import DEMO_PASSWORD, demo_accounts
from pos_dashboard.demo.generator import DemoOptions, generate, load_demo
from pos_dashboard.demo.writer import EpochFormat
from pos_dashboard.domain.enums import FINAL_STATUSES, OPEN_STATUSES, Role, Status
from pos_dashboard.domain.models import (Answer, Appeal, AppealEvent, Dispute, Organization, Rating, RoutingRule,
                                         User)
from pos_dashboard.domain.participation import Ballot, Vote
from pos_dashboard.domain.types import UTCDateTime
from pos_dashboard.domain.workflow import TRANSITIONS
from pos_dashboard.services import appeals as services
from pos_dashboard.services.actors import Actor

# Wednesday 12 March 2025, 13:00 in Moscow: an ordinary working day.
NOW = datetime(2025, 3, 12, 10, 0, tzinfo=timezone.utc)
# A short history makes the small sample dense enough to have every kind of open appeal.
OPTIONS = DemoOptions(appeals=1500, seed=7, now=NOW, history_days=120, chunk_size=500)
APPEAL_FIELDS = ("status", "category_id", "organization_id", "deadline_at", "stage_due_at", "paused_at", "extended",
                 "first_answer_at", "final_answer_at", "closed_at", "rating", "updated_at", "created_at")


def digest(options: DemoOptions) -> str:
    h = hashlib.sha256()
    for batch in generate(options):
        for table, rows in batch:
            h.update(table.encode())
            for row in rows:
                h.update(repr(row).encode())
    return h.hexdigest()


def test_same_seed_same_rows_other_seed_other_rows():
    first = digest(DemoOptions(appeals=1000, seed=3, now=NOW, history_days=60))
    assert digest(DemoOptions(appeals=1000, seed=3, now=NOW, history_days=60)) == first
    assert digest(DemoOptions(appeals=1000, seed=4, now=NOW, history_days=60)) != first


def test_fast_time_format_is_what_sqlalchemy_stores_on_sqlite():
    """The bulk writer formats epoch seconds itself; it must store exactly what UTCDateTime does."""
    dialect = sqlite.dialect()
    bind = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    leap_second_before_midnight = datetime(2024, 2, 29, 23, 59, 59, tzinfo=timezone.utc)
    for moment in (NOW, leap_second_before_midnight, datetime(1999, 12, 31, tzinfo=timezone.utc)):
        assert EpochFormat(".000000")(int(moment.timestamp())) == bind(moment)


@pytest.fixture()
def demo(engine, session):
    result = load_demo(engine, OPTIONS, progress=None)
    assert result.status == "created"
    return result


def timelines(session) -> dict[int, list[AppealEvent]]:
    by_appeal = defaultdict(list)
    for event in session.exec(select(AppealEvent).order_by(AppealEvent.appeal_id, AppealEvent.at, AppealEvent.id)):
        by_appeal[event.appeal_id].append(event)
    return by_appeal


def test_every_history_is_legal_and_agrees_with_the_appeal(session, demo):
    histories = timelines(session)
    appeals = session.exec(select(Appeal)).all()
    staff_org = dict(session.exec(select(User.id, User.organization_id).where(User.role == Role.ORG_STAFF)).all())
    assert len(appeals) == OPTIONS.appeals == len(histories)
    for appeal in appeals:
        events = histories[appeal.id]
        assert events[0].action == "submit" and events[0].to_status == Status.MODERATION
        status, organization_id = Status.MODERATION, None
        for event in events[1:]:
            assert events[0].at <= event.at <= NOW
            if event.actor_role == Role.CITIZEN:
                assert event.actor_id == appeal.citizen_id
            if event.actor_role == Role.ORG_STAFF:
                assert staff_org[event.actor_id] == organization_id, (appeal.id, event.action)
            if event.to_status is None:  # extension and category change keep the status
                assert event.action in ("extend", "change_category") and event.from_status is None
                continue
            rule = TRANSITIONS[event.action]
            assert event.from_status == status and status in rule.sources, (appeal.id, event.action, status)
            assert event.to_status == rule.target and Role(event.actor_role) in rule.roles
            if event.action == "route":
                organization_id = json.loads(event.payload)["organization_id"]
            status = rule.target
        assert appeal.status == status == services.status_from_events(events)
        assert (appeal.closed_at is not None) == (status in FINAL_STATUSES)


def test_region_has_the_expected_shape(session, demo):
    assert 750 <= session.exec(select(func.count(Organization.id))).one() <= 900
    assert session.exec(select(func.count(RoutingRule.id))).one() > 500
    users = {user.login: user for user in session.exec(select(User).where(
        User.login.in_([account.login for account in demo_accounts()])))}
    assert {Role(user.role) for user in users.values()} == set(Role) - {Role.SYSTEM}
    assert PasswordHash.recommended().verify(DEMO_PASSWORD, users["citizen"].password_hash)
    assert users["org"].organization_id is not None
    org_queue = session.exec(select(func.count(Appeal.id)).where(
        Appeal.organization_id == users["org"].organization_id)).one()
    assert org_queue > 50
    own = Counter(a.status for a in session.exec(select(Appeal).where(Appeal.citizen_id == users["citizen"].id)))
    assert len(own) >= 3 and own.keys() & set(OPEN_STATUSES)
    assert session.exec(select(func.count(Vote.id))).one() == 2
    assert session.exec(select(func.count(Ballot.id))).one() > 0


def test_queues_and_shares_look_real(session, demo):
    appeals = session.exec(select(Appeal)).all()
    open_ = [a for a in appeals if a.status in OPEN_STATUSES]
    assert any(a.deadline_at and a.deadline_at < NOW for a in open_), "no overdue appeal"
    assert any(a.deadline_at and NOW <= a.deadline_at <= NOW + timedelta(hours=24) for a in open_), "none at risk"
    assert any(a.status == Status.COORDINATION for a in appeals), "empty triage queue"
    actions = Counter(e.action for e in session.exec(select(AppealEvent)))
    assert 0.03 <= actions["reject"] / len(appeals) <= 0.12
    assert actions["redirect"] > 0 and actions["return_for_rework"] > 0 and actions["give_interim_answer"] > 0
    assert actions["request_clarification"] > 0 and actions["auto_close"] > 0 and actions["extend"] > 0
    scores = Counter(session.exec(select(Rating.score)).all())
    assert scores[5] > scores[3] and scores[1] > scores[2] and scores[5] > scores[1]


# --- replay through the services ---

def test_replay_through_the_services_gives_the_same_rows(session, demo):
    histories = timelines(session)
    sample = []  # the last appeals with each action and in each status, and a stride through the rest
    for action in sorted({e.action for events in histories.values() for e in events}):
        sample += [appeal_id for appeal_id, events in histories.items() if any(e.action == action for e in events)][-2:]
    for status in Status:
        newest = select(Appeal.id).where(Appeal.status == status).order_by(Appeal.id.desc()).limit(2)
        sample += list(session.exec(newest))
    sample += list(histories)[::150]
    staff_org = dict(session.exec(select(User.id, User.organization_id)).all())
    for appeal_id in dict.fromkeys(sample):
        original = session.get(Appeal, appeal_id)
        replayed_id = replay(session, original, histories[appeal_id], staff_org)
        replayed = session.get(Appeal, replayed_id)
        for name in APPEAL_FIELDS:
            assert getattr(replayed, name) == getattr(original, name), (appeal_id, name)
        assert event_view(session, replayed_id) == event_view(session, appeal_id)
        assert related_view(session, replayed_id) == related_view(session, appeal_id)


def replay(session, original: Appeal, events: list[AppealEvent], staff_org: dict) -> int:
    first_category = next((json.loads(e.payload)["old_category_id"] for e in events if e.action == "change_category"),
                          original.category_id)
    submitter = Actor(events[0].actor_id, Role(events[0].actor_role))
    new = services.submit_appeal(session, actor=submitter, category_id=first_category, text=original.text,
                                 territory_id=original.territory_id, address=original.address,
                                 latitude=original.latitude, longitude=original.longitude,
                                 channel=original.channel, now=events[0].at)
    answers = {a.id: a for a in session.exec(select(Answer).where(Answer.appeal_id == original.id))}
    for event in events[1:]:
        actor = Actor(event.actor_id, Role(event.actor_role), staff_org.get(event.actor_id))
        payload = json.loads(event.payload) if event.payload else {}
        common = dict(session=session, actor=actor, appeal_id=new.id, now=event.at)
        if event.action == "route" and event.actor_role == Role.SYSTEM:
            continue  # the services route automatically right after moderation
        if event.action == "extend":
            services.extend_deadline(**common, days=payload["days"], reason=event.reason)
        elif event.action == "change_category":
            services.change_category(**common, category_id=payload["new_category_id"], reason=event.reason)
        elif event.action in ("rate_good", "rate_poor"):
            services.rate(**common, score=payload["score"], comment=event.reason)
        else:
            params = {}
            if event.action == "route":
                params["organization_id"] = payload["organization_id"]
            if event.action == "return_for_rework":
                params["rework_code"] = payload["rework_code"]
            if event.action in ("give_answer", "give_interim_answer"):
                answer = answers[payload["answer_id"]]
                params.update(text=answer.text, planned_date=answer.planned_date,
                              attachments=json.loads(answer.attachments) if answer.attachments else None)
            services.perform(**common, action=event.action, reason=event.reason, **params)
    return new.id


def event_view(session, appeal_id: int) -> list[tuple]:
    """Events as stored, payload text included; answer ids differ between the two copies."""
    return [(e.at, e.actor_id, e.actor_role, e.kind, e.action, e.from_status, e.to_status, e.reason,
             re.sub(r'"answer_id": \d+', '"answer_id": …', e.payload) if e.payload else None)
            for e in services.timeline(session, appeal_id)]


def related_view(session, appeal_id: int) -> tuple:
    answers = [(a.organization_id, a.author_id, a.kind, a.text, a.planned_date, a.attachments, a.review_state,
                a.review_comment, a.created_at)
               for a in session.exec(select(Answer).where(Answer.appeal_id == appeal_id).order_by(Answer.id))]
    ratings = [(r.citizen_id, r.score, r.comment, r.created_at)
               for r in session.exec(select(Rating).where(Rating.appeal_id == appeal_id))]
    disputes = [(d.citizen_id, d.text, d.created_at, d.resolved_at, d.outcome)
                for d in session.exec(select(Dispute).where(Dispute.appeal_id == appeal_id).order_by(Dispute.id))]
    return answers, ratings, disputes


def test_second_run_without_reset_changes_nothing(engine, demo):
    again = load_demo(engine, OPTIONS, progress=None)
    assert again.status == "exists" and not again.counts


def test_demo_photos_are_stored_cleaned_and_deterministic(session, demo):
    from pos_dashboard.demo.attachments import draw
    from pos_dashboard.domain.attachments import Attachment
    from pos_dashboard.services.attachments import path_of

    rows = session.exec(select(Attachment)).all()
    assert 200 <= len(rows) <= 600 and demo.counts["attachment"] == len(rows)
    assert any(r.answer_id for r in rows) and any(r.answer_id is None for r in rows)
    for row in rows[:50]:
        assert path_of(row.storage_key).stat().st_size == row.size and path_of(row.thumbnail_key).exists()
    assert draw(42, 7, False) == draw(42, 7, False) != draw(42, 7, True)


def test_every_demo_organisation_has_answer_templates_for_its_categories(session, demo):
    from pos_dashboard.domain.answer_templates import AnswerTemplate
    from pos_dashboard.domain.models import Organization, RoutingRule
    from pos_dashboard.services import answer_templates
    from pos_dashboard.services.actors import Actor

    templates = session.exec(select(AnswerTemplate)).all()
    organizations = session.exec(select(Organization.id)).all()
    assert demo.counts["answertemplate"] == len(templates) > len(organizations)
    general = {t.organization_id for t in templates if t.category_id is None}
    assert general == set(organizations)
    rules = {(r.organization_id, r.category_id) for r in session.exec(select(RoutingRule))}
    assert all((t.organization_id, t.category_id) in rules for t in templates if t.category_id is not None)
    org_user = session.exec(select(User).where(User.login == "org")).one()
    own = answer_templates.list_templates(session, actor=Actor.of(org_user))
    assert len(own) >= 2 and {t.organization_id for t in own} == {org_user.organization_id}
