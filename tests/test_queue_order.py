"""How the queue reads a page (analytics/queue_rows.order_plan): walking the sort's index, sorting
the filter's appeals, or the database's own choice give the same rows in the same order."""

import pytest

from pos_dashboard.analytics import queue_rows
from pos_dashboard.analytics.queue import QueueFilter, fetch_queue_page
from pos_dashboard.analytics.queue_rows import SORT, WALK, order_plan
from pos_dashboard.domain.enums import Status
from pos_dashboard.services import appeals

from .factories import T0, build_region, hours, submit

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
    monkeypatch.setattr(queue_rows, "order_plan", lambda *args: plan)
    monkeypatch.setattr("pos_dashboard.analytics.queue.order_plan", lambda *args: plan)
    pages = [fetch_queue_page(session, QueueFilter(**filters), page=p, page_size=5, now=NOW) for p in range(3)]
    return [row["id"] for page in pages for row in page.rows], pages[0].total


@pytest.mark.parametrize("sort", ["deadline", "newest", "oldest"])
@pytest.mark.parametrize("status", ["open", "all", Status.IN_WORK.value, Status.REJECTED.value])
def test_every_way_of_reading_a_page_gives_the_same_rows(session, monkeypatch, sort, status):
    _region(session)
    chosen, total = _ids(session, monkeypatch, None, status=status, sort=sort)
    assert len(chosen) == min(total, 15)
    for plan in (WALK, SORT):
        assert _ids(session, monkeypatch, plan, status=status, sort=sort) == (chosen, total), plan


def test_the_plan_follows_the_size_of_the_filter(session, monkeypatch):
    _region(session)  # 12 appeals
    monkeypatch.setattr(queue_rows, "WALK_SHARE", 4)  # a walk from a quarter of the appeals on
    if session.get_bind().dialect.name == "sqlite":
        assert order_plan(session, 12, "newest", False) == WALK  # every appeal: walk the creation index
        assert order_plan(session, 3, "oldest", False) == WALK
        assert order_plan(session, 2, "newest", False) is None  # fewer: SQLite reads the filter's index
        assert order_plan(session, 12, "oldest", True) is None  # the oldest open appeals: not a walk
        assert order_plan(session, 12, "deadline", False) is None  # its indexes follow the deadline
    else:
        assert order_plan(session, 12, "newest", False) == SORT  # at most SORT_MAX: sorted
        assert order_plan(session, 5_000, "newest", False) is None
        assert order_plan(session, 5_000, "oldest", True) == SORT  # the oldest open appeals


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
    """On SQLite the page reads the index of the side that leaves fewer appeals (queue._smaller_side)."""
    r = _region(session)
    rural = [submit(session, r, category_id=r.c_potholes, territory_id=r.t_rural, text=f"Яма номер {i}",
                    now=T0 + hours(30 + i)) for i in range(3)]
    both = QueueFilter(status="all", sort=sort, category_id=r.c_roads, territory_id=r.t_rural)
    page = fetch_queue_page(session, both, page=0, page_size=50, now=NOW)
    assert sorted(row["id"] for row in page.rows) == rural and page.total == 3
    housing = fetch_queue_page(session, QueueFilter(status="all", sort=sort, category_id=r.c_housing,
                                                    territory_id=r.t_city), page=0, page_size=50, now=NOW)
    assert housing.total == 12 and not set(rural) & {row["id"] for row in housing.rows}
