"""Search as Russians search: words in any of their forms (pymorphy3 lemmas), ё = е, a word the
dictionary does not know read as a beginning, every query word required, matches marked for the
queue; the address still matched as a substring. The same answers from the migrated database's
indexes (FTS5 on SQLite, a tsvector GIN index on PostgreSQL) and from the plain scan."""

import asyncio

import pytest
from sqlalchemy import text
from sqlmodel import Session

from pos_dashboard.analytics.queue import QueueFilter, fetch_queue_page
from pos_dashboard.background import load_search_dictionary
from pos_dashboard.db import make_engine
from pos_dashboard.demo.generator import DemoOptions, load_demo
from pos_dashboard.domain import search_words
from pos_dashboard.domain.search_words import document_words, lemmas, marked, marked_run, query_words
from pos_dashboard.importers.spb import import_spb
from pos_dashboard.migrations import drop_everything, rebuild_sqlite_search, upgrade

from .conftest import database_url_for_tests
from .factories import T0, build_region, hours, submit
from .test_spb_import import appeal_row, timeline_rows, write_folder

TEXTS = {
    "spruce": "Во дворе упала ёлка, перегородила проход",
    "plate": "На детской площадке разбита тарелка антенны",
    "village": "В центре посёлка не горят фонари",
    "snow": "Снегом завалило двор, не убирают неделю",
    "drifts": "Не вывезли снега с парковки у дома",
    "bird": "Снегирь залетел в подъезд",
    "entrance": "Грязные подъезды, не моют полы",
}


def test_words_are_read_in_their_dictionary_forms():
    assert lemmas("снегом") == lemmas("снега") == ("снег",)
    assert lemmas("ёлки") == lemmas("Елка") == ("елка",)
    assert "елка" not in lemmas("тарелка") + lemmas("посёлка")
    assert document_words("Во дворе и у подъезда") == "двор подъезд"  # prepositions and conjunctions left out
    assert document_words("дом 15, кв. 7") == "дом 15 кв 7"
    unknown = query_words("подъез")[0]
    assert unknown.prefix == "подъез" and unknown.matches("подъездов")
    assert [w.prefix for w in query_words("снег во дворе")] == ["", ""]
    assert len(query_words(" ".join(f"слово{i}" for i in range(50)))) == 8


def test_the_app_loads_the_dictionary_when_it_starts():
    """The lifespan task reads pymorphy3's dictionary (73 ms), so no user's first search waits for it."""
    search_words._analyzer.cache_clear()
    asyncio.run(load_search_dictionary())
    assert search_words._analyzer.cache_info().currsize == 1


def test_marked_pieces_keep_the_text_and_mark_only_matching_words():
    words = query_words("елка снег")
    pieces = marked("Ёлку занесло снегом, тарелка цела.", words)
    assert "".join(piece for piece, _ in pieces) == "Ёлку занесло снегом, тарелка цела."
    assert [piece for piece, found in pieces if found] == ["Ёлку", "снегом"]
    assert marked("Без совпадений", words) == [("Без совпадений", False)]


def _found(session, search: str, now) -> set[str]:
    page = fetch_queue_page(session, QueueFilter(status="all", search=search), page=0, page_size=50, now=now)
    names = {v: k for k, v in session.info["ids"].items()}
    return {names[row["id"]] for row in page.rows}


def _check_searches(session, now):
    assert _found(session, "елка", now) == {"spruce"}
    assert _found(session, "ЁЛКИ", now) == {"spruce"}
    assert _found(session, "снег", now) == {"snow", "drifts"}
    assert _found(session, "снега двор", now) == {"snow"}  # every word must match
    assert _found(session, "подъезд", now) == {"bird", "entrance"}
    assert _found(session, "подъез", now) == {"bird", "entrance"}  # still being typed: a beginning
    assert _found(session, "посёлок", now) == {"village"}
    assert _found(session, "березовая", now) == {"street"}  # the address, as a substring, ё = е
    assert _found(session, "во", now) == set()  # a preposition alone: nothing to look for in the text
    page = fetch_queue_page(session, QueueFilter(status="all", search="снег двор"), page=0, page_size=50, now=now)
    assert [[p, f] for p, f in page.rows[0]["text_parts"] if f] == [["Снегом", True], ["двор", True]]
    plain = fetch_queue_page(session, QueueFilter(status="all"), page=0, page_size=50, now=now)
    assert all(row["text_parts"] == [] and row["address_parts"] == [] for row in plain.rows)
    street = fetch_queue_page(session, QueueFilter(status="all", search="березовая"), page=0, page_size=50, now=now)
    # The address as written («Берёзовая»), marked where the search matched it.
    assert street.rows[0]["address_parts"] == [["ул. ", False], ["Берёзовая", True], [", д. 3", False]]


def test_an_address_is_marked_where_the_query_runs_in_it():
    assert marked_run("ул. Берёзовая, д. 5 (берёзовая роща)", "березовая") == [
        ("ул. ", False), ("Берёзовая", True), (", д. 5 (", False), ("берёзовая", True), (" роща)", False)]
    assert marked_run("ул. Мира, д. 1", "березовая") == []
    assert marked_run("ул. Мира", "") == []
    assert marked_run("İstanbul cd. 5", "stanbul") == []  # lower case changes the length: left unmarked


def _submit_all(session) -> None:
    r = build_region(session)
    ids = {name: submit(session, r, text=body, now=T0 + hours(i)) for i, (name, body) in enumerate(TEXTS.items())}
    ids["street"] = submit(session, r, text="Не вывезли мусор у дома", address="ул. Берёзовая, д. 3")
    session.info["ids"] = ids


def test_plain_scan_finds_words_in_any_form(session):
    _submit_all(session)
    _check_searches(session, T0 + hours(12))


@pytest.fixture()
def migrated_url(tmp_path_factory):
    url = database_url_for_tests(tmp_path_factory)
    engine = make_engine(url)
    drop_everything(engine)
    yield url, engine
    drop_everything(engine)
    engine.dispose()


def test_migrated_indexes_find_the_same_as_the_scan(migrated_url):
    url, engine = migrated_url
    upgrade(url)
    with Session(engine, expire_on_commit=False) as session:
        _submit_all(session)
        _check_searches(session, T0 + hours(12))
        if engine.dialect.name == "sqlite":  # a bulk load's rebuild gives the same index
            with engine.begin() as conn:
                rebuild_sqlite_search(conn)
            _check_searches(session, T0 + hours(12))
        else:  # and PostgreSQL answers from the stored tsvector's index, not a scan of every appeal
            with engine.connect() as conn:
                conn.execute(text("SET enable_seqscan = off"))
                plan = "\n".join(conn.execute(text(
                    "EXPLAIN SELECT id FROM appeal WHERE search_vector @@ to_tsquery('simple', 'снег')")).scalars())
                generated = conn.execute(text("SELECT search_vector = to_tsvector('simple', search_words) "
                                              "FROM appeal")).scalars().all()
            assert "ix_appeal_vector_deadline_fts" in plan
            assert generated and all(generated)


def test_the_migration_fills_the_words_of_existing_appeals(migrated_url):
    url, engine = migrated_url
    upgrade(url, "c7a2e5d9f041")  # the revision before the word search (the models have moved on: plain SQL)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO category (id, name, deadline_days, deadline_kind, expedited, "
                          "evidence_required) VALUES (1, 'Двор', 30, 'working', false, false)"))
        conn.execute(text("INSERT INTO appeal (category_id, text, channel, status, created_at, "
                          "updated_at, extended, version, source_history) VALUES (1, :body, 'web', "
                          "'moderation', :at, :at, false, 0, false)"), {"body": TEXTS["snow"], "at": T0})
    upgrade(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT search_words FROM appeal")).scalar_one() == document_words(TEXTS["snow"])
    with Session(engine) as session:
        page = fetch_queue_page(session, QueueFilter(status="all", search="снега"), page=0, page_size=5,
                                now=T0 + hours(1))
        assert page.total == 1


def test_the_importer_writes_the_words(engine, tmp_path):
    import_spb(engine, write_folder(tmp_path / "spb", [appeal_row(42, text="Снегом завалило двор")],
                                    timeline_rows(42)))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT search_words FROM appeal")).scalar_one() == "снег завалить двор"


def test_the_demo_writes_the_words(engine):
    load_demo(engine, DemoOptions(appeals=1000, seed=7, now=T0, history_days=60, chunk_size=500), progress=None)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM appeal WHERE search_words = ''")).scalar_one() == 0
        sample = conn.execute(text("SELECT text, search_words FROM appeal ORDER BY id LIMIT 50")).all()
    assert all(words == document_words(body) for body, words in sample)
