"""A common word's page by deadline of the whole region, read from the word index within a range of
deadlines (analytics/deadline_range; PostgreSQL: revision a4d8f2b6c9e1, SQLite: words alone, by
weeks, revision d7b2e5a9f3c1): the same rows in the same order as the walk of the deadline order,
whichever step finds them (the first range, the widened one, or the walk when the filter holds
fewer appeals than the range). Sizes scaled down as in test_queue_counts."""

import re
from datetime import UTC, timedelta

import pytest
from sqlalchemy import event, text

from pos_dashboard.analytics import deadline_range, queue_search
from pos_dashboard.analytics.queue import QueueFilter, fetch_queue_page
from pos_dashboard.domain.enums import OPEN_STATUSES, Status
from pos_dashboard.domain.models import Appeal
from pos_dashboard.migrations import rebuild_sqlite_search
from pos_dashboard.services import appeals

from .factories import T0, build_region, hours, submit
from .sql_capture import captured_statements
from .test_queue_counts import _region, _scaled

PROBE = re.compile(r"SELECT appeal\.deadline_at FROM appeal .*ORDER BY appeal\.deadline_at")
# A range read: from the deadline's word index, or by the weeks of the deadlines (deadline_range._within).
RANGED = ("ORDER BY coalesce(appeal.deadline_at, appeal.deadline_at)", ") AS by_week ORDER BY by_week.deadline_at")


def _ranged(statement: str) -> bool:
    return any(marker in " ".join(statement.split()) for marker in RANGED)


def _with_deadlines(session, r, ids, others_first: int, tied: bool = False):
    """The region's appeals, plus `others_first` appeals about other things due before all of them;
    every appeal gets its own deadline (the word's appeals later ones), or, `tied`, every two appeals
    share one; the rejected one gets none."""
    early = [submit(session, r, text=f"Не убран снег во дворе {i}", now=T0 + hours(11)) for i in range(others_first)]
    ordered = [*early, *ids["other"], *ids["city"], *ids["rural"]]
    for position, appeal_id in enumerate(ordered):
        session.get(Appeal, appeal_id).deadline_at = T0 + timedelta(days=40, hours=position // 2 if tied else position)
    session.get(Appeal, ids["rejected"]).deadline_at = None
    session.commit()


def _expected(session, status: str) -> list[int]:
    """The walk's order, computed here: the word's appeals by deadline, those without one last."""
    rows = [a for a in session.query(Appeal).all() if "одъезд" in a.text and (status == "all" or a.status == status)]
    return [a.id for a in sorted(rows, key=lambda a: (a.deadline_at is None, a.deadline_at or T0, a.id))]


def _ranged_region(migrated, monkeypatch, others_first: int, span: int, **scaled):
    """(engine, session, region, ids), where a common word's page is read within ranges of deadlines:
    the region with `others_first` appeals due first, a range of `span` appeals per row."""
    engine, session = migrated
    r, ids = _region(session)
    _with_deadlines(session, r, ids, others_first)
    _scaled(monkeypatch, exact_max=2, walk_max=1_000, **scaled)
    monkeypatch.setattr(deadline_range, "SPAN_PER_ROW", span)
    return engine, session, r, ids


@pytest.mark.parametrize(("others_first", "span", "route", "tied"), [
    (0, 2, "first range", False),  # the first 4 appeals by deadline hold 2 of the word's
    (5, 1, "widened range", False),  # the first 3 hold none, the first 9 hold the page
    # Two appeals share each deadline: the first range ends on a tie, the widened one is found
    # from past the tie on, and the page still lies within it.
    (5, 1, "widened range", True),
    (0, 50, "walk", False),  # the region holds fewer appeals than the range
], ids=["first-range", "widened", "widened-tied", "walked"])
def test_a_common_words_page_by_deadline_is_the_walks_page(migrated, monkeypatch, others_first, span, route, tied):
    engine, session = migrated
    r, ids = _region(session)
    _with_deadlines(session, r, ids, others_first, tied)
    _scaled(monkeypatch, exact_max=2, walk_max=1_000)
    monkeypatch.setattr(deadline_range, "SPAN_PER_ROW", span)
    expected = _expected(session, "all")
    for page in range(4):
        with captured_statements(engine) as statements:
            found = fetch_queue_page(session, QueueFilter(status="all", search="подъезд"), page=page, page_size=2,
                                     now=T0 + hours(13))
        assert [row["id"] for row in found.rows] == expected[page * 2:page * 2 + 2], (page, route)
        if page > 0:
            continue
        probes = [s for s, _ in statements if PROBE.search(" ".join(s.split()))]
        ranged = [s for s, _ in statements if _ranged(s)]
        if route == "walk":
            assert len(probes) == 1 and not ranged, statements
        else:
            assert len(probes) == len(ranged) == (1 if route == "first range" else 2), statements
    closed = fetch_queue_page(session, QueueFilter(status="rejected", search="подъезд"), page=0, page_size=2,
                              now=T0 + hours(13))
    assert [row["id"] for row in closed.rows] == _expected(session, "rejected")


def test_a_search_asked_again_reads_the_range_its_page_needed(migrated, monkeypatch):
    """The second time a page is asked, its range ends where the first one's page ended
    (deadline_range: learnt), one read without a probe; the page is the walk's page still when a row
    of it is now due later (the learnt range holds too few: the two steps again) and when a new match
    is due before all of them (the learnt range holds more)."""
    engine, session, r, ids = _ranged_region(migrated, monkeypatch, 5, 1)

    def page(number: int) -> tuple[list[int], int, int]:
        with captured_statements(engine) as statements:
            found = fetch_queue_page(session, QueueFilter(status="all", search="подъезд"), page=number, page_size=2,
                                     now=T0 + hours(13))
        texts = [" ".join(s.split()) for s, _ in statements]
        return ([row["id"] for row in found.rows], sum(bool(PROBE.search(t)) for t in texts),
                sum(_ranged(t) for t in texts))

    expected = _expected(session, "all")
    assert page(0) == (expected[:2], 2, 2)  # the widened range, as before
    assert page(0) == (expected[:2], 0, 1)  # the learnt one
    # The next page needs more rows than the learnt range held: not read there (the two steps, then
    # the walk, as the region holds fewer appeals than the widened range).
    assert page(1) == (expected[2:4], 2, 1)
    session.get(Appeal, expected[1]).deadline_at = T0 + timedelta(days=400)
    session.commit()
    moved = _expected(session, "all")
    assert moved[:2] != expected[:2] and page(0) == (moved[:2], 2, 3)  # too few in the learnt range
    earliest = submit(session, r, text="В подъезде сломан лифт", now=T0 + hours(11))
    session.get(Appeal, earliest).deadline_at = T0 + timedelta(days=1)
    session.commit()
    assert page(0) == ([earliest, moved[0]], 0, 1)  # more in the learnt range: still its first rows


@pytest.mark.parametrize("weeks_max", [26, 0], ids=["by-weeks", "too-many-weeks"])
def test_a_range_is_read_by_the_weeks_of_its_deadlines(migrated, monkeypatch, weeks_max):
    """The matches due up to a range's end are the postings of each word's lemmas in the weeks from
    the earliest deadline's to the end's (deadline_range._by_weeks: «lemma@week», PostgreSQL's index
    or SQLite's FTS5 table); a match due before the earliest week this process read (its deadline
    moved earlier since) comes from the deadline's word index (SQLite: its order) in the same read;
    a range over more than WEEKS_MAX weeks is read from that index alone (SQLite walks). The page
    is the walk's page each time."""
    engine, session, r, ids = _ranged_region(migrated, monkeypatch, 5, 1)
    monkeypatch.setattr(deadline_range, "WEEKS_MAX", weeks_max)
    postgres = engine.dialect.name == "postgresql"
    by_weeks = "appeal_word_weeks(appeal.search_words, appeal.deadline_at) @@" if postgres \
        else "appeal_fts_word_weeks MATCH"

    def page() -> tuple[list[int], list[str]]:
        with captured_statements(engine) as statements:
            found = fetch_queue_page(session, QueueFilter(status="all", search="подъезде"), page=0, page_size=2,
                                     now=T0 + hours(13))
        return [row["id"] for row in found.rows], [" ".join(s.split()) for s, _ in statements if _ranged(s)]

    rows, ranged = page()
    assert rows == _expected(session, "all")[:2] and bool(ranged) == (postgres or bool(weeks_max))
    assert all((by_weeks in s) == bool(weeks_max) for s in ranged), ranged
    earlier = _expected(session, "all")[3]
    session.get(Appeal, earlier).deadline_at = T0 + timedelta(days=1)  # weeks before the earliest one read
    session.commit()
    rows, ranged = page()
    assert rows == _expected(session, "all")[:2] and rows[0] == earlier and bool(ranged) == (postgres or bool(weeks_max))
    assert deadline_range.week_of(T0 + timedelta(days=1)) < deadline_range.week_of(T0 + timedelta(days=40))


def test_a_ranged_pages_overdue_and_at_risk_counts_are_read_beside_it(migrated, monkeypatch):
    """PostgreSQL: the overdue and at-risk counts of a page read within ranges of deadlines are read on
    a connection of their own while the page reads its range and rows (analytics/side_read), and are
    exact; a session that wrote appeals it has not committed counts on its own connection, seeing them."""
    engine, session, r, ids = _ranged_region(migrated, monkeypatch, 5, 1, cap=10)
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's side reads; SQLite reads the counts after the page")
    now = T0 + timedelta(days=40, hours=9)  # the city's first appeals are overdue, the next due within a day
    session.connection()
    with engine.connect():  # a second connection, idle in the pool once the page begins
        pass

    def counted() -> tuple[int, int]:
        open_matches = [a for a in session.query(Appeal).all() if "одъезд" in a.text
                        and Status(a.status) in OPEN_STATUSES and a.deadline_at is not None]
        return (sum(a.deadline_at < now for a in open_matches),
                sum(now <= a.deadline_at <= now + timedelta(hours=24) for a in open_matches))

    connections: list[tuple[str, int]] = []

    def remember(conn, _cursor, statement, _parameters, _context, _many):
        connections.append((" ".join(statement.split()), id(conn.connection.dbapi_connection)))
    event.listen(engine, "before_cursor_execute", remember)
    try:
        page = fetch_queue_page(session, QueueFilter(status="all", search="подъезд"), page=0, page_size=2, now=now)
        assert (page.overdue, page.at_risk) == counted() and page.overdue > 0 and page.at_risk > 0
        own = {c for s, c in connections if _ranged(s)}
        counts = {c for s, c in connections if "count(*) FILTER" in s}
        assert len(own) == len(counts) == 1 and own != counts, connections
        connections.clear()
        session.get(Appeal, ids["city"][-1]).deadline_at = now - timedelta(hours=1)  # not committed
        page = fetch_queue_page(session, QueueFilter(status="all", search="подъезд"), page=0, page_size=2, now=now)
        assert (page.overdue, page.at_risk) == counted()
        assert {c for s, c in connections if "count(*) FILTER" in s} == {c for s, c in connections if _ranged(s)}
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    session.rollback()


def test_the_range_is_read_from_the_word_index_with_the_deadline(migrated, monkeypatch):
    """PostgreSQL: the page's matches within the range are read from the index of the lemmas by week
    (the weeks up to the range's end) and, for deadlines before the earliest week, from the word
    index with the deadline as an index condition; the overdue and at-risk counts from the open
    appeals' word index with the deadline (a b-tree of the deadline or a walk would read every
    appeal of the range); the counts test the other filters on those rows."""
    engine, session, r, ids = _ranged_region(migrated, monkeypatch, 6, 2)
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's index plans")
    with captured_statements(engine) as statements:
        fetch_queue_page(session, QueueFilter(status="all", search="подъезд"), page=0, page_size=2, now=T0 + hours(13))
        fetch_queue_page(session, QueueFilter(territory_id=r.t_city, search="подъезд"), page=0, page_size=2,
                         now=T0 + hours(13))
    ranged = [(s, p) for s, p in statements if _ranged(s)]
    counts = [(s, p) for s, p in statements if s.count("count(*)") == 2 and "deadline_at <= %(" in s]
    assert ranged and len(counts) == 2, statements
    session.commit()
    with engine.connect() as conn, conn.begin() as transaction:
        _drop_btrees(conn)
        conn.exec_driver_sql("DROP INDEX ix_appeal_open_address_deadline_trgm")  # it holds the deadline too
        for (statement, parameters), index in [*((s, "ix_appeal_vector_deadline_fts") for s in ranged[:1]),
                                               *((s, "ix_appeal_open_vector_deadline_fts") for s in counts)]:
            plan = "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters))
            scans = re.findall(r"Bitmap Index Scan on (\w+)[^\n]*\n\s+Index Cond: ([^\n]+)", plan)
            by_week = [cond for name, cond in scans if name == deadline_range.WORD_WEEKS_INDEX]
            assert scans and all(name == index and "search_vector @@" in cond and "deadline_at" in cond
                                 for name, cond in scans if cond not in by_week), plan
            assert by_week if index == "ix_appeal_vector_deadline_fts" else not by_week, plan
            assert all("appeal_word_weeks(search_words, deadline_at) @@ '''подъезд@" in cond for cond in by_week), plan
            assert "top_territory_id = " not in " ".join(cond for _, cond in scans), plan
        transaction.rollback()


@pytest.mark.parametrize("begun_max", [16, 0], ids=["as-lemmas", "as-a-beginning"])
def test_a_beginning_is_read_as_the_lemmas_it_begins(migrated, monkeypatch, begun_max):
    """A word the dictionary does not know («подъез») matches the lemmas it begins. On PostgreSQL it is
    read as those lemmas when few (queue_search._present: the term counts know them), so that the
    word index reads them as keys, within a range of deadlines too; the rows are the same either way."""
    engine, session = migrated
    r, ids = _region(session)
    _with_deadlines(session, r, ids, 0)
    _scaled(monkeypatch, exact_max=2, walk_max=1_000)
    monkeypatch.setattr(deadline_range, "SPAN_PER_ROW", 2)
    monkeypatch.setattr(queue_search, "BEGUN_LEMMAS_MAX", begun_max)
    with captured_statements(engine) as statements:
        found = fetch_queue_page(session, QueueFilter(status="all", search="подъез"), page=0, page_size=2,
                                 now=T0 + hours(13))
    assert [row["id"] for row in found.rows] == _expected(session, "all")[:2]
    if engine.dialect.name == "postgresql":
        queries = {str(v) for _, p in statements for k, v in (p or {}).items() if k.startswith("to_tsquery")}
        assert queries == ({"(подъезд)"} if begun_max else {"(подъез:*)"}), queries
        assert any(_ranged(s) for s, _ in statements) == bool(begun_max)


def test_a_streets_overdue_and_at_risk_counts_read_the_address_with_the_deadline(migrated, monkeypatch):
    """A street in the text of some appeals and the address of others: its overdue and at-risk counts
    are exact, read on PostgreSQL by one statement, which reads the open appeals' word and address
    indexes once; both hold the deadline (revision a4d8f2b6c9e1; at 5M the planner reads both with
    the deadline as an index condition: README, «Stop 25»)."""
    engine, session = migrated
    r = build_region(session)
    now = T0 + hours(13)
    in_text = [submit(session, r, text=f"Во дворе на Садовой мусор {i}", now=T0 + hours(i)) for i in range(3)]
    in_address = [submit(session, r, text=f"Не вывозят мусор {i}", address=f"ул. Садовая, д. {i}", now=T0 + hours(i))
                  for i in range(3)]
    others = [submit(session, r, text=f"Яма на дороге {i}", address=f"ул. Мира, д. {i}", now=T0 + hours(6 + i))
              for i in range(3)]
    for appeal_id in [*in_text, *in_address, *others]:
        appeals.perform(session, actor=r.coordinator, appeal_id=appeal_id, action="approve_moderation",
                        now=T0 + hours(12))
    due = {in_text[0]: now - hours(2), in_address[0]: now - hours(1), in_address[1]: now + hours(3),
           in_text[1]: now + hours(200), **dict.fromkeys(others, now - hours(1))}
    for appeal_id, deadline in due.items():
        session.get(Appeal, appeal_id).deadline_at = deadline
    session.commit()
    _scaled(monkeypatch, exact_max=2, walk_max=1_000, cap=10)
    with captured_statements(engine) as statements:
        page = fetch_queue_page(session, QueueFilter(search="Садовая"), page=0, page_size=50, now=now)
    assert page.counts_capped and (page.overdue, page.at_risk) == (2, 1)
    if engine.dialect.name != "postgresql":
        return
    counts = [s for s, _ in statements if s.count("count(*)") == 2 and "deadline_at <= %(" in s]
    assert len(counts) == 1 and "search_address LIKE" in counts[0], statements
    # One read of the indexes up to the horizon, the overdue counted among its rows (a read per range
    # before: «Садовая» at 5M, 20.5 → 16.6 ms).
    assert counts[0].count("search_address LIKE") == 1 and "FILTER (WHERE appeal.deadline_at < %(" in counts[0]
    with engine.connect() as conn:  # both indexes the count may read hold the deadline
        definitions = dict(conn.exec_driver_sql(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname IN "
            "('ix_appeal_open_vector_deadline_fts', 'ix_appeal_open_address_deadline_trgm')").all())
    assert len(definitions) == 2 and all("deadline_at)" in d and "WHERE" in d for d in definitions.values())


def test_under_a_few_settled_status_the_range_is_read_among_those_appeals(migrated, monkeypatch):
    """PostgreSQL: a ranged page under «Отклонено» reads the lemmas by week of the answered, rejected
    and withdrawn appeals alone (revision e5c8a1d4b7f2: its predicate is implied by the read), and
    is the walk's page."""
    engine, session, r, ids = _ranged_region(migrated, monkeypatch, 5, 1, cap=1)
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's partial index; SQLite's FTS5 table of the lemmas by week holds every appeal")
    for appeal_id in ids["city"][:3]:  # the status as a flush writes it
        session.get(Appeal, appeal_id).status = "rejected"
    session.commit()
    with captured_statements(engine) as statements:
        found = fetch_queue_page(session, QueueFilter(status="rejected", search="подъезд"), page=0, page_size=2,
                                 now=T0 + hours(13))
    assert [row["id"] for row in found.rows] == _expected(session, "rejected")[:2]
    by_week = [(s, p) for s, p in statements if _ranged(s) and "by_week" in s]
    assert by_week, statements
    session.commit()
    with engine.connect() as conn, conn.begin() as transaction:
        _drop_btrees(conn)
        conn.exec_driver_sql(f"DROP INDEX {deadline_range.WORD_WEEKS_INDEX}")  # the index of every appeal
        statement, parameters = by_week[0]
        plan = "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters))
        assert "ix_appeal_few_settled_word_weeks_fts" in plan, plan
        transaction.rollback()


def _drop_btrees(conn) -> None:
    """In a transaction rolled back after: a dozen appeals, and the planner would read any index.
    Without the b-trees (and no sequential scan), the search indexes answer the range themselves
    (the ones before revision a4d8f2b6c9e1 could not)."""
    for name in conn.exec_driver_sql("SELECT indexname FROM pg_indexes WHERE tablename = 'appeal' AND indexdef "
                                     "NOT LIKE '%%USING gin%%' AND indexname NOT IN (SELECT conname FROM pg_constraint)"
                                     ).scalars():
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")


def test_the_lemmas_by_week_follow_every_change(migrated):
    """SQLite: the FTS5 table of «lemma@week» (revision d7b2e5a9f3c1) holds each appeal's lemmas with
    its deadline's week, as deadline_range.week_of counts it, as appeals are written, move their
    deadline, change their lemmas or lose their deadline, and after a bulk load's refill."""
    engine, session = migrated
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's FTS5 table; PostgreSQL's index of an expression follows the rows itself")
    r, ids = _region(session)
    _with_deadlines(session, r, ids, 2)

    def indexed(term: str) -> set[int]:
        return set(session.execute(text("SELECT rowid FROM appeal_fts_word_weeks WHERE appeal_fts_word_weeks "
                                        "MATCH :term"), {"term": f'"{term}"'}).scalars())

    def expected(lemma: str) -> dict[int, set[int]]:
        weeks: dict[int, set[int]] = {}
        for a in session.query(Appeal).all():
            if a.deadline_at is not None and lemma in (a.search_words or "").split():
                weeks.setdefault(deadline_range.week_of(a.deadline_at.replace(tzinfo=a.deadline_at.tzinfo or UTC)),
                                 set()).add(a.id)
        return weeks

    def holds_exactly(lemma: str) -> None:
        weeks = expected(lemma)
        assert weeks and all(indexed(f"{lemma}@{week}") == found for week, found in weeks.items()), weeks
        assert not indexed(f"{lemma}@{min(weeks) - 1}") and not indexed(f"{lemma}@{max(weeks) + 1}")
    holds_exactly("подъезд")
    moved, renamed, undated = ids["city"][:3]
    session.get(Appeal, moved).deadline_at = T0 + timedelta(days=80)  # six weeks later
    session.get(Appeal, renamed).search_words = "лифт сломать"
    session.get(Appeal, undated).deadline_at = None
    session.commit()
    holds_exactly("подъезд")
    holds_exactly("лифт")
    assert not any(undated in indexed(f"подъезд@{week}") for week in range(2_800, 3_000))
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO appeal_fts_word_weeks(appeal_fts_word_weeks) VALUES ('delete-all')"))
        rebuild_sqlite_search(conn)
    holds_exactly("подъезд")
    holds_exactly("лифт")
