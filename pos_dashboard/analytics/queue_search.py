"""The queue's search: an appeal number is handled by the queue itself; words of the text are matched
in any of their forms (domain/search_words: lemmas, ё as е), the address as a substring. Each
backend's conditions are in analytics/search_sql; here, how many appeals a search matches decides
how the page reads them: by their ids when few, tested on the rows it walks when common."""

import re
from dataclasses import replace

from sqlalchemy import and_, bindparam, false, func, or_, select, union
from sqlalchemy import text as sql_text
from sqlalchemy.sql.elements import TextClause
from sqlmodel import Session

from ..db import shared_database
from ..domain.enums import OPEN_STATUS_VALUES
from ..domain.limits import SEARCH_MAX, is_valid_id
from ..domain.models import Appeal
from ..domain.numbers import external_refs_for
from ..domain.search_words import QueryWord, folded_address, marked, marked_run, query_words
from ..services import search_pairs
from ..services.search_terms import APPEALS_WRITTEN
from . import deadline_range, queue_counts
from .fts_counts import IndexedSearch
from .queue_counts import PlannedSearch
from .pg_settings import local_settings
from .search_bounds import Bounds, scoped_bounds, search_bounds
from .search_sql import (FTS_ADDRESS_IDS, FTS_IDS, address_like, address_search, fold_yo, fts_open_phrase, fts_phrase,
                         fts_words_match, has_open_tables, has_search_vector, has_sqlite_table, id_in, pg_words,
                         scanned_words, text_condition, word_search)


# A search matching at most this many appeals is narrowed to their ids, read from the indexes alone:
# the page and every count are then exact and cost at most this many row reads. A commoner search
# is tested on the rows the page walks (a common word matches every few rows), and its counts stop
# at queue_counts.COUNT_CAP.
EXACT_IDS_MAX = 2_000
BEGUN_LEMMAS_MAX = 16  # a beginning read as the lemmas it begins, at most this many (_present)


def search_condition(session: Session, search: str):
    """(condition, common) of the search box: an appeal number (resolved to ids), words and address
    (search_scope), or (None, None) without a search."""
    search = search[:SEARCH_MAX].strip()
    if _is_number(search):
        number = int(search.lstrip("№#"))
        # Resolved to ids first: an OR of the two lookups makes SQLite scan every appeal.
        ids = list(session.execute(select(Appeal.id).where(Appeal.external_ref.in_(external_refs_for(number))))
                   .scalars())
        return id_in(ids + ([number] if is_valid_id(number) else [])), None
    return search_scope(session, search) if search else (None, None)


def search_scope(session: Session, search: str):
    """(condition, common): the appeals the words or the address match. With at most EXACT_IDS_MAX
    matches the condition is their ids and common is None; otherwise the condition is tested on
    each row the page reads and common counts the matches up to the cap (queue_counts). The term
    counts (search_bounds) tell a common search from a rare one without reading the search's
    indexes; only a search they leave undecided (several words, or an address of several runs)
    reads its first matches from the indexes to find out."""
    words, address = query_words(search), folded_address(search)
    bounds = _with_pair_learnt(session, search_bounds(session, words, address))
    most = bounds.at_most()
    if bounds.at_least() > queue_counts.COUNT_CAP:  # common: the indexes would be read at length for nothing
        return _common(session, words, address, bounds)
    if most == 0:  # a word that occurs in no appeal, and no address term holds the query's runs
        return false(), None
    if not has_sqlite_table(session.get_bind(), "appeal_fts_words"):
        found = _text_ids(session, search, words, bounds)
        if found is not None:
            return id_in(found), None
        return _common(session, words, address, bounds if most is None or most > EXACT_IDS_MAX else None)
    words_match = fts_words_match(words) if words else None
    word_ids = _ids(session, sql_text(f"{FTS_IDS} LIMIT :n").bindparams(match=words_match, n=EXACT_IDS_MAX + 1)) \
        if words else []
    fts_address = fold_yo(search)
    phrase = fts_phrase(fts_address) if len(fts_address) >= 3 and has_sqlite_table(session.get_bind(), "appeal_fts") \
        else None
    # A common word needs no look at the addresses yet (the trigram table also indexes the texts, so
    # a common word's trigrams are read at length): its rows test the address, its counts read it
    # only when the words' matches stay under the cap.
    address_ids = None if word_ids is None and phrase else _ids(session, sql_text(
        f"{FTS_ADDRESS_IDS} LIMIT :n").bindparams(match=phrase, n=EXACT_IDS_MAX + 1) if phrase
        else select(Appeal.id).where(address_like(address)))
    if word_ids is not None and address_ids is not None and len(found := {*word_ids, *address_ids}) <= EXACT_IDS_MAX:
        return id_in(sorted(found)), None
    return _common(session, words, address, bounds, address_ids=address_ids)


def _with_pair_learnt(session: Session, bounds: Bounds) -> Bounds:
    """Two words whose pair of sides was never searched: counted now and remembered
    (services/search_pairs), so that this search and the next know from the counts alone whether
    they meet. Not learnt in a session that wrote appeals it has not committed (the count runs on a
    connection of its own, which would not see them), nor in a database held in memory."""
    engine = _learning_engine(session)
    if bounds.pair is None or bounds.pair_counts is not None or engine is None:
        return bounds
    # The pair's own lemmas, not the words' forms: a form that came to occur since the term counts were
    # read is another pair's.
    sides = [QueryWord(tuple(sorted(search_pairs.side_lemmas(side)))) for side in bounds.pair]
    matches = word_search(session, sides, first=search_pairs.PAIR_EXACT_MAX + 1)
    open_matches = and_(open_condition(), matches) if engine.dialect.name == "postgresql" else None
    learnt = search_pairs.learn(engine, bounds.pair, matches, open_matches)
    return replace(bounds, pair_counts=learnt) if learnt is not None else bounds


def learn_status_bound(session: Session, common, status: str) -> None:
    """More than the cap of a common pair's matches read under one status (analytics/queue: a status
    read): that status's lower bound raised to them (services/search_pairs.learn_status), so that the
    next search knows it without reading them. Not where a pair is not learnt, or (as
    _with_pair_learnt) in a session that wrote appeals it has not committed, or in memory."""
    bounds = common.bounds
    engine = _learning_engine(session)
    if bounds is None or bounds.pair is None or bounds.pair_counts is None or bounds.pair_counts.per_status is not None \
            or engine is None:
        return
    search_pairs.learn_status(engine, bounds.pair, status, common.status_test({status}), queue_counts.COUNT_CAP + 1)


def _learning_engine(session: Session):
    """The engine a pair's learner counts on, on a connection of its own; None where that would not
    see what the session sees: it wrote appeals it has not committed, or the database is in memory."""
    engine = getattr(session.get_bind(), "engine", session.get_bind())
    return None if session.info.get(APPEALS_WRITTEN) or not shared_database(engine) else engine


def _common(session: Session, words: list[QueryWord], address: str, bounds: Bounds | None, *,
            address_ids: list[int] | None = None):
    """A search matching more than EXACT_IDS_MAX appeals (or more than COUNT_CAP, as the term counts
    show): tested on the rows the page walks, only for what can match (the lemmas that occur, the
    address when some address has the query's runs), on the stored lemmas (SQLite: LIKE; PostgreSQL:
    the stored tsvector) and the stored folded address; its counts stop at the cap (queue_counts)."""
    postgres = session.get_bind().dialect.name == "postgresql"
    present = [_present(w, bounds, begun_as_lemmas=postgres) for w in words]
    with_words = bool(words) and (bounds is None or bounds.words_at_most() > 0)
    address_most = None if bounds is None else bounds.address_at_most()
    with_address = address_ids is None and (address_most is None or address_most > 0)
    by_rarity = present if bounds is None else bounds.rarest_first(present)
    words_row = (pg_words(session.get_bind(), present) if postgres else scanned_words(by_rarity)) if with_words else None
    address_row = Appeal.id.in_(address_ids) if address_ids else address_like(address) if with_address else None
    parts = [part for part in (words_row, address_row) if part is not None]
    row = or_(*parts) if parts else false()
    if postgres:
        # Tested on the rows read (the planner would read the GIN index of every appeal: its
        # statistics estimate the share well, but not what 81k postings cost), or read from the
        # partial indexes of the open appeals. The open matches are read first, alone (MATERIALIZED):
        # beside other filters the planner would read the GIN index of every appeal, or drop the open
        # condition from their index.
        tested = row.is_(True)
        ranged, everywhere = _ranged(session, words_row, address_row, present)
        open_matches = select(Appeal.id).where(open_condition(), row).cte("open_match").prefix_with("MATERIALIZED")
        return tested, PlannedSearch(tested, bounds, open_condition=Appeal.id.in_(select(open_matches.c.id)),
                                     open_test=row, open_status=open_condition(), ranged=ranged,
                                     ranged_everywhere=everywhere,
                                     week_forms=tuple(w.forms for w in present) if everywhere else ())
    if has_sqlite_table(session.get_bind(), "appeal_fts_words") and (address_ids is not None or not with_address
                                                                  or len(address) >= 3):
        everywhere = _sqlite_ranged(session, with_words, with_address, address_ids, present)
        common = IndexedSearch(words_match=fts_words_match(words) if with_words else None, words_row=words_row,
                               address_ids=address_ids if address_ids is not None else None if with_address else [],
                               address_phrase=fts_phrase(address) if len(address) >= 3 else None,
                               address_row=address_like(address), bounds=bounds,
                               open_words=fts_words_match(words) if with_words and has_open_tables(session) else None,
                               open_address=fts_open_phrase(address) if with_address and address_ids is None
                               and len(address) >= 3 and has_open_tables(session) else None,
                               few_settled_words=fts_words_match(words) if with_words and has_sqlite_table(
                                   session.get_bind(), "appeal_fts_few_settled_words") else None,
                               ranged_everywhere=everywhere,
                               week_forms=tuple(w.forms for w in present) if everywhere else ())
        return common.row_condition(), common
    # A common one- or two-letter address, which SQLite's trigram table cannot read, or a database
    # without the search tables: tested row by row only.
    return row, PlannedSearch(row, bounds)


def _present(word: QueryWord, bounds: Bounds | None, begun_as_lemmas: bool) -> QueryWord:
    """The word's lemmas that occur (the term counts tell). `begun_as_lemmas` (PostgreSQL): a word
    read as a beginning becomes the lemmas that occur and begin with it, when at most
    BEGUN_LEMMAS_MAX: its index reads them as keys, also within a range of deadlines (_ranged), where
    a beginning is a scan of the index's keys (75 ms at 5M for «подъез» with a range)."""
    if bounds is None:
        return word
    forms = tuple(f for f in word.forms if f in bounds.present_forms)
    if begun_as_lemmas and word.prefix:
        begun = sorted(term for term in bounds.present_forms if term.startswith(word.prefix))
        if len(begun) <= BEGUN_LEMMAS_MAX:
            return QueryWord(tuple(dict.fromkeys([*forms, *begun])))
    return QueryWord(forms, word.prefix)


def _sqlite_ranged(session: Session, with_words: bool, with_address: bool, address_ids: list[int] | None,
                   words: list[QueryWord]) -> bool:
    """SQLite: whether a page by deadline of the whole region reads the search within a range of
    deadlines from the FTS5 table of the lemmas by week (revision d7b2e5a9f3c1): words alone (no
    address matches), each with lemmas that occur, none read as a beginning."""
    return with_words and not with_address and not address_ids and all(w.forms and not w.prefix for w in words) \
        and deadline_range.has_word_weeks(getattr(session.get_bind(), "engine", session.get_bind()))


def _ranged(session: Session, words_row, address_row, words: list[QueryWord]) -> tuple[bool, bool]:
    """PostgreSQL: (whether the open appeals' indexes read the search's test within a range of
    deadlines; whether the indexes of every appeal do too). Their word indexes hold the deadline and
    so does the open appeals' address index (revision a4d8f2b6c9e1), not the address index of every
    appeal. Neither for a word read as a beginning (the index then reads every lemma it begins: 75 ms
    at 5M with a range), without the stored tsvector, or with nothing to test."""
    if (words_row is None and address_row is None) or any(w.prefix for w in words) \
            or (words_row is not None and not has_search_vector(session.get_bind())):
        return False, False
    return True, address_row is None


def scoped_counts(session: Session, search: str, bounds: Bounds, scope: str, node_id: int) -> dict[str, int] | None:
    """The search's matches per status under one top category or territory (`scope` "category" or
    "territory"), when the word counts of that node settle them exactly; else None."""
    words = query_words(search[:SEARCH_MAX].strip())
    return scoped_bounds(session, bounds, words, scope, node_id).exact_counts() if words else None


def open_condition():
    """The appeals still in work, rendered with the values written out, as the predicate of the
    partial indexes of the open appeals (SQLite uses a partial index only for a condition that reads
    exactly like its predicate)."""
    return Appeal.status.in_(bindparam("open_statuses", list(OPEN_STATUS_VALUES), expanding=True,
                                       literal_execute=True))


def walk_index(session: Session, open_only: bool) -> str:
    """The index SQLite walks for a common search by deadline: the covering one of the migrations
    (the lemmas and the address beside the order: the rows are not read), else the plain one."""
    covering = "ix_appeal_open_covering" if open_only else "ix_appeal_deadline_covering"
    if has_sqlite_table(session.get_bind(), covering):
        return covering
    return "ix_appeal_open_deadline" if open_only else "ix_appeal_deadline_at"


def _ids(session: Session, statement) -> list[int] | None:
    """The ids a statement reads, when at most EXACT_IDS_MAX (else None)."""
    if not isinstance(statement, TextClause):
        statement = statement.limit(EXACT_IDS_MAX + 1)
    found = list(session.execute(statement).scalars())
    return found if len(found) <= EXACT_IDS_MAX else None


def _text_ids(session: Session, search: str, words: list[QueryWord], bounds: Bounds) -> list[int] | None:
    """The ids the words or the address match, when at most EXACT_IDS_MAX (else None). PostgreSQL, for
    several words: each part read from its own index (GIN of the lemmas, trigrams of the address)
    and stopped past EXACT_IDS_MAX, a part the term counts show empty not read (a word that occurs
    nowhere; no address term holding the query's runs). The planner multiplies the words' shares
    (8k rows expected at 1M for two common words that never meet) and would scan the table for them;
    reading every match of two words that often meet («мусор вывозят», 35k at 1M) fetched all their
    rows: 274 ms."""
    if session.get_bind().dialect.name != "postgresql" or len(words) < 2:
        return _ids(session, select(Appeal.id).where(text_condition(session, search)))
    words_match, words_most = word_search(session, words), bounds.words_at_most()
    parts = ((words_match, words_most), (address_search(session, search), bounds.address_at_most()))
    reads = [select(Appeal.id).where(part).limit(EXACT_IDS_MAX + 1) for part, most in parts if most != 0]
    if not reads:
        return []
    with local_settings(session, enable_seqscan="off"):
        # More open matches than that settle it from the open appeals' index, a fourteenth of the
        # postings («мусор вывозят» at 5M: 12 ms against 100 for the index of every appeal).
        open_matches = select(Appeal.id).where(open_condition(), words_match).limit(EXACT_IDS_MAX + 1).subquery()
        if words_most != 0 and session.execute(
                select(func.count()).select_from(open_matches)).scalar_one() > EXACT_IDS_MAX:
            return None
        found = set(session.execute(union(*reads) if len(reads) > 1 else reads[0]).scalars())
    return sorted(found) if len(found) <= EXACT_IDS_MAX else None


def _is_number(search: str) -> bool:
    """An appeal number («12345», «№12345»): looked up as a number, not as words."""
    return re.fullmatch(r"[№#]?\s*[0-9]+", search) is not None


def mark_found_words(rows: list[dict], search: str) -> None:
    """The shown text and address of each row in pieces, what the search matched marked (the queue
    highlights it): the words of the text, the query as a substring of the address; no pieces
    without a search, or where nothing is marked."""
    number = _is_number(search.strip())
    words = [] if number else query_words(search[:SEARCH_MAX])
    address = "" if number else folded_address(search[:SEARCH_MAX].strip())
    for row in rows:
        pieces = marked(row["text"], words) if words else []
        row["text_parts"] = [[piece, found] for piece, found in pieces] if any(f for _, f in pieces) else []
        row["address_parts"] = [[piece, found] for piece, found in marked_run(row["address"], address)]


