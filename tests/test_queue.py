"""The queue read model: filters, counts, order and paging, computed in the database."""

from dataclasses import replace

from sqlmodel import Session

from pos_dashboard.analytics.queue import PAGE_SIZE_MAX, QueueFilter, fetch_queue_page
from pos_dashboard.analytics.search_sql import has_sqlite_table
from pos_dashboard.domain import deadlines
from pos_dashboard.domain.enums import OPEN_STATUSES, Status
from pos_dashboard.domain.models import Appeal
from pos_dashboard.db import make_engine
from pos_dashboard.migrations import drop_everything, rebuild_sqlite_search, upgrade
from pos_dashboard.services import appeals

from .conftest import database_url_for_tests
from .factories import T0, build_region, hours, submit
from .sql_capture import captured_statements


def _perform(session, appeal_id, action, actor, now, **params):
    appeals.perform(session, actor=actor, appeal_id=appeal_id, action=action, now=now, **params)


def _setup(session):
    r = build_region(session)
    ids = {
        "yard": submit(session, r, text="Во дворе не убран мусор у ПОДЪЕЗДА №2", address="ул. Ленина, д. 5"),
        "micro": submit(session, r, territory_id=r.t_micro, text="Грязный подъезд, не моют полы месяц",
                        now=T0 + hours(1)),
        "heating": submit(session, r, category_id=r.c_heating, text="В квартире холодно, батареи еле тёплые",
                          now=T0 + hours(2)),
        "pothole": submit(session, r, category_id=r.c_potholes, territory_id=r.t_rural,
                          text="Глубокая яма на дороге у остановки", now=T0 + hours(3)),
        "rejected": submit(session, r, text="Реклама: продаю гараж недорого, звоните", now=T0 + hours(4)),
    }
    for name in ("yard", "micro", "heating", "pothole"):
        _perform(session, ids[name], "approve_moderation", r.coordinator, T0 + hours(5))
    _perform(session, ids["rejected"], "reject", r.coordinator, T0 + hours(5), reason="spam")
    return r, ids


def _page(session, now, **filters):
    return fetch_queue_page(session, QueueFilter(**filters), page=0, page_size=50, now=now)


def test_open_queue_is_sorted_by_deadline_and_counts_every_status(session):
    r, ids = _setup(session)
    now = T0 + hours(6)
    page = _page(session, now)
    assert ids["rejected"] not in [row["id"] for row in page.rows]
    deadlines_in_order = [session.get(Appeal, row["id"]).deadline_at for row in page.rows]
    assert deadlines_in_order == sorted(deadlines_in_order)
    assert page.total == 4 == len(page.rows)
    assert page.status_counts == {Status.IN_WORK.value: 4, Status.REJECTED.value: 1}
    only_rejected = _page(session, now, status=Status.REJECTED.value)
    assert [row["id"] for row in only_rejected.rows] == [ids["rejected"]]
    assert only_rejected.status_counts == page.status_counts  # counts ignore the status filter


def test_search_is_case_insensitive_for_cyrillic_and_finds_numbers(session):
    r, ids = _setup(session)
    now = T0 + hours(6)
    found = {row["id"] for row in _page(session, now, search="подъезд").rows}
    assert found == {ids["yard"], ids["micro"]}
    assert {row["id"] for row in _page(session, now, search="ЛЕНИНА").rows} == {ids["yard"]}  # the address
    assert [row["id"] for row in _page(session, now, status="all", search=f"№{ids['rejected']}").rows] == [
        ids["rejected"]]


def test_tree_filters_include_children(session):
    r, ids = _setup(session)
    now = T0 + hours(6)
    in_city = {row["id"] for row in _page(session, now, territory_id=r.t_city).rows}
    assert in_city == {ids["yard"], ids["micro"], ids["heating"]}  # the micro-district is inside the city
    housing = {row["id"] for row in _page(session, now, category_id=r.c_housing).rows}
    assert housing == {ids["yard"], ids["micro"], ids["heating"]}
    assert {row["id"] for row in _page(session, now, organization_query="теплосеть").rows} == {ids["heating"]}


def test_an_organisation_name_is_read_once_per_page(session):
    """The organisations a name matches are read once per page, then named by id in every statement
    (each statement read them again, and the planner expected one of them); the next page reads them
    again (an organisation may have been renamed); a name no organisation has gives an empty page."""
    r, ids = _setup(session)
    now = T0 + hours(6)
    engine = session.get_bind()
    with captured_statements(engine) as statements:
        page = _page(session, now, status="all", organization_query="теплосеть")
    assert [row["id"] for row in page.rows] == [ids["heating"]] and page.total == 1
    assert page.status_counts == {Status.IN_WORK.value: 1} and page.overdue + page.at_risk <= 1
    by_name = [s for s, _ in statements if "FROM organization" in s and "LIKE" in s.upper()]
    assert len(by_name) == 1, statements
    with captured_statements(engine) as statements:
        _page(session, now, organization_query="теплосеть")
    assert len([s for s, _ in statements if "FROM organization" in s and "LIKE" in s.upper()]) == 1
    # The overdue and at-risk count names the open statuses once (twice, PostgreSQL's planner took
    # them for rarer than they are and read the organisations' closed appeals too).
    counts = [s for s, _ in statements if "count(*) FILTER" in s]
    assert len(counts) == 1 and counts[0].count("appeal.status IN (") == 1, counts
    nothing = _page(session, now, status="all", organization_query="водоканал")
    assert (nothing.rows, nothing.total, nothing.status_counts, nothing.overdue) == ([], 0, {}, 0)


def test_organisation_staff_see_only_their_queue(session):
    r, ids = _setup(session)
    rows = _page(session, T0 + hours(6), organization_id=r.o_heat).rows
    assert [row["id"] for row in rows] == [ids["heating"]]


def test_overdue_and_at_risk_follow_the_deadline_rules(session):
    r, ids = _setup(session)
    heating = session.get(Appeal, ids["heating"])
    at_risk_moment = heating.deadline_at - hours(3)
    page = _page(session, at_risk_moment)
    open_appeals = [session.get(Appeal, i) for i in ids.values()]
    open_appeals = [a for a in open_appeals if Status(a.status) in OPEN_STATUSES]
    assert page.at_risk == sum(deadlines.is_at_risk(a.deadline_at, at_risk_moment) for a in open_appeals) >= 1
    assert page.overdue == sum(deadlines.is_overdue(a.deadline_at, at_risk_moment) for a in open_appeals)
    risky = _page(session, at_risk_moment, deadline="at_risk")
    assert ids["heating"] in [row["id"] for row in risky.rows]
    assert all(row["deadline_state"] == "at_risk" for row in risky.rows)
    later = heating.deadline_at + hours(1)
    overdue = _page(session, later, deadline="overdue")
    assert ids["heating"] in [row["id"] for row in overdue.rows]
    assert all(row["deadline_state"] == "overdue" for row in overdue.rows)
    assert overdue.rows[0]["left"].startswith("просрочено на")


def test_paging_is_bounded(session):
    r, ids = _setup(session)
    flt = replace(QueueFilter(), status="all")
    first = fetch_queue_page(session, flt, page=0, page_size=2, now=T0 + hours(6))
    second = fetch_queue_page(session, flt, page=1, page_size=2, now=T0 + hours(6))
    assert len(first.rows) == 2 and len(second.rows) == 2
    assert not {row["id"] for row in first.rows} & {row["id"] for row in second.rows}
    huge = fetch_queue_page(session, flt, page=0, page_size=10_000, now=T0 + hours(6))
    assert len(huge.rows) == min(5, PAGE_SIZE_MAX)


def test_search_on_a_migrated_database_uses_the_search_index_and_finds_the_same(tmp_path_factory):
    """Migrations add the search structures (FTS5 tables on SQLite, pg_trgm and the tsvector index on
    PostgreSQL); the results must be those of the plain scan, Cyrillic case folding included."""
    url = database_url_for_tests(tmp_path_factory)
    engine = make_engine(url)
    drop_everything(engine)
    try:
        upgrade(url)
        assert has_sqlite_table(engine, "appeal_fts_words") == (engine.dialect.name == "sqlite")
        with Session(engine, expire_on_commit=False) as session:
            r, ids = _setup(session)
            now = T0 + hours(6)
            assert {row["id"] for row in _page(session, now, search="ПОДЪЕЗД").rows} == {ids["yard"], ids["micro"]}
            assert {row["id"] for row in _page(session, now, search="ленина").rows} == {ids["yard"]}
            # Quotes and other signs are not query syntax: the words «яма» and «на» (a preposition, skipped).
            assert {row["id"] for row in _page(session, now, search='яма "на').rows} == {ids["pothole"]}
            assert {row["id"] for row in _page(session, now, search='яма "у гаража').rows} == set()
            assert {row["id"] for row in _page(session, now, search="яма").rows} == {ids["pothole"]}
            assert {row["id"] for row in _page(session, now, search="ям").rows} == {ids["pothole"]}  # < 3: scan
    finally:
        drop_everything(engine)
        engine.dispose()


def test_search_reads_yo_as_ye_both_ways_on_the_migrated_database(tmp_path_factory):
    """«елка» finds «ёлка» and «ёлка» finds «елка», in the text and the address, with the search
    index (FTS5 on SQLite, pg_trgm on PostgreSQL) and with the short-query scan; a bulk load's
    index rebuild folds the same way."""
    url = database_url_for_tests(tmp_path_factory)
    engine = make_engine(url)
    drop_everything(engine)
    try:
        upgrade(url)
        with Session(engine, expire_on_commit=False) as session:
            r = build_region(session)
            tree = submit(session, r, text="Во дворе упала ёлка, перегородила проход")
            spruce = submit(session, r, text="Новогодняя елка на площади не горит", address="пл. Ленина")
            street = submit(session, r, text="Не вывезли мусор у дома", address="ул. Берёзовая, д. 3")
            hedgehog = submit(session, r, text="Ёж на детской площадке")
            now = T0 + hours(1)
            assert {row["id"] for row in _page(session, now, search="елка").rows} == {tree, spruce}
            assert {row["id"] for row in _page(session, now, search="ЁЛКА").rows} == {tree, spruce}
            assert {row["id"] for row in _page(session, now, search="березовая").rows} == {street}
            assert {row["id"] for row in _page(session, now, search="ёж").rows} == {hedgehog}  # < 3: scan
            assert {row["id"] for row in _page(session, now, search="еж").rows} == {hedgehog}
            if engine.dialect.name == "sqlite":
                with engine.begin() as conn:
                    rebuild_sqlite_search(conn)
                assert {row["id"] for row in _page(session, now, search="Елка").rows} == {tree, spruce}
    finally:
        drop_everything(engine)
        engine.dispose()


def test_closed_rows_say_how_they_were_closed(session):
    """«Завершено» with the way: accepted by the citizen, automatically, after control; nothing for
    other statuses (the card's timeline has the rest)."""
    r, ids = _setup(session)
    for name, at in (("yard", 6), ("heating", 7)):
        _perform(session, ids[name], "give_answer", r.staff[session.get(Appeal, ids[name]).organization_id],
                 T0 + hours(at), text="Работы выполнены, мусор вывезен, батареи проверены и прогреты.")
        _perform(session, ids[name], "approve_answer", r.coordinator, T0 + hours(at + 1))
    appeals.rate(session, actor=r.citizen, appeal_id=ids["yard"], score=5, now=T0 + hours(9))
    _perform(session, ids["heating"], "auto_close", r.system, T0 + hours(200))
    session.commit()
    rows = {row["id"]: row for row in _page(session, T0 + hours(201), status="all").rows}
    assert rows[ids["yard"]]["status"] == rows[ids["heating"]]["status"] == Status.CLOSED.value
    assert rows[ids["yard"]]["closing"] == "заявитель принял ответ"
    assert rows[ids["heating"]]["closing"] == "автоматически"
    assert rows[ids["micro"]]["closing"] == rows[ids["rejected"]]["closing"] == ""


def test_one_event_query_tells_the_pending_rework_and_the_closing_of_a_page(session):
    """The rows' «returned for rework» and «closed how» come from one query of the page's events
    (each query is a round trip: ~1.5 ms on PostgreSQL at 1M), and each still reads its own events:
    a closed appeal that was once returned owes nothing, an open one shows no closing."""
    r, ids = _setup(session)
    for name, at in (("yard", 6), ("heating", 7), ("micro", 8)):
        _perform(session, ids[name], "give_answer", r.staff[session.get(Appeal, ids[name]).organization_id],
                 T0 + hours(at), text="Работы выполнены, мусор вывезен, батареи проверены и прогреты.")
    _perform(session, ids["yard"], "return_for_rework", r.coordinator, T0 + hours(9), rework_code="no_fix_date")
    _perform(session, ids["heating"], "return_for_rework", r.coordinator, T0 + hours(9), rework_code="no_fix_date")
    _perform(session, ids["heating"], "give_answer", r.staff[session.get(Appeal, ids["heating"]).organization_id],
             T0 + hours(10), text="Батареи прогреты, температура в квартире проверена и в норме.")
    _perform(session, ids["heating"], "approve_answer", r.coordinator, T0 + hours(11))
    _perform(session, ids["heating"], "auto_close", r.system, T0 + hours(200))
    session.commit()
    with captured_statements(session.get_bind()) as statements:
        rows = {row["id"]: row for row in _page(session, T0 + hours(201), status="all").rows}
    assert sum("FROM appealevent" in s for s, _ in statements) == 1
    assert rows[ids["yard"]]["rework"] == "Нет срока устранения" and rows[ids["yard"]]["closing"] == ""
    assert rows[ids["heating"]]["status"] == Status.CLOSED.value
    assert rows[ids["heating"]]["closing"] == "автоматически" and rows[ids["heating"]]["rework"] == ""
    assert rows[ids["micro"]]["rework"] == rows[ids["micro"]]["closing"] == ""


def test_a_status_that_is_never_open_asks_for_no_overdue_count(session):
    """Overdue and at risk count open appeals only: under «closed» or «rejected» both are 0 without a
    query (one round trip fewer), and the open statuses still count theirs."""
    r, ids = _setup(session)
    session.commit()
    late = T0 + hours(24 * 60)
    with captured_statements(session.get_bind()) as counted:
        rejected = _page(session, late, status=Status.REJECTED.value)
    in_work = _page(session, late, status=Status.IN_WORK.value)
    assert [row["id"] for row in rejected.rows] == [ids["rejected"]]
    assert (rejected.overdue, rejected.at_risk) == (0, 0)
    assert not any("deadline_at <" in s for s, _ in counted)
    assert in_work.overdue == 4 and in_work.total == 4  # past every deadline: each in-work appeal is overdue
