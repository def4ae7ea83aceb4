"""How often each search term occurs, kept in the transaction that changes the appeals (`searchterm`:
appeals per lemma of the text and per run of letters and digits of the address, per status;
`scopedterm`: appeals per lemma and status under each top category and each top territory).

The queue reads it to tell a common word from a rare one without reading the word's index (the GIN
index of PostgreSQL read 81k postings at 1M for «подъезд» only to learn that it was common), and to
know that a status holds more than the count cap of a word's matches without counting them.

ORM changes are tracked by one `before_flush` hook (which also sets `Appeal.search_address` of new
appeals), registered after services/queue_counters' hook, which sets the appeals' top category and
territory that the scoped counts are keyed by; bulk writers that bypass the ORM (the demo loader, the SPb
importer, the migration) set `search_address` themselves and call `add_rows` or `rebuild`. The same
changes keep the counts of the word pairs that were searched (services/search_pairs); the bulk
writers forget those pairs.
"""

from collections import Counter
from collections.abc import Iterable

from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlmodel import Session

from ..domain.search_words import address_terms, folded_address
from . import queue_counters, search_pairs  # queue_counters' hook first: it sets the top nodes this one reads
from .flush_changes import appeals_in_flush

WORD, ADDRESS = "word", "address"
# Set on a session whose transaction wrote appeals: what it wrote is not yet seen by another
# connection, so a search there learns no word pair (services/search_pairs counts on its own).
APPEALS_WRITTEN = "search_terms.appeals_written"
CATEGORY, TERRITORY = "category", "territory"
_ADD = text("INSERT INTO searchterm (field, term, status, appeals) VALUES (:field, :term, :status, :n) "
            "ON CONFLICT (field, term, status) DO UPDATE SET appeals = searchterm.appeals + excluded.appeals")
_ADD_SCOPED = text("INSERT INTO scopedterm (term, scope, node_id, status, appeals) "
                   "VALUES (:term, :scope, :node_id, :status, :n) ON CONFLICT (term, scope, node_id, status) "
                   "DO UPDATE SET appeals = scopedterm.appeals + excluded.appeals")
_BATCH = 20_000
_APPEAL_TERMS = "SELECT id, status, search_words, search_address, top_category_id, top_territory_id FROM appeal"


def terms_of(search_words: str, search_address: str) -> list[tuple[str, str]]:
    """The (field, term) pairs an appeal counts once each."""
    return [*((WORD, w) for w in set(search_words.split())),
            *((ADDRESS, t) for t in address_terms(search_address))]


def scoped_terms_of(search_words: str, top_category_id: int | None, top_territory_id: int | None) -> list[tuple]:
    """The (term, scope, node) keys an appeal counts once each in `scopedterm`."""
    lemmas = set(search_words.split())
    return [*((w, CATEGORY, top_category_id) for w in lemmas if top_category_id),
            *((w, TERRITORY, top_territory_id) for w in lemmas if top_territory_id)]


def add_rows(conn: Connection, rows: Iterable[tuple]) -> None:
    """Count appeals written outside the ORM: `rows` are (status, search_words, search_address,
    top_category_id, top_territory_id)."""
    deltas, scoped = Counter(), Counter()
    for row in rows:
        _count(deltas, scoped, row, 1)
    queue_counters.bump(conn)  # the version row first, as every writer (services/search_pairs)
    _apply(conn, deltas, scoped)
    search_pairs.forget_all(conn)


def rebuild(conn: Connection, scoped: bool = True) -> None:
    """Recount every term from the appeal table (after a bulk load), read in batches of ids.
    `scoped` False: `searchterm` only (the revision that made it, before `scopedterm` existed)."""
    conn.execute(text("DELETE FROM searchterm"))
    if scoped:
        conn.execute(text("DELETE FROM scopedterm"))
    search_pairs.forget_all(conn)
    counts, scoped_counts = Counter(), Counter()
    last = 0
    while True:
        rows = conn.execute(text(f"{_APPEAL_TERMS} WHERE id > :last ORDER BY id LIMIT :n"),
                            {"last": last, "n": _BATCH}).all()
        if not rows:
            break
        for row in rows:
            _count(counts, scoped_counts, row[1:], 1)
        last = rows[-1][0]
    _apply(conn, counts, scoped_counts if scoped else Counter())


def _count(deltas: Counter, scoped: Counter, row: tuple, sign: int) -> None:
    status, words, address, top_category_id, top_territory_id = row
    for field, term in terms_of(words or "", address or ""):
        deltas[(field, term, str(status))] += sign
    for key in scoped_terms_of(words or "", top_category_id, top_territory_id):
        scoped[(*key, str(status))] += sign


def _apply(conn: Connection, deltas: Counter, scoped: Counter) -> None:
    # Sorted: two writers touching the same terms take their rows in one order (the services'
    # writers are serialised by the queue version row first anyway).
    for statement, columns, counter in ((_ADD, ("field", "term", "status"), deltas),
                                        (_ADD_SCOPED, ("term", "scope", "node_id", "status"), scoped)):
        changes = [{**dict(zip(columns, key)), "n": n} for key, n in sorted(counter.items()) if n]
        for start in range(0, len(changes), _BATCH):
            conn.execute(statement, changes[start:start + _BATCH])


def _pair_change(row: tuple, sign: int) -> search_pairs.Change:
    return sign, str(row[0]), frozenset((row[1] or "").split())


def _before_flush(session: Session, _context, _instances) -> None:
    new, dirty, deleted = appeals_in_flush(session)
    if not (new or dirty or deleted):
        return
    session.info[APPEALS_WRITTEN] = True
    deltas, scoped, pairs = Counter(), Counter(), []
    for appeal in new:
        appeal.search_address = folded_address(appeal.address)
        key = _terms_key(appeal)
        _count(deltas, scoped, key, 1)
        pairs.append(_pair_change(key, 1))
    conn = session.connection()
    for appeal in dirty + deleted:
        stored = conn.execute(text("SELECT status, search_words, search_address, top_category_id, top_territory_id, "
                                   "address FROM appeal WHERE id = :id"), {"id": appeal.id}).first()
        if stored is None:
            continue
        before = (str(stored[0]), stored[1], stored[2], stored[3], stored[4])
        if appeal not in deleted:
            if appeal.address != stored[5]:
                appeal.search_address = folded_address(appeal.address)
            now = _terms_key(appeal)
            if now == before:
                continue  # the common case: a change that moves no term (a deadline, an answer)
            _count(deltas, scoped, now, 1)
            pairs.append(_pair_change(now, 1))
        _count(deltas, scoped, before, -1)
        pairs.append(_pair_change(before, -1))
    if any(deltas.values()) or any(scoped.values()):
        _apply(conn, deltas, scoped)
    search_pairs.apply(conn, search_pairs.pair_deltas(conn, pairs))


def _terms_key(appeal) -> tuple:
    return (str(appeal.status), appeal.search_words or "", appeal.search_address or "",
            appeal.top_category_id, appeal.top_territory_id)


def _transaction_over(session: Session, *_args) -> None:
    session.info.pop(APPEALS_WRITTEN, None)


event.listen(Session, "before_flush", _before_flush)
event.listen(Session, "after_commit", _transaction_over)
event.listen(Session, "after_rollback", _transaction_over)
