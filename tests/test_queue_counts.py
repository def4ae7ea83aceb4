"""The queue at size: the open appeals by deadline read from their partial index, and a common word's
counts stop at the cap (analytics/queue_counts) without changing the rows or showing a wrong number.

The sizes are scaled down: EXACT_IDS_MAX, COUNT_CAP and FILTER_WALK_MAX are set small so that a
dozen appeals exercise the paths a million take, on the migrated database (FTS5 on SQLite, GIN and
pg_trgm on PostgreSQL) of either backend."""

import re

import pytest
from sqlalchemy import select, text

from pos_dashboard.analytics import fts_counts, queue, queue_counts, queue_rows, queue_search
from pos_dashboard.analytics.queue import QueueFilter, fetch_queue_page
from pos_dashboard.db import make_engine
from pos_dashboard.domain.enums import FEW_SETTLED_VALUES, Status
from pos_dashboard.domain.models import Appeal
from pos_dashboard.migrations import rebuild_sqlite_search
from pos_dashboard.services import appeals, search_pairs

from .factories import T0, build_region, hours, submit
from .sql_capture import captured_statements

CAP = 3


def _region(session):
    """Eight appeals about a «подъезд» (five in work in the city, one rejected, two in work in the
    rural district) and two about other things."""
    r = build_region(session)
    ids = {"city": [submit(session, r, text=f"Грязный подъезд, не моют полы {i}", now=T0 + hours(i))
                    for i in range(5)],
           "rural": [submit(session, r, territory_id=r.t_rural, text=f"В подъезде нет света {i}", now=T0 + hours(6 + i))
                     for i in range(2)],
           "rejected": submit(session, r, text="Подъезды: реклама ремонта, звоните", now=T0 + hours(9)),
           "other": [submit(session, r, text="Яма на дороге у остановки", now=T0 + hours(10 + i)) for i in range(2)]}
    for appeal_id in [*ids["city"], *ids["rural"], *ids["other"]]:
        appeals.perform(session, actor=r.coordinator, appeal_id=appeal_id, action="approve_moderation",
                        now=T0 + hours(12))
    appeals.perform(session, actor=r.coordinator, appeal_id=ids["rejected"], action="reject", now=T0 + hours(12),
                    reason="spam")
    session.commit()
    return r, ids


def _page(session, **filters):
    return fetch_queue_page(session, QueueFilter(**filters), page=0, page_size=50, now=T0 + hours(13))


def _scaled(monkeypatch, exact_max: int, walk_max: int, cap: int = CAP) -> None:
    monkeypatch.setattr(queue_search, "EXACT_IDS_MAX", exact_max)
    monkeypatch.setattr(queue_counts, "COUNT_CAP", cap)
    monkeypatch.setattr(queue, "COUNT_CAP", cap)
    monkeypatch.setattr(fts_counts, "COUNT_CAP", cap)
    monkeypatch.setattr(queue_counts, "FILTER_WALK_MAX", walk_max)
    monkeypatch.setattr(fts_counts, "FILTER_WALK_MAX", walk_max)


@pytest.mark.parametrize("walk_max", [0, 1_000], ids=["matches-streamed", "filter-walked"])
def test_a_common_word_shows_the_same_rows_and_counts_up_to_the_cap(migrated, monkeypatch, walk_max):
    _engine, session = migrated
    r, ids = _region(session)
    everything = [*ids["city"], *ids["rural"]]
    # First exact: the ids read from the indexes (a cap above the matches: the term counts cannot
    # tell the word common).
    _scaled(monkeypatch, exact_max=1_000, walk_max=walk_max, cap=1_000)
    exact = {name: _page(session, **f) for name, f in {
        "open": {"search": "подъезд"}, "all": {"status": "all", "search": "подъезд"},
        "rejected": {"status": "rejected", "search": "подъезд"},
        "rural": {"status": "all", "territory_id": r.t_rural, "search": "подъезд"}}.items()}
    assert exact["open"].counts_complete and exact["open"].total == 7 and not exact["open"].counts_capped
    assert exact["all"].status_counts == {Status.IN_WORK.value: 7, Status.REJECTED.value: 1}

    _scaled(monkeypatch, exact_max=2, walk_max=walk_max)  # now a common word: more matches than 2
    page = _page(session, search="подъезд")
    # The rows are the same, in the same order; the counts stop at the cap and say they did.
    assert [row["id"] for row in page.rows] == [row["id"] for row in exact["open"].rows]
    assert {row["id"] for row in page.rows} == set(everything)
    assert not page.counts_complete and page.status_counts == {} and page.counts_capped
    # Without a search nothing is capped: «Все» is the exact number of appeals, above the cap too.
    plain = _page(session, status="all")
    assert plain.total == 10 > CAP and not plain.counts_capped
    assert page.total == CAP + 1  # «более 3»: seven open appeals match
    everywhere = _page(session, status="all", search="подъезд")
    assert [row["id"] for row in everywhere.rows] == [row["id"] for row in exact["all"].rows]
    assert everywhere.total == CAP + 1 and not everywhere.counts_complete
    # Under the cap a count is exact: one rejected appeal, two in the rural district.
    assert _page(session, status="rejected", search="подъезд").total == exact["rejected"].total == 1
    rural = _page(session, status="all", territory_id=r.t_rural, search="подъезд")
    if session.get_bind().dialect.name == "postgresql":  # the index walk's planner settings are put back
        assert session.execute(text("SELECT current_setting('enable_seqscan'), "
                                    "current_setting('enable_bitmapscan')")).one() == ("on", "on")
    assert rural.counts_complete and rural.status_counts == exact["rural"].status_counts == {Status.IN_WORK.value: 2}
    assert not rural.counts_capped  # every match under the filter counted: the page read them by id
    assert rural.total == 2 and (rural.overdue, rural.at_risk) == (exact["rural"].overdue, exact["rural"].at_risk)
    # A word the address matches counts once, whether or not the text has it too.
    assert _page(session, status="all", search="остановки").total == 2


def test_the_open_queue_by_deadline_reads_the_partial_index(migrated, monkeypatch):
    """The first page walks ix_appeal_open_deadline: the open condition reads exactly like the
    index's predicate (SQLite uses a partial index only then; PostgreSQL only with its values)."""
    engine, session = migrated
    # A dozen open appeals would be sorted on PostgreSQL (queue_rows.SORT_MAX); a real region's open
    # queue (30k at 1M) is walked, which is what this test is about.
    monkeypatch.setattr(queue_rows, "SORT_MAX", 0)
    _region(session)
    with captured_statements(engine) as statements:
        _page(session)
    statement, parameters = next((s, p) for s, p in statements if "ORDER BY appeal.deadline_at" in s)
    session.commit()  # ends the read: the drop below needs the table to itself
    if engine.dialect.name == "sqlite":  # INDEXED BY fails («no query solution») where it cannot serve
        forced = statement.replace("FROM appeal ", "FROM appeal INDEXED BY ix_appeal_open_deadline ", 1)
        with engine.connect() as conn:
            plan = " ".join(row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + forced, parameters))
        assert "ix_appeal_open_deadline" in plan and "TEMP B-TREE" not in plan, plan
        return
    with engine.connect() as conn:  # the other indexes dropped for a moment: only the partial one is left
        with conn.begin() as transaction:
            for name in ("ix_appeal_status_deadline", "ix_appeal_deadline_at", "ix_appeal_open_created",
                         "ix_appeal_open_top_category_deadline_walk", "ix_appeal_open_top_territory_deadline_walk"):
                conn.exec_driver_sql(f"DROP INDEX {name}")
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = " ".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters))
            transaction.rollback()
    assert "ix_appeal_open_deadline" in plan, plan


def test_sqlite_connections_read_through_a_memory_map_and_a_larger_cache(tmp_path):
    """A 1M region's queue reads rows scattered over a 4–5 GB file: the pages come from a memory
    map and a 64 MB cache per connection, not one read() each into SQLite's default 2 MB."""
    engine = make_engine("sqlite:///" + str(tmp_path / "pragmas.db"))
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA mmap_size").scalar() > 1_000_000_000
            assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -65_536
    finally:
        engine.dispose()


def test_postgresql_connections_compile_no_plan_and_plan_each_search_for_its_words(migrated):
    """PostgreSQL's JIT starts on a plan's estimated cost: a queue statement with an unused branch
    estimated high (the deadline counts at 5M) spent 22 ms compiling to run 10 ms. A statement psycopg
    has prepared is planned for its values each time: a plan kept for any values walked «Отклонено»
    for «детская площадка» as for «крыша течет» (70 ms against 8 ms at 1M)."""
    engine, _session = migrated
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's JIT and plan cache")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SHOW jit").scalar() == "off"
        assert conn.exec_driver_sql("SHOW plan_cache_mode").scalar() == "force_custom_plan"


def test_a_word_the_term_counts_show_common_is_not_read_from_the_indexes_first(migrated, monkeypatch):
    """«подъезд» is in 8 appeals, more than the (scaled) cap: the term counts say so, and the queue
    tests the walked rows at once, without reading the word's matches from the FTS5 / GIN index to
    find out (the rows and the numbers are those of the exact reading)."""
    _engine, session = migrated
    r, ids = _region(session)
    _scaled(monkeypatch, exact_max=1_000, walk_max=1_000, cap=1_000)
    exact = {status: _page(session, status=status, search="подъезд") for status in ("open", "all", "in_work")}
    _scaled(monkeypatch, exact_max=1_000, walk_max=1_000)  # the cap back at 3: 8 matches are «common»

    def no_probe(*_args, **_kwargs):
        raise AssertionError("the search was read from its index to tell whether it is common")
    monkeypatch.setattr(queue_search, "_ids", no_probe)
    for status, page in exact.items():
        common = _page(session, status=status, search="подъезд")
        assert [row["id"] for row in common.rows] == [row["id"] for row in page.rows]
        assert common.counts_capped and common.total == CAP + 1  # 7 open, 8 in all, 7 in work: «более 3»
        assert (common.overdue, common.at_risk) == (min(page.overdue, CAP + 1), min(page.at_risk, CAP + 1))


def test_a_street_counts_its_open_appeals_exactly_from_the_open_appeals_indexes(migrated, monkeypatch):
    """A street named in the text and in the address: the term counts bound its open matches by 4 to 8,
    so they are counted — from the open appeals' own indexes (SQLite: the FTS5 tables of the open
    appeals, kept by triggers; PostgreSQL: partial indexes), and a rejected appeal leaves them."""
    _engine, session = migrated
    r = build_region(session)
    street = [submit(session, r, text=f"Во дворе на Садовой мусор {i}", address=f"ул. Садовая, д. {i}",
                     now=T0 + hours(i)) for i in range(5)]
    others = [submit(session, r, text=f"Яма на дороге {i}", address=f"ул. Мира, д. {i}", now=T0 + hours(6 + i))
              for i in range(6)]
    for appeal_id in [*street, *others]:
        if appeal_id != street[1]:  # left in moderation (open too), to be rejected below
            appeals.perform(session, actor=r.coordinator, appeal_id=appeal_id, action="approve_moderation",
                            now=T0 + hours(12))
    session.commit()
    monkeypatch.setattr(queue_counts, "COUNT_CAP", 10)
    monkeypatch.setattr(queue, "COUNT_CAP", 10)
    monkeypatch.setattr(queue_search, "EXACT_IDS_MAX", 2)  # more matches than that: a common search
    monkeypatch.setattr(queue_counts, "FILTER_WALK_MAX", 0)
    engine = _engine
    with captured_statements(engine) as statements:
        page = _page(session, search="Садовая")
    assert page.counts_capped and page.total == 5
    if engine.dialect.name == "sqlite":  # the open total was read from the open appeals' tables
        assert any("appeal_fts_open_address MATCH" in s and "count(*)" in s for s, _ in statements)
    assert sorted(row["id"] for row in page.rows) == street
    appeals.perform(session, actor=r.coordinator, appeal_id=street[1], action="reject", now=T0 + hours(13),
                    reason="spam")
    session.commit()
    again = _page(session, search="Садовая")
    assert again.total == 4 and [row["id"] for row in again.rows] == [street[0], *street[2:]]
    assert _page(session, status="rejected", search="Садовая").total == 1


def test_an_open_count_under_a_filter_reads_the_open_appeals_gin_index(migrated, monkeypatch):
    """PostgreSQL: the open matches of a common word under a territory are counted through the
    partial GIN index of the open appeals; the planner would combine the GIN index of every appeal
    with the territory's index (at 1M: 81k postings read, 14 ms, against 8 ms). The territory's
    condition is therefore tested on the rows (`(…) IS true`), beside the open statuses written as
    the partial indexes' predicate."""
    engine, session = migrated
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's partial GIN index; SQLite counts from its FTS5 tables of the open appeals")
    r, ids = _region(session)
    # More open appeals in the city than open matches of the word anywhere (7): the count reads the matches.
    for i in range(4):
        appeals.perform(session, actor=r.coordinator, action="approve_moderation", now=T0 + hours(12),
                        appeal_id=submit(session, r, text=f"Сломана скамейка {i}", now=T0 + hours(11)))
    session.commit()
    _scaled(monkeypatch, exact_max=2, walk_max=1_000)
    with captured_statements(engine) as statements:
        # With the category too: one top node alone is counted from its word counts (scopedterm).
        page = _page(session, category_id=r.c_housing, territory_id=r.t_city, search="подъезд")
    assert page.total == CAP + 1 and sorted(row["id"] for row in page.rows) == sorted(ids["city"])  # 5: «более 3»
    counts = [(s, p) for s, p in statements  # the filter made unreadable by an index: `(…) IS true`
              if "count(*)" in s and re.search(r"top_territory_id = %\(\w+\)s(::\w+)?\) IS true", s)]
    assert counts, "no open count through the open appeals' index"
    session.commit()
    with engine.connect() as conn, conn.begin() as transaction:
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        for statement, parameters in counts:
            plan = " ".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters))
            # A dozen rows are read through any partial index of the open appeals; never through the
            # GIN index of every appeal or the territory's index.
            assert "ix_appeal_vector_deadline_fts" not in plan and "top_territory_id = " not in plan.split("Filter")[0], plan
        transaction.rollback()


def test_a_common_word_under_one_top_node_is_counted_from_its_word_counts(migrated, monkeypatch):
    """Under one top category or one top territory, a common word's status counts are read from the
    word counts of that node (scopedterm): exact however many, every chip shown, the rows those of
    the exact reading. A node where the word never occurs gives an empty page at once: no appeal is
    read (before, its every appeal was walked: up to 1.9 s at 1M on PostgreSQL)."""
    engine, session = migrated
    r, ids = _region(session)
    _scaled(monkeypatch, exact_max=1_000, walk_max=1_000, cap=1_000)  # a rare word: read by its ids
    exact = {"category": _page(session, status="all", category_id=r.c_housing, search="подъезд"),
             "territory": _page(session, territory_id=r.t_city, search="подъезд")}
    _scaled(monkeypatch, exact_max=2, walk_max=1_000)  # 8 matches: a common word

    def no_walk(*_args, **_kwargs):
        raise AssertionError("the matches were walked to be counted")
    monkeypatch.setattr(queue_counts.PlannedSearch, "status_matches", no_walk)
    monkeypatch.setattr(fts_counts.IndexedSearch, "status_matches", no_walk)
    page = _page(session, status="all", category_id=r.c_housing, search="подъезд")
    assert page.counts_complete and page.status_counts == exact["category"].status_counts \
        == {Status.IN_WORK.value: 7, Status.REJECTED.value: 1}
    assert page.total == 8 and [row["id"] for row in page.rows] == [row["id"] for row in exact["category"].rows]
    assert page.counts_capped and page.totals_exact  # «Все 8», not «более 3»; overdue and at-risk stay capped
    city = _page(session, territory_id=r.t_city, search="подъезд")  # 5 open, 1 rejected in the city
    assert city.status_counts == exact["territory"].status_counts and city.total == 5
    assert sorted(row["id"] for row in city.rows) == sorted(ids["city"])

    with captured_statements(engine) as statements:
        nothing = _page(session, status="all", category_id=r.c_roads, search="подъезд")
    assert nothing.rows == [] and nothing.total == 0 and nothing.status_counts == {}
    assert (nothing.overdue, nothing.at_risk) == (0, 0) and nothing.counts_complete
    values = [(s, p.values() if isinstance(p, dict) else p or ()) for s, p in statements]
    word_reads = [s for s, params in values if any("подъезд" in str(v) for v in params)]
    assert word_reads and all("searchterm" in s or "scopedterm" in s for s in word_reads), word_reads
    # Nor any other appeal: the page's statements of `false` are not sent (five round trips).
    assert not [s for s, _ in statements if "FROM appeal" in s], statements


@pytest.mark.parametrize("bench_count", [0, 4], ids=["few-due", "more-due"])
def test_overdue_and_at_risk_under_a_common_word_are_exact_and_read_together(migrated, monkeypatch, bench_count):
    """A common word's overdue and at-risk counts under a filter: exact below the cap, however many
    other appeals are due, both read in one statement on PostgreSQL (analytics/deadline_range:
    the word's matches due before each moment, from the word index that holds the deadline)."""
    engine, session = migrated
    r, ids = _region(session)
    benches = [submit(session, r, text=f"Сломана скамейка {i}", now=T0 + hours(11)) for i in range(bench_count)]
    for appeal_id in benches:
        appeals.perform(session, actor=r.coordinator, action="approve_moderation", now=T0 + hours(12),
                        appeal_id=appeal_id)
    now = T0 + hours(13)
    # Due before the horizon in the city: 6 appeals, or 10 with the benches; 2 overdue and 2 at risk
    # of them are about a «подъезд», one more at risk in the rural district.
    due = {**dict.fromkeys(ids["city"][:2], now - hours(1)), **dict.fromkeys(ids["city"][2:4], now + hours(2)),
           ids["city"][4]: now + hours(120), ids["rural"][0]: now + hours(3),
           **dict.fromkeys([*ids["other"], *benches], now - hours(2))}
    for appeal_id, deadline in due.items():
        session.get(Appeal, appeal_id).deadline_at = deadline
    session.commit()
    _scaled(monkeypatch, exact_max=2, walk_max=1_000)
    with captured_statements(engine) as statements:
        page = _page(session, status="all", territory_id=r.t_city, search="подъезд")
    assert page.counts_capped and (page.overdue, page.at_risk) == (2, 2)
    region = _page(session, search="подъезд")
    assert (region.overdue, region.at_risk) == (2, 3)
    if engine.dialect.name == "postgresql":
        deadline_reads = [s for s, _ in statements if re.search(r"deadline_at [<>]=? %\(", s)
                          and "ORDER BY" not in s]
        assert len(deadline_reads) == 1, deadline_reads


def test_a_common_words_page_under_a_top_node_walks_the_nodes_deadline_order(migrated, monkeypatch):
    """PostgreSQL: a common word's page under a top category or territory walks that node's own
    deadline order (revision e2f5a8c1d3b9), of the open appeals for the open queue: the open index's
    predicate reads like the page's condition. The page's planner settings are put back after it."""
    engine, session = migrated
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's indexes; SQLite walks its covering indexes")
    r, _ids = _region(session)
    _scaled(monkeypatch, exact_max=2, walk_max=1_000)  # a common word: more than the cap under each node
    with captured_statements(engine) as statements:
        for flt in ({"category_id": r.c_housing}, {"territory_id": r.t_city, "status": "all"}):
            _page(session, search="подъезд", **flt)
    assert session.execute(text("SELECT current_setting('random_page_cost')")).scalar() == "4"
    walks = [(s, p) for s, p in statements if "ORDER BY appeal.deadline_at" in s and "IS NOT NULL" in s]
    session.commit()
    expected = ["ix_appeal_open_top_category_deadline_walk", "ix_appeal_top_territory_deadline_walk"]
    with engine.connect() as conn, conn.begin() as transaction:
        for name in ("ix_appeal_deadline_at", "ix_appeal_open_deadline", "ix_appeal_status_deadline",
                     "ix_appeal_top_category_status_deadline", "ix_appeal_top_territory_status_deadline",
                     "ix_appeal_top_place_category"):
            conn.exec_driver_sql(f"DROP INDEX {name}")
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
        for (statement, parameters), index in zip(walks[:2], expected, strict=True):
            plan = " ".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters))
            assert index in plan and "Sort" not in plan, plan
        transaction.rollback()


def test_two_words_that_often_meet_are_probed_not_read_whole(migrated, monkeypatch):
    """Several words are not settled by the term counts (they say nothing of how often the words
    meet): the queue reads their first matches to tell few from many. On PostgreSQL each index is
    read only past EXACT_IDS_MAX, not every match (two words that meet in 35k appeals at 1M fetched
    all of them: 274 ms). Many matches are then tested on the rows read, under a filter too; words
    that never meet are known to match nothing. The rows and counts are those of the exact reading."""
    engine, session = migrated
    r, ids = _region(session)
    garbage = [submit(session, r, text=f"Мусор не вывозят уже неделю {i}", now=T0 + hours(i)) for i in range(4)]
    garbage.append(submit(session, r, territory_id=r.t_rural, text="Мусор не вывозят от дома", now=T0 + hours(5)))
    for appeal_id in garbage:
        appeals.perform(session, actor=r.coordinator, appeal_id=appeal_id, action="approve_moderation",
                        now=T0 + hours(12))
    submit(session, r, text="Мусор у подъезда лежит", now=T0 + hours(6))  # both words of the other search
    session.commit()
    searches = [{"search": "мусор вывозят"}, {"status": "all", "search": "мусор вывозят"},
                {"status": "all", "territory_id": r.t_rural, "search": "мусор вывозят"},
                {"status": "all", "search": "вывозят подъезд"}]
    _scaled(monkeypatch, exact_max=1_000, walk_max=1_000, cap=1_000)
    exact = [_page(session, **f) for f in searches]
    assert {row["id"] for row in exact[1].rows} == set(garbage) and exact[3].total == 0
    # No word pair learnt (their lemmas are rare here anyway): the probe itself is tested; the
    # pairs are test_word_pairs'.
    monkeypatch.setattr(search_pairs, "learn", lambda *_args, **_kwargs: None)
    _scaled(monkeypatch, exact_max=2, walk_max=1_000)  # five matches: more than the probe reads
    with captured_statements(engine) as statements:
        probed = [_page(session, **f) for f in searches]
    for page, known in zip(probed, exact, strict=True):
        assert [row["id"] for row in page.rows] == [row["id"] for row in known.rows]
    assert probed[0].counts_capped and probed[0].total == CAP + 1  # «более 3»: five open matches
    assert probed[2].total == 1 and probed[2].counts_complete  # the rural one, read by id under the filter
    assert probed[3].total == 0 and probed[3].counts_complete and not probed[3].counts_capped
    if engine.dialect.name == "postgresql":
        assert not [s for s, _ in statements if "MATERIALIZED" in s and "@@" in s and "open_match" not in s]
        probes = [s for s, _ in statements if "@@" in s and "LIMIT" in s and s.lstrip().startswith("SELECT appeal.id")]
        open_probes = [s for s, _ in statements if "@@" in s and s.lstrip().startswith("SELECT count(*)")
                       and "LIMIT" in s and "'in_work'" in s]
        assert probes and open_probes, statements  # five open matches: the open appeals' index settles it
        assert session.execute(text("SELECT current_setting('enable_seqscan')")).scalar() == "on"


def test_words_one_of_which_occurs_nowhere_are_known_to_match_nothing(migrated, monkeypatch):
    """«подъезд» is common and «снегирь» occurs in no appeal (nor does any address hold either): the
    term counts say the search matches nothing, and no index is read to find it out."""
    _engine, session = migrated
    _region(session)
    _scaled(monkeypatch, exact_max=2, walk_max=1_000)

    def no_read(*_args, **_kwargs):
        raise AssertionError("the words' matches were read from their index")
    monkeypatch.setattr(queue_search, "_ids", no_read)
    monkeypatch.setattr(queue_search, "_text_ids", no_read)
    for status in ("open", "all"):
        page = _page(session, status=status, search="подъезд снегирь")
        assert page.rows == [] and page.total == 0 and page.status_counts == {}
        assert page.counts_complete and not page.counts_capped and (page.overdue, page.at_risk) == (0, 0)


@pytest.mark.parametrize(("status", "cap"), [("rejected", 3), ("rejected", 1), ("closed", 3), ("closed", 1)],
                         ids=["rejected-few", "rejected-past-the-cap", "closed-few", "closed-past-the-cap"])
def test_words_under_a_closed_status_are_read_from_their_index(migrated, monkeypatch, status, cap):
    """Two common words under a status alone that is not an open one: the term counts cannot say
    how often they meet there, so the status's rows were walked and each tested (at 1M, «крыша
    течет» in one rejected appeal of 113: 367 ms). On PostgreSQL their matches are read from the
    words' index instead (for the answered, rejected and withdrawn appeals, their own), the status
    tested on them, up to the cap and one more: all of them read, the page is sorted from them;
    more, the page walks as before. The rows are those of the exact reading, in each order."""
    engine, session = migrated
    r, _ids = _region(session)
    garbage = [submit(session, r, text=f"Мусор не вывозят уже неделю {i}", now=T0 + hours(i)) for i in range(5)]
    garbage.append(submit(session, r, text="Мусор у подъезда, не вывозят", now=T0 + hours(6)))
    for appeal_id in garbage:
        appeals.perform(session, actor=r.coordinator, appeal_id=appeal_id, action="approve_moderation",
                        now=T0 + hours(12))
    submit(session, r, text="Мусор во дворе", now=T0 + hours(7))  # one of the words only
    settled = [garbage[0], garbage[1], garbage[5]]
    for appeal_id in settled:  # the status as a flush writes it: the term counts follow
        session.get(Appeal, appeal_id).status = status
    session.commit()
    _scaled(monkeypatch, exact_max=1_000, walk_max=1_000, cap=1_000)
    exact = _page(session, status=status, search="мусор вывозят")
    assert {row["id"] for row in exact.rows} == set(settled) and exact.total == 3
    monkeypatch.setattr(search_pairs, "learn", lambda *_args, **_kwargs: None)  # the pairs are test_word_pairs'
    _scaled(monkeypatch, exact_max=2, walk_max=1_000, cap=cap)
    with captured_statements(engine) as statements:
        page = _page(session, status=status, search="мусор вывозят")
    assert [row["id"] for row in page.rows] == [row["id"] for row in exact.rows]
    assert page.counts_capped and page.total == min(3, cap + 1) and page.status_counts == {}
    reads, walks = _status_reads(statements, few_settled=status == "rejected") if engine.dialect.name == "postgresql" \
        else _sqlite_status_reads(statements, few_settled=status == "rejected")
    assert len(reads) == 1 and bool(walks) == (cap < 3), statements
    if engine.dialect.name == "postgresql" and status == "rejected":
        _reads_the_few_settled_index(session, reads[0])
    for sort in ("newest", "oldest"):  # sorted from the matches read as the walk would read them
        _scaled(monkeypatch, exact_max=1_000, walk_max=1_000, cap=1_000)
        known = fetch_queue_page(session, QueueFilter(status=status, search="мусор вывозят", sort=sort), page=0,
                                 page_size=2, now=T0 + hours(13))
        _scaled(monkeypatch, exact_max=2, walk_max=1_000, cap=cap)
        read = fetch_queue_page(session, QueueFilter(status=status, search="мусор вывозят", sort=sort), page=0,
                                page_size=2, now=T0 + hours(13))
        assert [row["id"] for row in read.rows] == [row["id"] for row in known.rows] and len(read.rows) == 2


def test_the_answered_rejected_and_withdrawn_lemmas_follow_every_change(migrated):
    """SQLite: the FTS5 table of those appeals' lemmas (revision a9d3f6b1c8e4) holds exactly them as
    appeals are written, change status or change words, and after a bulk load's refill."""
    engine, session = migrated
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's FTS5 table; PostgreSQL's partial index is read in the test above")
    r, _ids = _region(session)
    garbage = [submit(session, r, text=f"Мусор не вывозят {i}", now=T0 + hours(i)) for i in range(4)]
    session.commit()

    def indexed() -> set[int]:
        return set(session.execute(text("SELECT rowid FROM appeal_fts_few_settled_words "
                                        "WHERE appeal_fts_few_settled_words MATCH 'мусор'")).scalars())

    def expected() -> set[int]:
        return {a.id for a in session.execute(select(Appeal)).scalars()
                if str(a.status) in FEW_SETTLED_VALUES and "мусор" in (a.search_words or "").split()}
    assert indexed() == expected() == set()
    for appeal_id, status in zip(garbage, ("rejected", "answered", "withdrawn", "closed"), strict=True):
        session.get(Appeal, appeal_id).status = status
    session.commit()
    assert indexed() == expected() == set(garbage[:3])
    session.get(Appeal, garbage[0]).status = "closed"
    session.get(Appeal, garbage[3]).status = "rejected"
    session.get(Appeal, garbage[1]).search_words = "двор"
    session.commit()
    assert indexed() == expected() == {garbage[2], garbage[3]}
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO appeal_fts_few_settled_words(appeal_fts_few_settled_words) VALUES ('delete-all')"))
        rebuild_sqlite_search(conn)
    assert indexed() == expected() == {garbage[2], garbage[3]}


def test_matches_read_whole_are_ordered_as_the_page_reads_them():
    """queue_rows.ordered_ids: due soonest first, those without a deadline last by id; by creation."""
    rows = [(5, None, T0 + hours(1)), (3, T0 + hours(9), T0 + hours(2)), (4, T0 + hours(9), T0),
            (2, None, T0 + hours(3)), (1, T0 + hours(8), T0)]
    assert queue_rows.ordered_ids(rows, "deadline") == [1, 3, 4, 2, 5]
    assert queue_rows.ordered_ids(rows, "newest") == [2, 3, 5, 4, 1]
    assert queue_rows.ordered_ids(rows, "oldest") == [1, 4, 5, 3, 2]


def _status_reads(statements, few_settled: bool):
    """The reads of a search's matches under a status (PlannedSearch.status_reads), the walks of its order."""
    among = "appeal.status IN ('answered', 'rejected', 'withdrawn') AND " if few_settled else ""
    texts = [(" ".join(s.split()), p) for s, p in statements]
    reads = [(t, p) for t, p in texts if t.startswith("SELECT appeal.id, appeal.deadline_at, appeal.created_at FROM "
                                                      f"appeal WHERE {among}(appeal.search_vector @@")
             and "appeal.status = %(status_1)s::VARCHAR) IS true LIMIT" in t]
    walks = [t for t, _ in texts if "IS true" in t and ("ORDER BY appeal.deadline_at, appeal.id" in t or "by_week" in t)]
    return reads, walks


def _sqlite_status_reads(statements, few_settled: bool):
    """SQLite's reads of a search's matches under a status (IndexedSearch.status_reads: from the FTS5
    table of the answered, rejected and withdrawn appeals, or of every appeal), the walks of its order."""
    table = "appeal_fts_few_settled_words" if few_settled else "appeal_fts_words"
    texts = [(" ".join(s.split()), p) for s, p in statements]
    reads = [(t, p) for t, p in texts if t.startswith("SELECT appeal.id, appeal.deadline_at, appeal.created_at FROM "
                                                      f"{table} JOIN appeal") and f"{table} MATCH" in t]
    walks = [t for t, _ in texts if "instr(appeal.search_words" in t and "ORDER BY appeal.deadline_at, appeal.id" in t]
    return reads, walks


def _reads_the_few_settled_index(session, read) -> None:
    """The read's condition implies the partial index's predicate (revision c4e7a2f9d1b6): the planner
    can read it. Here a dozen appeals: told not to scan the table, and without the b-trees that hold
    the status (dropped in this transaction, rolled back), as a million appeals make them cost more."""
    statement, parameters = read
    connection = session.connection()
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    for (name,) in connection.execute(text(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'appeal' AND indexdef NOT LIKE '%USING gin%' "
            "AND indexdef NOT LIKE '%UNIQUE%' AND indexdef LIKE '%status%'")).all():
        connection.exec_driver_sql(f"DROP INDEX {name}")
    plan = "\n".join(connection.exec_driver_sql(f"EXPLAIN {statement}", parameters).scalars())
    assert "ix_appeal_few_settled_vector_fts" in plan, plan
    session.rollback()
