"""The search's conditions as each backend reads them: SQLite's FTS5 tables (the lemmas; trigrams of
the address), PostgreSQL's stored tsvector of the lemmas (GIN) and the folded address (pg_trgm), both
made by the migrations; on a database made without them, the stored lemmas and address scanned."""

from functools import lru_cache

from sqlalchemy import and_, false, func, literal_column, or_, select, table
from sqlalchemy import text as sql_text
from sqlmodel import Session

from ..domain.models import Appeal
from ..domain.search_words import QueryWord, folded_address, query_words


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


def address_like(address: str):
    """The folded query as a substring of the stored folded address (a plain LIKE on the row)."""
    return Appeal.search_address.like(contains_pattern(address), escape="\\")


FTS_IDS = "SELECT rowid FROM appeal_fts_words WHERE appeal_fts_words MATCH :match"
FTS_ADDRESS_IDS = "SELECT rowid FROM appeal_fts WHERE appeal_fts MATCH :match"


def id_in(ids: list[int]):
    return Appeal.id.in_(ids) if ids else false()


def text_condition(session: Session, search: str):
    """Words of the text as Russians search them (domain/search_words: every query word in any of its
    forms, ё read as е, a word the dictionary does not know as the beginning of a word), or the query
    as a substring of the address (street names and house numbers are not dictionary words)."""
    words = query_words(search)
    address = address_search(session, search)
    return or_(word_search(session, words), address) if words else address


def word_search(session: Session, words: list[QueryWord], first: int | None = None):
    """SQLite: the FTS5 table of the lemmas; PostgreSQL: the stored tsvector of the lemmas (GIN index,
    and statistics of how often each lemma occurs, so the planner chooses between reading the
    index and testing the rows it walks); a scan of the lemmas elsewhere (a database made without
    the migrations). `first`: SQLite reads only that many matches from its FTS5 table (else all of
    them, before the statement that tests them stops)."""
    bind = session.get_bind()
    if has_sqlite_table(bind, "appeal_fts_words"):
        return Appeal.id.in_(sql_text(FTS_IDS + ("" if first is None else f" LIMIT {int(first)}"))
                             .bindparams(match=fts_words_match(words)))
    if bind.dialect.name == "postgresql":
        return pg_words(bind, words)
    return scanned_words(words)


def pg_words(engine, words: list[QueryWord]):
    """The words against `appeal.search_vector` (PostgreSQL: a column the migration generates from the
    lemmas; it is not in the model, which SQLite shares), or a tsvector made per row without it."""
    query = " & ".join("(" + " | ".join([*w.forms, *([w.prefix + ":*"] if w.prefix else [])]) + ")" for w in words)
    vector = literal_column("appeal.search_vector") if has_search_vector(engine) else \
        func.to_tsvector(literal_column("'simple'"), Appeal.search_words)
    return vector.op("@@")(func.to_tsquery(literal_column("'simple'"), query))


def fts_words_match(words: list[QueryWord]) -> str:
    return " AND ".join("(" + " OR ".join([f'"{form}"' for form in w.forms]
                                          + ([f'"{w.prefix}"*'] if w.prefix else [])) + ")" for w in words)


def fts_ids(fts_table: str, match: str):
    """SQLite: the ids (rowids) an FTS5 table's MATCH finds, as a select."""
    return select(literal_column("rowid")).select_from(table(fts_table)).where(
        sql_text(f"{fts_table} MATCH :{fts_table}").bindparams(**{fts_table: match}))


def has_open_tables(session: Session) -> bool:
    return has_sqlite_table(session.get_bind(), "appeal_fts_open_address")


def fts_open_phrase(address: str) -> str:
    return '"' + address.replace('"', '""') + '"'


def fts_phrase(search: str) -> str:
    return 'address : "' + search.replace('"', '""') + '"'


def scanned_words(words: list[QueryWord]):
    """The words tested on the row's lemmas (the same matches as the FTS table: whole lemmas, or
    the beginning of one for a word the dictionary does not know)."""
    padded = " " + Appeal.search_words + " "

    def having(run: str, pattern: str):
        # instr first: most rows lack the run, and are then refused without building the padded copy
        # (a common word's page walks thousands of rows: «мусор вывозят» 13 → 10.5 ms at 1M).
        return and_(func.instr(Appeal.search_words, run) > 0, padded.like(pattern))
    return and_(*(or_(*[having(form, f"% {form} %") for form in w.forms],
                      *([having(w.prefix, f"% {w.prefix}%")] if w.prefix else [])) for w in words))


def address_search(session: Session, search: str):
    """Substring of the address, case-insensitive, ё read as е: SQLite's FTS5 trigram table (three
    characters at least), else the stored folded address (PostgreSQL: its trigram index)."""
    if len(fold_yo(search)) >= 3 and has_sqlite_table(session.get_bind(), "appeal_fts"):
        return Appeal.id.in_(sql_text("SELECT rowid FROM appeal_fts WHERE appeal_fts MATCH :phrase")
                             .bindparams(phrase=fts_phrase(fold_yo(search))))
    return address_like(folded_address(search))


@lru_cache(maxsize=32)
def has_search_vector(engine) -> bool:
    """Whether the migrations made PostgreSQL's `appeal.search_vector`."""
    with engine.connect() as conn:
        return conn.execute(sql_text("SELECT 1 FROM information_schema.columns WHERE table_name = 'appeal' "
                                     "AND column_name = 'search_vector' AND table_schema = current_schema()")
                            ).first() is not None


@lru_cache(maxsize=32)
def has_sqlite_table(engine, name: str) -> bool:
    """Whether the migrations made this search table or index (SQLite only)."""
    if engine.dialect.name != "sqlite":
        return False
    with engine.connect() as conn:
        return conn.execute(sql_text("SELECT 1 FROM sqlite_master WHERE name = :name"), {"name": name}).first() is not None
