"""How often each search term occurs, kept in the transaction that changes the appeals (`searchterm`:
appeals per lemma of the text and per run of letters and digits of the address, per status).

The queue reads it to tell a common word from a rare one without reading the word's index (the GIN
index of PostgreSQL read 81k postings at 1M for «подъезд» only to learn that it was common), and to
know that a status holds more than the count cap of a word's matches without counting them.

ORM changes are tracked by one `before_flush` hook (which also sets `Appeal.search_address` of new
appeals), like services/queue_counters; bulk writers that bypass the ORM (the demo loader, the SPb
importer, the migration) set `search_address` themselves and call `add_rows` or `rebuild`.
"""

from collections import Counter
from collections.abc import Iterable

from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlmodel import Session

from ..domain.search_words import address_terms, folded_address
from .flush_changes import appeals_in_flush

WORD, ADDRESS = "word", "address"
_ADD = text("INSERT INTO searchterm (field, term, status, appeals) VALUES (:field, :term, :status, :n) "
            "ON CONFLICT (field, term, status) DO UPDATE SET appeals = searchterm.appeals + excluded.appeals")
_BATCH = 20_000


def terms_of(search_words: str, search_address: str) -> list[tuple[str, str]]:
    """The (field, term) pairs an appeal counts once each."""
    return [*((WORD, w) for w in set(search_words.split())),
            *((ADDRESS, t) for t in address_terms(search_address))]


def add_rows(conn: Connection, rows: Iterable[tuple]) -> None:
    """Count appeals written outside the ORM: `rows` are (status, search_words, search_address)."""
    deltas: Counter = Counter()
    for status, words, address in rows:
        for field, term in terms_of(words or "", address or ""):
            deltas[(field, term, str(status))] += 1
    _apply(conn, deltas)


def rebuild(conn: Connection) -> None:
    """Recount every term from the appeal table (after a bulk load), read in batches of ids."""
    conn.execute(text("DELETE FROM searchterm"))
    counts: Counter = Counter()
    last = 0
    while True:
        rows = conn.execute(text("SELECT id, status, search_words, search_address FROM appeal WHERE id > :last "
                                 "ORDER BY id LIMIT :n"), {"last": last, "n": _BATCH}).all()
        if not rows:
            break
        for _id, status, words, address in rows:
            for field, term in terms_of(words or "", address or ""):
                counts[(field, term, str(status))] += 1
        last = rows[-1][0]
    _apply(conn, counts)


def _apply(conn: Connection, deltas: Counter) -> None:
    # Sorted: two writers touching the same terms take their rows in one order (the services'
    # writers are serialised by the queue version row first anyway).
    changes = [{"field": f, "term": t, "status": s, "n": n} for (f, t, s), n in sorted(deltas.items()) if n]
    for start in range(0, len(changes), _BATCH):
        conn.execute(_ADD, changes[start:start + _BATCH])


def _before_flush(session: Session, _context, _instances) -> None:
    new, dirty, deleted = appeals_in_flush(session)
    if not (new or dirty or deleted):
        return
    deltas: Counter = Counter()
    for appeal in new:
        appeal.search_address = folded_address(appeal.address)
        for key in terms_of(appeal.search_words or "", appeal.search_address):
            deltas[(*key, str(appeal.status))] += 1
    conn = session.connection()
    for appeal in dirty + deleted:
        stored = conn.execute(text("SELECT status, search_words, search_address, address FROM appeal WHERE id = :id"),
                              {"id": appeal.id}).first()
        if stored is None:
            continue
        if appeal not in deleted:
            if appeal.address != stored[3]:
                appeal.search_address = folded_address(appeal.address)
            now = (str(appeal.status), appeal.search_words or "", appeal.search_address or "")
            if now == (str(stored[0]), stored[1], stored[2]):
                continue  # the common case: a change that moves no term (a deadline, an answer)
            for key in terms_of(now[1], now[2]):
                deltas[(*key, now[0])] += 1
        for key in terms_of(stored[1], stored[2]):
            deltas[(*key, str(stored[0]))] -= 1
    if any(deltas.values()):
        _apply(conn, deltas)


event.listen(Session, "before_flush", _before_flush)
