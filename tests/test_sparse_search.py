"""PostgreSQL: a common word under a filter where it is rare (analytics/sparse_search). The page is
read by the walks with a time limit per statement; past it, the word's matches under the filter are
read from the indexes and the page is read on them, every count exact. The sizes are scaled down as in
test_queue_counts; a walk that runs long is made so by a pg_sleep before it, which PostgreSQL's own
statement_timeout cancels."""

import pytest
from sqlalchemy import text

from pos_dashboard.analytics import queue_counts, sparse_search
from pos_dashboard.domain.enums import Status

from .test_queue_counts import _page, _region, _scaled


def _settings(session) -> tuple:
    return session.execute(text("SELECT current_setting('statement_timeout'), current_setting('enable_seqscan'), "
                                "current_setting('work_mem'), current_setting('enable_bitmapscan'), "
                                "current_setting('random_page_cost')")).one()


def _slow_walks(monkeypatch) -> list[str]:
    """Every status count under a filter sleeps 0.2 s first, past a 50 ms budget."""
    slept = []
    original = queue_counts.PlannedSearch.status_matches

    def slow(self, session, conditions):
        slept.append("status_matches")
        session.execute(text("SELECT pg_sleep(0.2)"))
        return original(self, session, conditions)
    monkeypatch.setattr(queue_counts.PlannedSearch, "status_matches", slow)
    monkeypatch.setattr(sparse_search, "WALK_BUDGET_MS", 50)
    return slept


@pytest.fixture()
def pg_region(migrated):  # noqa: F811  (the fixture imported above)
    _engine, session = migrated
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite reads a common word's matches from its FTS5 tables")
    return session, *_region(session)


def _same_page(page, exact) -> None:
    assert [row["id"] for row in page.rows] == [row["id"] for row in exact.rows]
    assert (page.total, page.status_counts, page.overdue, page.at_risk) == \
        (exact.total, exact.status_counts, exact.overdue, exact.at_risk)


# A top category and a top territory together: the word counts of one top node (scopedterm) do not
# settle them, so the page walks (one top node alone is counted from them: test_queue_counts).
PLACE = {"category_id": "c_housing", "territory_id": "t_city"}


def _place(r) -> dict:
    return {key: getattr(r, name) for key, name in PLACE.items()}


def test_a_walk_past_its_budget_reads_the_matches_under_the_filter_and_counts_them_exactly(pg_region,
                                                                                             monkeypatch):
    session, r, ids = pg_region
    filters = {"all": {"status": "all", **_place(r), "search": "подъезд"},
               "open": {**_place(r), "search": "подъезд"},
               "rejected": {"status": "rejected", **_place(r), "search": "подъезд"}}
    _scaled(monkeypatch, exact_max=1_000, walk_max=1_000, cap=1_000)  # a rare word: read by its ids
    exact = {name: _page(session, **f) for name, f in filters.items()}
    assert exact["all"].status_counts == {Status.IN_WORK.value: 5, Status.REJECTED.value: 1}
    _scaled(monkeypatch, exact_max=2, walk_max=1_000)  # 8 matches: a common word, walked under the filter
    walked = _page(session, **filters["all"])
    assert walked.counts_capped and walked.status_counts == {}  # 6 in the city: the walk stopped at the cap
    before = _settings(session)

    slept = _slow_walks(monkeypatch)
    for name, flt in filters.items():
        page = _page(session, **flt)
        _same_page(page, exact[name])
        assert page.counts_complete and not page.counts_capped  # read on the matches' ids: exact
    assert slept  # the walks did run long
    assert _settings(session) == before  # the time limit and the bitmap's settings are put back
    assert session.execute(text("SELECT count(*) FROM appeal")).scalar_one() == 10  # the transaction goes on


def test_a_word_frequent_under_the_filter_is_walked_again_without_a_limit(pg_region, monkeypatch):
    """More matches under the filter than SPARSE_IDS_MAX: the word is not rare there; the walk that ran
    long is read again, without the limit, and its counts stop at the cap as before."""
    session, r, ids = pg_region
    _scaled(monkeypatch, exact_max=2, walk_max=1_000)
    flt = {"status": "all", **_place(r), "search": "подъезд"}
    walked = _page(session, **flt)
    monkeypatch.setattr(sparse_search, "SPARSE_IDS_MAX", 5)  # six matches in the city
    slept = _slow_walks(monkeypatch)
    page = _page(session, **flt)
    assert slept == ["status_matches", "status_matches"]  # cancelled once, then read to the end
    _same_page(page, walked)
    assert page.counts_capped


def test_another_database_error_in_a_walk_is_not_taken_for_a_slow_walk(pg_region, monkeypatch):
    session, r, _ids = pg_region
    _scaled(monkeypatch, exact_max=2, walk_max=1_000)

    def broken(self, session, conditions):
        session.execute(text("SELECT 1 / 0"))
    monkeypatch.setattr(queue_counts.PlannedSearch, "status_matches", broken)
    with pytest.raises(Exception, match="division by zero"):
        _page(session, status="all", territory_id=r.t_rural, search="подъезд")
