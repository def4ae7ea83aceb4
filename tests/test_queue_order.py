"""How the queue reads a page (analytics/queue_rows.order_plan): walking the sort's index, sorting
the filter's appeals, or the database's own choice give the same rows in the same order."""

import pytest

from pos_dashboard.analytics import queue_rows
from pos_dashboard.analytics.queue import QueueFilter, fetch_queue_page
from pos_dashboard.analytics.queue_rows import OPEN_WALK, SORT, WALK, order_plan
from pos_dashboard.domain.enums import Status
from pos_dashboard.services import appeals

from .factories import T0, build_region, hours, submit
from .sql_capture import captured_statements

NOW = T0 + hours(48)


def _region(session):
    r = build_region(session)
    ids = [submit(session, r, category_id=(r.c_heating if i % 3 else None), text=f"Обращение номер {i}",
                  now=T0 + hours(i)) for i in range(12)]
    for i, appeal_id in enumerate(ids):
        if i % 4:
            appeals.perform(session, actor=r.coordinator, appeal_id=appeal_id, action="approve_moderation",
                            now=T0 + hours(20 + i))
    appeals.perform(session, actor=r.coordinator, appeal_id=ids[0], action="reject", now=T0 + hours(40),
                    reason="spam")
    return r


def _ids(session, monkeypatch, plan, **filters):
    monkeypatch.setattr(queue_rows, "order_plan", lambda *args, **kwargs: plan)
    monkeypatch.setattr("pos_dashboard.analytics.queue.order_plan", lambda *args, **kwargs: plan)
    pages = [fetch_queue_page(session, QueueFilter(**filters), page=p, page_size=5, now=NOW) for p in range(3)]
    return [row["id"] for page in pages for row in page.rows], pages[0].total


@pytest.mark.parametrize("sort", ["deadline", "newest", "oldest"])
@pytest.mark.parametrize("status", ["open", "all", Status.IN_WORK.value, Status.REJECTED.value])
def test_every_way_of_reading_a_page_gives_the_same_rows(session, monkeypatch, sort, status):
    _region(session)
    chosen, total = _ids(session, monkeypatch, None, status=status, sort=sort)
    assert len(chosen) == min(total, 15)
    # The open appeals' creation index serves only filters of open appeals, in creation order.
    open_walk = [OPEN_WALK] if status in ("open", Status.IN_WORK.value) and sort == "oldest" else []
    for plan in (WALK, SORT, *open_walk):
        assert _ids(session, monkeypatch, plan, status=status, sort=sort) == (chosen, total), plan


def test_the_plan_follows_the_size_of_the_filter(session, monkeypatch):
    _region(session)  # 12 appeals
    monkeypatch.setattr(queue_rows, "WALK_SHARE", 4)  # a walk from a quarter of the appeals on
    if session.get_bind().dialect.name == "sqlite":
        assert order_plan(session, 12, "newest", False) == WALK  # every appeal: walk the creation index
        assert order_plan(session, 3, "oldest", False) == WALK
        assert order_plan(session, 2, "newest", False) is None  # fewer: SQLite reads the filter's index
        assert order_plan(session, 12, "oldest", True) is None  # few open appeals: read by their index
        assert order_plan(session, 5_000, "oldest", True) == OPEN_WALK  # many: the open creation index
        assert order_plan(session, 5_000, "newest", True) == WALK  # the newest are the open ones
        assert order_plan(session, 12, "deadline", False) == WALK  # the deadline index, testing rows
        assert order_plan(session, 2, "deadline", False) is None
        assert order_plan(session, 5_000, "deadline", True) is None  # the open deadline index follows it
        assert order_plan(session, 5_000, "oldest", True, deadline_filter=True) is None  # it lacks the deadline
    else:
        assert order_plan(session, 12, "newest", False) == SORT  # at most SORT_MAX: sorted
        assert order_plan(session, 5_000, "newest", False) is None
        assert order_plan(session, 5_000, "oldest", True) is None  # the open creation index follows it


def test_a_filter_of_a_large_part_of_the_appeals_walks_on_sqlite(session):
    """The rows come through the page's order with the plan the queue chooses itself (a walk of the
    creation index for «all statuses» on SQLite)."""
    _region(session)
    newest = fetch_queue_page(session, QueueFilter(status="all", sort="newest"), page=0, page_size=50, now=NOW)
    oldest = fetch_queue_page(session, QueueFilter(status="all", sort="oldest"), page=0, page_size=50, now=NOW)
    assert [r["id"] for r in newest.rows] == sorted((r["id"] for r in newest.rows), reverse=True)
    assert [r["id"] for r in oldest.rows] == [r["id"] for r in reversed(newest.rows)]
    assert newest.total == oldest.total == 12


@pytest.mark.parametrize("sort", ["deadline", "newest", "oldest"])
def test_a_top_category_and_a_top_territory_read_through_either_index_give_the_same_rows(session, sort):
    """On SQLite the page reads the joint index of the two (queue._place_index)."""
    r = _region(session)
    rural = [submit(session, r, category_id=r.c_potholes, territory_id=r.t_rural, text=f"Яма номер {i}",
                    now=T0 + hours(30 + i)) for i in range(3)]
    both = QueueFilter(status="all", sort=sort, category_id=r.c_roads, territory_id=r.t_rural)
    page = fetch_queue_page(session, both, page=0, page_size=50, now=NOW)
    assert sorted(row["id"] for row in page.rows) == rural and page.total == 3
    housing = fetch_queue_page(session, QueueFilter(status="all", sort=sort, category_id=r.c_housing,
                                                    territory_id=r.t_city), page=0, page_size=50, now=NOW)
    assert housing.total == 12 and not set(rural) & {row["id"] for row in housing.rows}


def _page_reads(session, flt) -> list[str]:
    with captured_statements(session.get_bind()) as statements:
        fetch_queue_page(session, flt, page=0, page_size=5, now=NOW)
    flat = [" ".join(sql.split()) for sql, _ in statements]
    return [sql for sql in flat if sql.startswith("SELECT appeal.id FROM appeal")]


def test_sqlite_reads_the_open_queue_in_creation_order_and_two_places_through_their_own_indexes(
        session, monkeypatch):
    """The open appeals «oldest first» walk the open appeals' creation index (all 30k open appeals
    were sorted: 40–130 ms at 1M); a top category with a top territory read their joint index (one
    side's rows were fetched to test the other: 30–65 ms). Both with the rows of the other plans."""
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite is told which index to read; PostgreSQL's planner finds them itself")
    r = _region(session)
    monkeypatch.setattr(queue_rows, "OPEN_WALK_MIN", 1)
    for status in ("open", Status.IN_WORK.value):
        flt = QueueFilter(status=status, sort="oldest")
        assert any("INDEXED BY ix_appeal_open_created" in sql for sql in _page_reads(session, flt))
        walked = [row["id"] for row in fetch_queue_page(session, flt, page=0, page_size=50, now=NOW).rows]
        monkeypatch.setattr(queue_rows, "OPEN_WALK_MIN", 10**9)
        assert [row["id"] for row in fetch_queue_page(session, flt, page=0, page_size=50, now=NOW).rows] == walked
        monkeypatch.setattr(queue_rows, "OPEN_WALK_MIN", 1)
    monkeypatch.setattr(queue_rows, "OPEN_WALK_MIN", 0)  # even with none overdue, the walk would be chosen…
    overdue = QueueFilter(status="open", sort="oldest", deadline="overdue")  # …but its index lacks the deadline
    assert not any("ix_appeal_open_created" in sql for sql in _page_reads(session, overdue))
    monkeypatch.setattr(queue_rows, "WALK_SHARE", 0)  # not a large part of the appeals: no walk of an order
    both = QueueFilter(status="all", category_id=r.c_housing, territory_id=r.t_city)
    assert all("INDEXED BY ix_appeal_top_place_category" in sql for sql in _page_reads(session, both))
