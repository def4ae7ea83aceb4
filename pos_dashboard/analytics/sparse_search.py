"""PostgreSQL: a common word under a filter where it is rare.

A common word is tested on the rows a page or a capped count walks (analytics/queue_counts). That is
fast where the word is frequent among the filter's rows and reads every row of the filter where it is
rare: «подъезд» (81k of 1M appeals) under the category «Дороги», where it never occurs, read all 190k
appeals of the category, 0.4–1.9 s at 1M and 10–11 s at 5M. The term counts cannot tell: they count a
word per status, not per category, territory or organisation.

So, under a narrowing filter, the page is first read as before with a time limit on each statement
(WALK_BUDGET_MS, PostgreSQL's `statement_timeout`, in a savepoint). A statement past it is cancelled
and the word's matches under the filter are read from the indexes instead: the word's GIN index and
the filter's own combined in one bitmap, which costs the word's postings, not the filter's rows
(12–35 ms at 1M). The page is then read on those ids like a rare word's: every count exact.
"""

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Integer, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from ..domain.models import Appeal
from .pg_settings import local_settings

# Longer than any statement of a page where the word is frequent under the filter (at most 14 ms at
# 1M, 78 ms at 5M, measured 2026-12-04), far shorter than a walk of a large filter without matches.
WALK_BUDGET_MS = 100
# The bitmap of the matches must stay exact: with the default 4 MB it turned lossy at 1M and the
# rows of whole pages were tested again (215 ms instead of 42).
BITMAP_WORK_MEM = "64MB"
# Matches under the filter read as ids at most: every count of the page then reads them (a slow walk
# of a word this frequent under the filter is a busy server's, and it is read again without a limit).
SPARSE_IDS_MAX = 20_000
QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE for a statement cancelled by statement_timeout
# The cost of a page read out of order, for these reads: the default (4) is a disk's; the appeals a
# page walks are in memory. With it the planner walked the deadline order of the whole region for a
# word's page under a top category (9.8k rows, 10 ms at 1M) rather than the category's own
# (revision e2f5a8c1d3b9: 560 rows, 1.2 ms), as the region's order follows the table's.
RANDOM_PAGE_COST = "1.1"

T = TypeVar("T")


def within_budget(session: Session, read: Callable[[], T]) -> T | None:
    """`read()` with each of its statements limited to WALK_BUDGET_MS (and read pages costed as in
    memory: RANDOM_PAGE_COST), or None when one ran past it. The read runs in a savepoint that is
    then rolled back, whatever happened: it only reads, and the rollback puts the settings back in
    the same round trip (two round trips in all, where a savepoint kept and settings put back one
    by one took four)."""
    connection = session.connection()
    connection.exec_driver_sql(f"SAVEPOINT {_SAVEPOINT}; SET LOCAL statement_timeout = {WALK_BUDGET_MS}; "
                               f"SET LOCAL random_page_cost = {RANDOM_PAGE_COST}")
    try:
        return read()
    except OperationalError as error:
        if getattr(error.orig, "sqlstate", None) != QUERY_CANCELED:
            raise
        return None
    finally:
        connection.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {_SAVEPOINT}; RELEASE SAVEPOINT {_SAVEPOINT}")


_SAVEPOINT = "queue_page_budget"


def matches_under(session: Session, conditions: list, word_test) -> object | None:
    """The ids of the appeals under `conditions` that `word_test` (the GIN-readable test of the words)
    matches, read through the indexes, as a condition on the appeal's id; None when more than
    SPARSE_IDS_MAX: the word is not rare under the filter, and its walk, slow as it was, is bounded
    by finding what it looks for."""
    # No sequential scan (the planner would read the whole table for a few hundred matches), and an
    # exact bitmap.
    with local_settings(session, enable_seqscan="off", work_mem=BITMAP_WORK_MEM):
        ids = list(session.execute(select(Appeal.id).where(*conditions, word_test).limit(SPARSE_IDS_MAX + 1))
                   .scalars())
    if len(ids) > SPARSE_IDS_MAX:
        return None
    return Appeal.id == any_(bindparam("sparse_match_ids", ids, type_=ARRAY(Integer)))
