"""The queue's counters (services/queue_counters): the change version moves exactly when an appeal
changes, the tallies and the denormalised top category/territory always equal what a scan of the
appeals gives, the queue's counts equal a count done by hand, and the migration backfills them."""

import random
from collections import Counter
from datetime import timedelta

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlmodel import Session, select

from pos_dashboard.analytics.queue import ANY, OPEN, QueueFilter, fetch_queue_page, queue_version
from pos_dashboard.db import make_engine
from pos_dashboard.domain.deadlines import AT_RISK_HORIZON
from pos_dashboard.domain.enums import OPEN_STATUSES, Status
from pos_dashboard.domain.models import Appeal, Category, Organization, QueueTally, Territory, User
from pos_dashboard.migrations import alembic_config, drop_everything
from pos_dashboard.services import appeals
from pos_dashboard.services.errors import ServiceError

from .conftest import database_url_for_tests
from .factories import T0, build_region, hours, row, submit
from .test_workflow import Chooser, Driver


def _version(session) -> int:
    session.expire_all()
    return queue_version(session)[0]


def _tally(session) -> dict:
    return {(t.status, t.top_category_id, t.top_territory_id, t.organization_id): t.n
            for t in session.exec(select(QueueTally)).all() if t.n}


def _scan(session) -> dict:
    counts = Counter((a.status, a.top_category_id or 0, a.top_territory_id or 0, a.organization_id or 0)
                     for a in session.exec(select(Appeal)).all())
    return dict(counts)


def _root(session, table, node_id):
    while node_id is not None and (parent := session.get(table, node_id).parent_id) is not None:
        node_id = parent
    return node_id


def test_version_moves_on_submit_and_transition_and_not_otherwise(session):
    r = build_region(session)
    submit(session, r, now=T0 + hours(10))  # a later change elsewhere: the version must not rely on times
    start = _version(session)
    appeal_id = submit(session, r)
    after_submit = _version(session)
    assert after_submit > start

    fetch_queue_page(session, QueueFilter(status=ANY), now=T0)  # reading changes nothing
    session.add(User(login="someone_else", full_name="Кто-то"))  # neither does a change to another table
    session.commit()
    assert _version(session) == after_submit

    with pytest.raises(ServiceError):  # a refused transition writes nothing
        appeals.perform(session, actor=r.citizen, appeal_id=appeal_id, action="approve_moderation", now=T0)
    assert _version(session) == after_submit

    appeals.perform(session, actor=r.coordinator, appeal_id=appeal_id, action="approve_moderation",
                    now=T0 + hours(1))
    after_transition = _version(session)
    assert after_transition > after_submit
    appeals.change_category(session, actor=r.coordinator, appeal_id=appeal_id, category_id=r.c_lighting,
                            now=T0 + hours(2))
    assert _version(session) > after_transition


def test_random_service_calls_move_the_version_exactly_when_an_appeal_changes(session):
    """Random steps (allowed and refused) of the workflow driver: after each one the version has
    moved if and only if the appeal's row changed."""
    driver = Driver(session, build_region(session))
    rng, moved, still = random.Random(6), 0, 0
    for _ in range(6):
        chooser = Chooser(rng=rng)
        model, now = driver.new_appeal(chooser)
        for _ in range(25):
            action, kind, params = driver.draw_step(chooser, model)
            before, version = row(session, model.appeal_id), _version(session)
            now += timedelta(minutes=rng.choice([1, 45, 60 * 26, 60 * 24 * 6]))
            driver.step(action, kind, params, model, now)
            changed = row(session, model.appeal_id) != before
            assert (_version(session) != version) == changed, (action, kind, params)
            moved, still = moved + changed, still + (not changed)
    assert moved > 20 and still > 20  # both cases were exercised


def test_tallies_and_top_columns_equal_a_scan_after_random_service_calls(session):
    driver = Driver(session, build_region(session))
    rng = random.Random(8)
    for _ in range(15):
        driver.run(Chooser(rng=rng), 20)
    session.expire_all()
    assert _tally(session) == _scan(session)
    assert sum(_scan(session).values()) == 15
    for appeal in session.exec(select(Appeal)).all():
        assert appeal.top_category_id == _root(session, Category, appeal.category_id)
        assert appeal.top_territory_id == _root(session, Territory, appeal.territory_id)
    statuses = {key[0] for key in _tally(session)}
    assert len(statuses) >= 3  # the walk really moved appeals between statuses


def _by_hand(session, flt: QueueFilter, now):
    """The queue's numbers counted in Python over every appeal (the oracle)."""
    def under(table, node_id, value):
        return node_id is None or (value is not None and node_id in _lineage(session, table, value))

    def matches(a, *, status=True, deadline=True):
        is_open = Status(a.status) in OPEN_STATUSES
        if status and flt.status == OPEN and not is_open:
            return False
        if status and flt.status not in (OPEN, ANY) and a.status != flt.status:
            return False
        if not under(Category, flt.category_id, a.category_id) or not under(Territory, flt.territory_id,
                                                                            a.territory_id):
            return False
        if flt.organization_id is not None and a.organization_id != flt.organization_id:
            return False
        if flt.organization_query and (a.organization_id is None or flt.organization_query.lower()
                                       not in session.get(Organization, a.organization_id).name.lower()):
            return False
        if deadline and flt.deadline != "any":
            return (is_open and a.deadline_at is not None and
                    (a.deadline_at < now if flt.deadline == "overdue"
                     else now <= a.deadline_at <= now + AT_RISK_HORIZON))
        return True
    everything = session.exec(select(Appeal)).all()
    counts = Counter(a.status for a in everything if matches(a, status=False))
    around = [a for a in everything if matches(a, deadline=False) and Status(a.status) in OPEN_STATUSES
              and a.deadline_at is not None]
    return (sum(matches(a) for a in everything), dict(counts),
            sum(a.deadline_at < now for a in around),
            sum(now <= a.deadline_at <= now + AT_RISK_HORIZON for a in around))


def _lineage(session, table, node_id) -> set:
    seen = set()
    while node_id is not None:
        seen.add(node_id)
        node_id = session.get(table, node_id).parent_id
    return seen


def test_queue_counts_equal_a_count_by_hand_for_every_kind_of_filter(session):
    driver = Driver(session, build_region(session))
    r, rng = driver.r, random.Random(11)
    for _ in range(25):
        driver.run(Chooser(rng=rng), 12)
    now = T0 + timedelta(days=30)
    filters = [QueueFilter(), QueueFilter(status=ANY), QueueFilter(status=Status.IN_WORK.value),
               QueueFilter(status=ANY, category_id=r.c_housing), QueueFilter(category_id=r.c_roads),
               QueueFilter(status=ANY, category_id=r.c_heating), QueueFilter(status=ANY, territory_id=r.t_city),
               QueueFilter(territory_id=r.t_district), QueueFilter(status=ANY, territory_id=r.t_rural),
               QueueFilter(status=ANY, organization_id=r.o_roads), QueueFilter(organization_query="УК"),
               QueueFilter(status=ANY, deadline="overdue"), QueueFilter(deadline="at_risk"),
               QueueFilter(status=ANY, category_id=r.c_housing, territory_id=r.t_city, organization_query="ук")]
    for flt in filters:
        page = fetch_queue_page(session, flt, now=now)
        total, counts, overdue, at_risk = _by_hand(session, flt, now)
        assert (page.total, page.status_counts, page.overdue, page.at_risk) == (total, counts, overdue, at_risk), flt
    assert fetch_queue_page(session, QueueFilter(status=ANY), now=now).total == 25


def test_submit_and_change_category_keep_the_top_columns(session):
    r = build_region(session)
    appeal_id = submit(session, r, category_id=r.c_heating, territory_id=r.t_micro)
    stored = row(session, appeal_id)
    assert (stored["top_category_id"], stored["top_territory_id"]) == (r.c_housing, r.t_city)
    appeals.change_category(session, actor=r.coordinator, appeal_id=appeal_id, category_id=r.c_lighting, now=T0)
    assert row(session, appeal_id)["top_category_id"] == r.c_roads
    no_territory = submit(session, r, territory_id=None)
    assert row(session, no_territory)["top_territory_id"] is None
    assert _tally(session) == _scan(session)


@pytest.fixture()
def before_counters(tmp_path_factory):
    """A database at the revision before the queue counters."""
    url = database_url_for_tests(tmp_path_factory)
    engine = make_engine(url)
    drop_everything(engine)
    config = alembic_config(url)
    command.upgrade(config, ScriptDirectory.from_config(config).get_revision("d58dc95ea276").down_revision)
    yield config, engine
    drop_everything(engine)
    engine.dispose()


def test_migration_backfills_top_columns_tallies_and_version(before_counters):
    config, engine = before_counters
    with engine.begin() as conn:
        def insert(table, **values):
            names = ", ".join(values)
            marks = ", ".join(f":{name}" for name in values)
            return conn.execute(text(f"INSERT INTO {table} ({names}) VALUES ({marks}) RETURNING id"), values).scalar()
        city = insert("territory", name="Город", kind="municipality")
        district = insert("territory", name="Район", kind="district", parent_id=city)
        okrug = insert("territory", name="Округ", kind="okrug", parent_id=district)
        housing = insert("category", name="ЖКХ", deadline_days=30, deadline_kind="working", expedited=False,
                         evidence_required=False)
        yard = insert("category", name="Двор", parent_id=housing, deadline_days=30, deadline_kind="working",
                      expedited=False, evidence_required=False)
        org = insert("organization", name="УК", org_type="other")
        rows = [(yard, okrug, org, "in_work"), (yard, district, org, "in_work"), (housing, None, None, "moderation"),
                (yard, city, None, "closed")]
        ids = [insert("appeal", category_id=c, territory_id=t, organization_id=o, status=s, text="Текст обращения",
                      channel="web", created_at="2026-01-01 00:00:00", updated_at="2026-01-01 00:00:00",
                      extended=False) for c, t, o, s in rows]
    command.upgrade(config, "head")
    with Session(engine) as session:
        tops = {a.id: (a.top_category_id, a.top_territory_id) for a in session.exec(select(Appeal)).all()}
        assert tops == {ids[0]: (housing, city), ids[1]: (housing, city), ids[2]: (housing, None),
                        ids[3]: (housing, city)}
        assert _tally(session) == {("in_work", housing, city, org): 2, ("moderation", housing, 0, 0): 1,
                                   ("closed", housing, city, 0): 1}
        assert queue_version(session) == (1,)


def test_deadline_order_pages_through_appeals_with_and_without_a_deadline(session):
    """Due soonest first, then the appeals without a deadline (by number), page after page, also
    when a page straddles the two parts."""
    r = build_region(session)
    ids = [submit(session, r, now=T0 + hours(i)) for i in range(7)]
    for appeal_id in ids[:4]:  # routed: these get a deadline; the other three stay in moderation
        appeals.perform(session, actor=r.coordinator, appeal_id=appeal_id, action="approve_moderation",
                        now=T0 + hours(10))
    session.expire_all()
    dated = sorted(ids[:4], key=lambda i: (session.get(Appeal, i).deadline_at, i))
    expected = dated + sorted(ids[4:])
    for size in (1, 2, 3, 5, 7, 10):
        pages = [[row["id"] for row in fetch_queue_page(session, QueueFilter(), page=p, page_size=size,
                                                        now=T0).rows] for p in range(-(-7 // size) + 1)]
        assert [i for page in pages for i in page] == expected, size
        assert pages[-1] == []
