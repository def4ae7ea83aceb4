"""The queue's search: an appeal number is handled by the queue itself; words of the text are matched
in any of their forms (domain/search_words: lemmas, ё as е), the address as a substring. SQLite
reads FTS5 tables, PostgreSQL a GIN index of the lemmas and pg_trgm on the address, both made by the
migrations; a database made without them is scanned."""

import re
from functools import lru_cache

from sqlalchemy import and_, func, literal_column, or_, select, union
from sqlalchemy import text as sql_text
from sqlmodel import Session

from ..domain.limits import SEARCH_MAX
from ..domain.models import Appeal
from ..domain.search_words import QueryWord, marked, query_words


def fold_yo(value: str) -> str:
    """ё and е are one letter for the search (most texts are typed without ё)."""
    return value.replace("ё", "е").replace("Ё", "Е")


def folded(column):
    # The same expression as the trigram indexes of the migrations (literal arguments, so that
    # PostgreSQL recognises the indexed expression).
    return func.replace(func.replace(column, literal_column("'ё'"), literal_column("'е'")),
                        literal_column("'Ё'"), literal_column("'Е'"))


def contains_pattern(value: str) -> str:
    """A LIKE pattern matching `value` literally anywhere (escape character: backslash)."""
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def text_condition(session: Session, search: str):
    """Words of the text as Russians search them (domain/search_words: every query word in any of its
    forms, ё read as е, a word the dictionary does not know as the beginning of a word), or the query
    as a substring of the address (street names and house numbers are not dictionary words)."""
    words = query_words(search)
    address = _address_search(session, fold_yo(search))
    if len(words) > 1 and session.get_bind().dialect.name == "postgresql":
        # The planner multiplies the words' shares (8k rows expected for two common words that never
        # meet) and walks the deadline index testing every appeal (11–20 s at 1M): the ids are read
        # from the two indexes first (GIN of the lemmas, trigrams of the address), once.
        found = union(select(Appeal.id).where(_word_search(session, words)), select(Appeal.id).where(address))
        matched = found.cte("text_match").prefix_with("MATERIALIZED")
        return Appeal.id.in_(select(matched.c.id))
    return or_(_word_search(session, words), address) if words else address


def _word_search(session: Session, words: list[QueryWord]):
    """SQLite: the FTS5 table of the lemmas; PostgreSQL: the GIN index of their tsvector; a scan of
    the lemmas elsewhere (a database made without the migrations)."""
    bind = session.get_bind()
    if has_sqlite_table(bind, "appeal_fts_words"):
        match = " AND ".join("(" + " OR ".join([f'"{form}"' for form in w.forms]
                                               + ([f'"{w.prefix}"*'] if w.prefix else [])) + ")" for w in words)
        return Appeal.id.in_(sql_text("SELECT rowid FROM appeal_fts_words WHERE appeal_fts_words MATCH :match")
                             .bindparams(match=match))
    if bind.dialect.name == "postgresql":  # the expression of ix_appeal_search_words_fts
        query = " & ".join("(" + " | ".join([*w.forms, *([w.prefix + ":*"] if w.prefix else [])]) + ")"
                           for w in words)
        return func.to_tsvector(literal_column("'simple'"), Appeal.search_words).op("@@")(
            func.to_tsquery(literal_column("'simple'"), query))
    padded = " " + Appeal.search_words + " "
    return and_(*(or_(*[padded.like(f"% {form} %") for form in w.forms],
                      *([padded.like(f"% {w.prefix}%")] if w.prefix else [])) for w in words))


def _address_search(session: Session, search: str):
    """Substring of the address, case-insensitive, ё read as е (`search` comes folded): SQLite's FTS5
    trigram table (three characters at least), PostgreSQL's trigram index on the folded address."""
    if len(search) >= 3 and has_sqlite_table(session.get_bind(), "appeal_fts"):
        phrase = 'address : "' + search.replace('"', '""') + '"'
        return Appeal.id.in_(sql_text("SELECT rowid FROM appeal_fts WHERE appeal_fts MATCH :phrase")
                             .bindparams(phrase=phrase))
    return folded(Appeal.address).ilike(contains_pattern(search), escape="\\")


def mark_found_words(rows: list[dict], search: str) -> None:
    """The shown text of each row in pieces, the words the search matched marked (the queue highlights
    them); no pieces without a word search."""
    words = [] if re.fullmatch(r"[№#]?\s*[0-9]+", search.strip()) else query_words(search[:SEARCH_MAX])
    for row in rows:
        pieces = marked(row["text"], words) if words else []
        row["text_parts"] = [[piece, found] for piece, found in pieces] if any(f for _, f in pieces) else []


@lru_cache(maxsize=32)
def has_sqlite_table(engine, name: str) -> bool:
    """Whether the migrations made this search table (SQLite only)."""
    if engine.dialect.name != "sqlite":
        return False
    with engine.connect() as conn:
        return conn.execute(sql_text("SELECT 1 FROM sqlite_master WHERE name = :name"), {"name": name}).first() is not None
