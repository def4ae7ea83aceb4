"""Appeals per searched pair of lemmas (services/search_pairs): learnt on the first search of two
words, kept exact by every writer, and read by the queue instead of the words' indexes (two words
that never meet match nothing at once; two that often meet are common at once)."""

import threading
import time

import pytest
from sqlalchemy import select, text
from sqlmodel import Session

from pos_dashboard.analytics import fts_counts, queue, queue_counts, queue_search
from pos_dashboard.analytics.queue import QueueFilter, fetch_queue_page
from pos_dashboard.domain.models import Appeal, SearchPair
from pos_dashboard.domain.search_words import query_words
from pos_dashboard.services import appeals, search_pairs, search_terms

from .factories import T0, build_region, hours, submit
from .sql_capture import captured_statements

GARBAGE = ("вывозить", "мусор")  # «мусор вывозят», as the pair is keyed (in binary order)
NEVER = ("вывозить", "подъезд")  # «вывозят подъезд»: the texts below never have both


@pytest.fixture(autouse=True)
def few_appeals_make_a_lemma_common(monkeypatch):
    """The regions here have a lemma in a few appeals: every pair of them is learnt."""
    monkeypatch.setattr(search_pairs, "PAIR_LEMMA_MIN", 0)


def _page(session, **filters):
    return fetch_queue_page(session, QueueFilter(**filters), page=0, page_size=50, now=T0 + hours(13))


def _learnt(session: Session, pair: tuple[str, str]) -> dict[str, int]:
    session.commit()  # a fresh read of what the writers and the learner committed
    return {r.status: r.appeals for r in session.execute(select(SearchPair).where(
        SearchPair.first == pair[0], SearchPair.second == pair[1])).scalars() if r.appeals or r.status == "*"}


def _recounted(session: Session, pair: tuple[str, str]) -> dict[str, int]:
    """The pair counted from the appeals: per status, and the total under "*"."""
    counts: dict[str, int] = {}
    for status, words in session.execute(select(Appeal.status, Appeal.search_words)):
        if all(search_pairs.side_lemmas(side) & set((words or "").split()) for side in pair):
            counts[str(status)] = counts.get(str(status), 0) + 1
    return {**counts, "*": sum(counts.values())}


def _garbage_region(session):
    r = build_region(session)
    garbage = [submit(session, r, text=f"Мусор не вывозят уже неделю {i}", now=T0 + hours(i)) for i in range(4)]
    for appeal_id in garbage[:3]:
        appeals.perform(session, actor=r.coordinator, appeal_id=appeal_id, action="approve_moderation",
                        now=T0 + hours(12))
    beside = submit(session, r, text="Мусор у подъезда лежит", now=T0 + hours(6))
    submit(session, r, text="В подъезде не моют полы", now=T0 + hours(7))
    session.commit()
    return r, garbage, beside


def _gains_the_other_word(session: Session, appeal_id: int) -> None:
    """The appeal's lemmas get «вывозить» (as an edit of its text would), flushed, not committed."""
    appeal = session.get(Appeal, appeal_id)
    appeal.search_words = appeal.search_words + " вывозить"
    session.flush()


def test_a_searched_pair_is_learnt_and_kept_exact_by_every_writer(migrated):
    engine, session = migrated
    r, garbage, _beside = _garbage_region(session)
    assert _learnt(session, GARBAGE) == {}
    page = _page(session, status="all", search="мусор вывозят")
    assert {row["id"] for row in page.rows} == set(garbage)
    assert _learnt(session, GARBAGE) == _recounted(session, GARBAGE) == {"in_work": 3, "moderation": 1, "*": 4}

    # A new appeal, a status change, a text that loses one of the words: each writer keeps the pair.
    added = submit(session, r, text="Опять не вывозят мусор", now=T0 + hours(8))
    session.commit()
    assert _learnt(session, GARBAGE) == _recounted(session, GARBAGE) == {"in_work": 3, "moderation": 2, "*": 5}
    appeals.perform(session, actor=r.coordinator, appeal_id=added, action="approve_moderation", now=T0 + hours(12))
    session.commit()
    assert _learnt(session, GARBAGE) == _recounted(session, GARBAGE) == {"in_work": 4, "moderation": 1, "*": 5}
    edited = session.get(Appeal, garbage[0])
    edited.search_words = "мусор лежать"
    session.commit()
    assert _learnt(session, GARBAGE) == _recounted(session, GARBAGE) == {"in_work": 3, "moderation": 1, "*": 4}
    # The next search reads the pair's counts: the same rows, the counts exact.
    page = _page(session, status="all", search="мусор вывозят")
    assert page.total == 4 and page.status_counts == {"in_work": 3, "moderation": 1}

    # The bulk writers (the importer's rows, a rebuild after a bulk load) forget every pair: it is
    # learnt again on its next search.
    with engine.begin() as conn:
        search_terms.add_rows(conn, [("closed", "мусор вывозить двор", "", None, None)])
    assert _learnt(session, GARBAGE) == {}
    _page(session, status="all", search="мусор вывозят")
    assert _learnt(session, GARBAGE) == {"in_work": 3, "moderation": 1, "*": 4}
    with engine.begin() as conn:
        search_terms.rebuild(conn)
    assert _learnt(session, GARBAGE) == {}


def test_two_words_known_never_to_meet_read_no_index(migrated, monkeypatch):
    _engine, session = migrated
    _garbage_region(session)
    first = _page(session, status="all", search="вывозят подъезд")
    assert first.rows == [] and first.total == 0
    assert _learnt(session, NEVER) == {"*": 0}

    def no_read(*_args, **_kwargs):
        raise AssertionError("the words' matches were read from their index")
    monkeypatch.setattr(queue_search, "_ids", no_read)
    monkeypatch.setattr(queue_search, "_text_ids", no_read)
    monkeypatch.setattr(search_pairs, "learn", no_read)
    for status in ("open", "all"):
        page = _page(session, status=status, search="вывозят подъезда")
        assert page.rows == [] and page.total == 0 and page.status_counts == {}
        assert page.counts_complete and not page.counts_capped


def test_a_common_pair_is_remembered_as_common_and_searched_without_a_probe(migrated, monkeypatch):
    """More matches than the learner counts exactly (scaled down here): only lower bounds are kept
    (of the total, and per status of the matches it read), which tell the next search that the
    words are common, at once."""
    _engine, session = migrated
    _r, garbage, _beside = _garbage_region(session)
    monkeypatch.setattr(search_pairs, "PAIR_EXACT_MAX", 2)
    for module in (queue_counts, queue):
        monkeypatch.setattr(module, "COUNT_CAP", 2)
    monkeypatch.setattr(queue_search, "EXACT_IDS_MAX", 2)
    exact = sorted(garbage)
    first = _page(session, status="all", search="мусор вывозят")
    learnt = _learnt(session, GARBAGE)  # the learner stops one past what it counts exactly
    assert learnt.pop("+") == 3 and sum(learnt.values()) == 3
    assert all(n <= _recounted(session, GARBAGE)[status] for status, n in learnt.items())

    def no_read(*_args, **_kwargs):
        raise AssertionError("the words' matches were probed")
    monkeypatch.setattr(queue_search, "_ids", no_read)
    monkeypatch.setattr(queue_search, "_text_ids", no_read)
    again = _page(session, status="all", search="мусор вывозят")
    assert sorted(row["id"] for row in again.rows) == sorted(row["id"] for row in first.rows) == exact
    assert again.counts_capped and again.total == 3  # «более 2»


def test_a_common_pair_known_to_pass_the_cap_under_a_status_is_not_read_there(migrated, monkeypatch):
    """A common pair's lower bound per status, kept below the true count by every writer: under a
    status where it passes the cap, the page knows «более …» without reading the words' matches
    there (PostgreSQL read up to the cap + 1 of them under a closed status: «мусор вывозят»,
    «Завершено», 12 ms at 1M), and its rows are those of the exact reading."""
    engine, session = migrated
    _r, garbage, _beside = _garbage_region(session)
    for appeal_id in garbage:  # the status as a flush writes it: the term counts and the pairs follow
        session.get(Appeal, appeal_id).status = "closed"
    session.commit()
    learn = search_pairs.learn
    monkeypatch.setattr(search_pairs, "learn", lambda *_args, **_kwargs: None)
    exact = _page(session, status="closed", search="мусор вывозят")
    assert sorted(row["id"] for row in exact.rows) == sorted(garbage) and exact.total == 4
    monkeypatch.setattr(search_pairs, "learn", learn)
    monkeypatch.setattr(search_pairs, "PAIR_EXACT_MAX", 2)
    for module in (queue_counts, queue):
        monkeypatch.setattr(module, "COUNT_CAP", 2)
    monkeypatch.setattr(queue_search, "EXACT_IDS_MAX", 2)
    _page(session, status="all", search="мусор вывозят")
    assert _learnt(session, GARBAGE) == {"+": 3, "closed": 3}  # all three read were closed

    with captured_statements(engine) as statements:
        page = _page(session, status="closed", search="мусор вывозят")
    assert [row["id"] for row in page.rows] == [row["id"] for row in exact.rows]
    assert page.counts_capped and page.total == 3 and page.status_counts == {}  # «более 2»
    assert not [s for s, _ in statements if "@@" in s and "LIMIT" in s and "deadline_at, appeal.created_at" in s]

    # An appeal reopened, another one closed again: the bounds move with the counts, never above them.
    reopened = session.get(Appeal, garbage[0])
    reopened.status = "in_work"
    session.commit()
    assert _learnt(session, GARBAGE) == {"+": 3, "closed": 2, "in_work": 1}
    assert _recounted(session, GARBAGE) == {"closed": 3, "in_work": 1, "*": 4}
    reopened.status = "closed"
    session.commit()
    assert _learnt(session, GARBAGE) == {"+": 3, "closed": 3}  # and «in_work» 0
    page = _page(session, status="closed", search="мусор вывозят")
    assert page.total == 3 and [row["id"] for row in page.rows] == [row["id"] for row in exact.rows]


def test_a_status_read_past_the_cap_raises_that_statuses_bound(migrated, monkeypatch):
    """A common pair whose learner read too few of one status's matches to know them past the cap:
    the first page under that status reads them (more than the cap), and that status's lower bound
    is raised to what is counted then; the next page knows «более …» without reading them, with the
    same rows. A writer moving one of them away lowers the bound with the count."""
    engine, session = migrated
    _r, garbage, _beside = _garbage_region(session)
    for appeal_id, status in zip(garbage, ("closed", "closed", "rejected", "rejected"), strict=True):
        session.get(Appeal, appeal_id).status = status  # the learner reads the first three
    session.commit()
    monkeypatch.setattr(search_pairs, "PAIR_EXACT_MAX", 2)
    for module in (queue_counts, queue, fts_counts):
        monkeypatch.setattr(module, "COUNT_CAP", 1)
    monkeypatch.setattr(queue_search, "EXACT_IDS_MAX", 1)
    _page(session, status="all", search="мусор вывозят")
    assert _learnt(session, GARBAGE) == {"+": 3, "closed": 2, "rejected": 1}  # 1: not past the cap

    def page_reads() -> tuple[list[int], int, bool]:
        with captured_statements(engine) as statements:
            page = _page(session, status="rejected", search="мусор вывозят")
        reads = [s for s, _ in statements if "deadline_at, appeal.created_at" in s and "LIMIT" in s
                 and ("@@" in s or "MATCH" in s)]
        return [row["id"] for row in page.rows], page.total, bool(reads)
    assert page_reads() == (garbage[2:], 2, True)  # «более 1»: read
    assert _learnt(session, GARBAGE) == {"+": 3, "closed": 2, "rejected": 2}
    assert page_reads() == (garbage[2:], 2, False)  # known
    session.get(Appeal, garbage[3]).status = "closed"
    session.commit()
    assert _learnt(session, GARBAGE) == {"+": 3, "closed": 3, "rejected": 1}
    assert page_reads() == (garbage[2:3], 1, False)  # one: the bound and the term counts' most meet


def test_a_word_of_several_lemmas_is_a_side_of_its_lemmas(migrated):
    """«детская» is the adjective детский or the noun детская: both occur, so the pair's side is the
    set of them; learnt and kept exact as the pairs of one lemma are (an appeal with either counts
    once). Once a form that did not occur comes to, the search names another set: learnt afresh,
    never a count that misses that form."""
    _engine, session = migrated
    r = build_region(session)
    nursery = submit(session, r, text="Детский сад закрыт, площадка заперта", now=T0 + hours(1))
    submit(session, r, text="Площадка у дома в грязи", now=T0 + hours(2))
    session.commit()
    first = _page(session, status="all", search="детская площадка")
    only_adjective = ("детский", "площадка")  # «детская» the noun occurs nowhere yet
    assert [row["id"] for row in first.rows] == [nursery] and _learnt(session, only_adjective) == {"moderation": 1, "*": 1}

    playground = submit(session, r, text="Детская площадка сломана", now=T0 + hours(3))
    submit(session, r, text="Детская комната в поликлинике закрыта", now=T0 + hours(4))
    session.commit()
    both = ("|детская|детский", "площадка")
    assert _learnt(session, both) == {}
    page = _page(session, status="all", search="детская площадка")
    assert sorted(row["id"] for row in page.rows) == sorted([nursery, playground]) and page.total == 2
    assert _learnt(session, both) == _recounted(session, both) == {"moderation": 2, "*": 2}

    # Writers keep it: a new appeal with one form, a status change, an appeal losing the other word.
    again = submit(session, r, text="На детской площадке нет горки", now=T0 + hours(5))
    session.commit()
    assert _learnt(session, both) == _recounted(session, both) == {"moderation": 3, "*": 3}
    appeals.perform(session, actor=r.coordinator, appeal_id=again, action="approve_moderation", now=T0 + hours(12))
    session.get(Appeal, nursery).search_words = "детский сад закрыть"
    session.commit()
    assert _learnt(session, both) == _recounted(session, both) == {"moderation": 1, "in_work": 1, "*": 2}
    page = _page(session, status="all", search="детской площадки")
    assert sorted(row["id"] for row in page.rows) == sorted([playground, again])
    assert page.total == 2 and page.status_counts == {"moderation": 1, "in_work": 1}


def test_a_session_that_wrote_appeals_learns_no_pair(migrated):
    """The learner counts on a connection of its own, which cannot see what this session has not
    committed: it waits for the commit."""
    _engine, session = migrated
    _r, _garbage, beside = _garbage_region(session)
    _gains_the_other_word(session, beside)
    assert _page(session, status="all", search="мусор вывозят").total == 5
    session.commit()
    assert _learnt(session, GARBAGE) == {}
    assert _page(session, status="all", search="мусор вывозят").total == 5
    assert _learnt(session, GARBAGE) == _recounted(session, GARBAGE)


def _learn_beside_a_writer(engine, beside: int, holds_for: float):
    """search_pairs.learn while another session has flushed a change (the version row taken) and
    commits `holds_for` seconds later: (what learn returned, seconds it took)."""
    flushed = threading.Event()

    def writer():
        with Session(engine, expire_on_commit=False) as other:
            _gains_the_other_word(other, beside)  # the version row is taken; the change is not committed
            flushed.set()
            time.sleep(holds_for)
            other.commit()

    words = queue_search.word_search(Session(engine), query_words("мусор вывозят"))
    thread = threading.Thread(target=writer)
    thread.start()
    assert flushed.wait(10)
    started = time.perf_counter()
    learnt = search_pairs.learn(engine, GARBAGE, words)
    took = time.perf_counter() - started
    thread.join()
    return learnt, took


def test_learning_waits_for_a_writer_that_holds_the_version_row(migrated):
    """PostgreSQL: an appeal written while the pair is learnt is counted once, whichever commits
    first: the learner takes the version row every writer updates first."""
    engine, session = migrated
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL: SQLite has one writer at a time and counts in the statement that writes")
    _r, _garbage, beside = _garbage_region(session)
    learnt, took = _learn_beside_a_writer(engine, beside, holds_for=search_pairs.WAIT_MS / 1000 / 2)
    assert took > 0.02  # it waited for the writer's commit, and counted its change (4 without it)
    assert learnt.at_least == 5 and _learnt(session, GARBAGE) == _recounted(session, GARBAGE)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM searchpair WHERE status = '*'")).scalar_one() == 1


def test_a_writer_holding_on_longer_is_not_waited_for(migrated):
    """A long writer (an import) keeps the search waiting no longer than WAIT_MS: nothing is learnt
    then, the search reads its indexes, and a later search learns the pair."""
    engine, session = migrated
    _r, garbage, beside = _garbage_region(session)
    learnt, took = _learn_beside_a_writer(engine, beside, holds_for=search_pairs.WAIT_MS / 1000 * 5)
    assert learnt is None and took < search_pairs.WAIT_MS / 1000 * 4
    assert _learnt(session, GARBAGE) == {}
    page = _page(session, status="all", search="мусор вывозят")
    assert sorted(row["id"] for row in page.rows) == sorted([*garbage, beside])
    assert _learnt(session, GARBAGE) == _recounted(session, GARBAGE) == {"in_work": 3, "moderation": 2, "*": 5}


def test_a_pair_with_a_rarer_lemma_is_not_learnt(migrated, monkeypatch):
    """A word in at most PAIR_LEMMA_MIN appeals has an index cheap to read whole: no pair is kept
    for it, so the pairs a stream of made-up searches could add stay bounded."""
    _engine, session = migrated
    _r, garbage, _beside = _garbage_region(session)
    monkeypatch.setattr(search_pairs, "PAIR_LEMMA_MIN", 4)  # «мусор» is in 5 appeals, «вывозить» in 4
    page = _page(session, status="all", search="мусор вывозят")
    assert sorted(row["id"] for row in page.rows) == sorted(garbage) and page.total == 4
    assert _learnt(session, GARBAGE) == {}
