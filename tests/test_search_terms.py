"""The search term counts (services/search_terms) and what the queue reads from them
(analytics/search_bounds): kept by every write, equal to a recount, and bounding a query's matches
from both sides without reading an appeal."""

import pytest
from sqlalchemy import delete, insert, select
from sqlmodel import Session

from pos_dashboard.analytics.search_bounds import search_bounds
from pos_dashboard.domain.models import Appeal, ScopedTerm, SearchTerm
from pos_dashboard.domain.search_words import address_terms, document_words, folded_address, query_words
from pos_dashboard.services import appeals, search_pairs, search_terms

from .factories import T0, build_region, hours, submit
from .sql_capture import captured_statements


def _counts(session: Session) -> dict[tuple, int]:
    return {(r.field, r.term, r.status): r.appeals
            for r in session.execute(select(SearchTerm)).scalars() if r.appeals}


def _scoped(session: Session) -> dict[tuple, int]:
    return {(r.term, r.scope, r.node_id, r.status): r.appeals
            for r in session.execute(select(ScopedTerm)).scalars() if r.appeals}


def _recounted(session: Session) -> dict[tuple, int]:
    """The counts after a rebuild from the appeals, both tables (checked equal for the scoped one)."""
    kept, kept_scoped = _counts(session), _scoped(session)
    search_terms.rebuild(session.connection())
    rebuilt, rebuilt_scoped = _counts(session), _scoped(session)
    session.rollback()  # the rebuild was only to compare
    assert _counts(session) == kept and _scoped(session) == kept_scoped
    assert kept_scoped == rebuilt_scoped
    return rebuilt


def test_the_folded_address_and_its_terms():
    assert folded_address("г. Верхнегорск, ул. Садовая, д. 1А") == "г. верхнегорск, ул. садовая, д. 1а"
    assert folded_address("Ёлочная ул.") == "елочная ул." and folded_address(None) == ""
    assert address_terms("ул. садовая, д. 1а") == {"ул", "садовая", "д", "1а"}


def test_every_write_keeps_the_counts_equal_to_a_recount(session):
    r = build_region(session)
    first = submit(session, r, text="Грязный подъезд, не моют полы", address="ул. Садовая, д. 1", now=T0)
    second = submit(session, r, text="В подъезде нет света", address="Ёлочная ул., 5", now=T0 + hours(1))
    submit(session, r, text="Яма на дороге у остановки", now=T0 + hours(2))
    stored = session.get(Appeal, second)
    assert stored.search_address == "елочная ул., 5"
    counts = _counts(session)
    assert counts[("word", "подъезд", "moderation")] == 2
    scoped = _scoped(session)
    assert scoped[("подъезд", "category", r.c_housing, "moderation")] == 2  # the top node of their category
    assert scoped[("подъезд", "territory", r.t_city, "moderation")] == 2
    assert ("садовая", "category", r.c_housing, "moderation") not in scoped  # words only, not the address
    assert counts[("address", "садовая", "moderation")] == 1 and counts[("address", "елочная", "moderation")] == 1
    assert counts == _recounted(session)
    # A status change moves the appeal's terms from one status to the other.
    appeals.perform(session, actor=r.coordinator, appeal_id=first, action="approve_moderation", now=T0 + hours(3))
    appeals.perform(session, actor=r.coordinator, appeal_id=second, action="reject", now=T0 + hours(3), reason="spam")
    counts = _counts(session)
    assert counts[("word", "подъезд", "rejected")] == 1 and ("word", "подъезд", "moderation") not in counts
    assert counts == _recounted(session)
    # A category moved to another top node moves its words there.
    stored = session.get(Appeal, first)
    status = str(stored.status)
    stored.category_id = r.c_misc
    session.commit()
    scoped = _scoped(session)
    assert scoped[("подъезд", "category", r.c_other, status)] == 1
    assert ("подъезд", "category", r.c_housing, status) not in scoped
    assert _counts(session) == _recounted(session)
    # An appeal added and removed through the session (no service) is counted and uncounted.
    bare = Appeal(category_id=r.c_yard, text="Ёлка упала на тротуар", address="Ёлочная ул., 7",
                  search_words=document_words("Ёлка упала на тротуар"))
    session.add(bare)
    session.commit()
    assert bare.search_address == "елочная ул., 7"
    assert _counts(session)[("address", "елочная", "moderation")] == 1
    assert _counts(session)[("word", "елка", "moderation")] == 1
    session.delete(bare)
    session.commit()
    assert ("address", "елочная", "moderation") not in _counts(session)
    assert _counts(session) == _recounted(session)


def test_a_bulk_writer_adds_what_a_recount_finds(session):
    r = build_region(session)
    for i, (body, where) in enumerate([("Подъезд не убран", "ул. Садовая, 2"), ("Снег во дворе", None)]):
        submit(session, r, text=body, address=where, now=T0 + hours(i))
    expected, expected_scoped = _counts(session), _scoped(session)
    assert expected_scoped
    session.execute(delete(SearchTerm))
    session.execute(delete(ScopedTerm))
    rows = session.execute(select(Appeal.status, Appeal.search_words, Appeal.search_address, Appeal.top_category_id,
                                  Appeal.top_territory_id)).all()
    search_terms.add_rows(session.connection(), rows)
    assert _counts(session) == expected and _scoped(session) == expected_scoped


def test_the_bounds_of_a_query_from_the_counts(session, monkeypatch):
    r = build_region(session)
    for i in range(3):
        submit(session, r, text=f"Грязный подъезд {i}", address="ул. Садовая, д. 1", now=T0 + hours(i))
    submit(session, r, text="Подъезды не моют", address="ул. Садовническая, д. 2", now=T0 + hours(4))
    submit(session, r, text="Сад у дома зарос", address="пр. Мира, д. 3", now=T0 + hours(5))
    session.commit()

    def bounds(query: str):
        return search_bounds(session, query_words(query), folded_address(query))

    word = bounds("подъезд")  # four appeals have the lemma, no address has the run
    assert (word.at_least(), word.at_most()) == (4, 4)
    assert word.at_least({"moderation"}) == 4 and word.at_most({"closed"}) == 0
    street = bounds("садов")  # a run within two address terms (3 + 1), and «сад» of «Сад у дома»
    assert street.address_at_most() == 4 and street.at_most() == 5 and street.at_least() == 3
    several = bounds("ул. Садовая")  # two runs: bounded by the rarer, nothing known from below
    assert several.at_most() == 3 + 0 and several.at_least() == 0
    never = bounds("снегирь")
    assert (never.at_least(), never.at_most()) == (0, 0)
    # Two words: the rarer is tested first on the rows a page walks; their pair is keyed in binary
    # order and unknown until searched (services/search_pairs).
    monkeypatch.setattr(search_pairs, "PAIR_LEMMA_MIN", 0)  # four appeals make a lemma common here
    two = bounds("подъезд сад")
    assert [w.forms for w in two.rarest_first(query_words("подъезд сад"))] == [("сад",), ("подъезд",)]
    assert two.pair == ("подъезд", "сад") and two.pair_counts is None and two.at_least() == 0


def test_postgresql_reads_the_address_terms_of_a_query_by_trigram(migrated):
    """The bounds read the address terms holding each run of the query (`LIKE '%run%'`): on
    PostgreSQL from the trigram index of the address terms (revision b8d1f4a6c2e9), not by a scan of
    every term (1.1 ms of each search page at 5M). Among 3,000 other streets, as in a large region."""
    engine, session = migrated
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's trigram index; SQLite scans the address terms")
    r = build_region(session)
    for i in range(3):
        submit(session, r, text=f"Яма у дома {i}", address=f"ул. Садовая, д. {i}", now=T0 + hours(i))
    session.execute(insert(SearchTerm), [dict(field="address", term=f"улица{i}", status="closed", appeals=1)
                                         for i in range(3_000)])
    session.commit()
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE searchterm")
    query = "Садовая"
    with captured_statements(engine) as statements:
        bounds = search_bounds(session, query_words(query), folded_address(query))
    assert bounds.address_at_most() == 3
    (statement, parameters), = [(s, p) for s, p in statements if "FROM searchterm" in s and "LIKE" in s]
    with engine.connect() as conn:
        plan = "\n".join(conn.exec_driver_sql("EXPLAIN " + statement, parameters).scalars())
    assert "ix_searchterm_address_trgm" in plan, plan
