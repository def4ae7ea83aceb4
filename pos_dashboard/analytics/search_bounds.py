"""How many appeals a search can match, at least and at most, per status: read from the term counts
(`searchterm`, services/search_terms) before any appeal is read.

A query word matches the appeals that have one of its lemmas (or, for a word the dictionary does not
know, a lemma beginning with it): at most the sum of those lemmas' counts, at least the largest of
them when it is the only word. The address is a substring: every run of letters and digits of the
query lies within one term of a matching address, so the appeals with such terms bound it from
above (the rarest run of the query decides); a query that is one run matches every appeal with a
term containing it, so the largest of those bounds it from below. A search matches the words or
the address: at most both sums, at least the larger lower bound. Nothing here is an estimate: a
count the page shows is read from these bounds only where they meet or pass the count cap.
"""

from collections import defaultdict
from dataclasses import dataclass, field, replace

from sqlalchemy import and_, or_, select, union_all
from sqlmodel import Session

from ..domain.models import ScopedTerm, SearchTerm
from ..domain.search_words import QueryWord, address_terms
from ..services import search_pairs
from ..services.search_pairs import PairCounts
from ..services.search_terms import ADDRESS, WORD

PerStatus = dict[str, int]


@dataclass(frozen=True)
class Bounds:
    words: list[list[PerStatus]]  # per query word, the counts of each lemma it matches
    address: list[list[PerStatus]] | None  # per run of the query, the address terms containing it; None: no run
    exact_runs: bool  # the address query is a single run (its terms bound it from below too)
    present_forms: frozenset[str] = field(default_factory=frozenset)  # lemmas that occur at all
    # Two words of lemmas that occur: the pair of their sides (a lemma or a set of lemmas), and its
    # counts once learnt (services/search_pairs): the appeals that have both, per status or at least.
    pair: tuple[str, str] | None = None
    pair_counts: PairCounts | None = None

    def at_most(self, statuses: set[str] | None = None) -> int | None:
        """The most appeals of these statuses (None: all) the search can match; None if unbounded."""
        address = None if self.address is None else min(
            (sum(_of(term, statuses) for term in terms) for terms in self.address), default=0)
        return None if address is None else self.words_at_most(statuses) + address

    def words_at_most(self, statuses: set[str] | None = None) -> int:
        most = min((sum(_of(term, statuses) for term in terms) for terms in self.words), default=0)
        if self.pair_counts is not None and self.pair_counts.per_status is not None:
            return min(most, _of(self.pair_counts.per_status, statuses))
        return most

    def rarest_first(self, words: list) -> list:
        """`words` (the query's, in the order counted) with the rarest first: a row test that fails on
        it fails sooner."""
        counts = [sum(_of(term, None) for term in terms) for terms in self.words]
        return [w for _, w in sorted(zip(counts, words, strict=True), key=lambda pair: pair[0])]

    def address_at_most(self, statuses: set[str] | None = None) -> int | None:
        return None if self.address is None else min(
            (sum(_of(term, statuses) for term in terms) for terms in self.address), default=0)

    def at_least(self, statuses: set[str] | None = None) -> int:
        """The fewest appeals of these statuses the search surely matches (0 when unknown)."""
        candidates = [*(self.words[0] if len(self.words) == 1 else []),
                      *(self.address[0] if self.address is not None and self.exact_runs else [])]
        least = max((_of(term, statuses) for term in candidates), default=0)
        if self.pair_counts is not None and self.pair_counts.per_status is not None:
            least = max(least, _of(self.pair_counts.per_status, statuses))
        elif self.pair_counts is not None:  # a common pair: lower bounds only
            least = max(least, _of(self.pair_counts.least_per_status, statuses),
                        self.pair_counts.at_least if statuses is None else 0)
        return least

    def exact_counts(self) -> PerStatus | None:
        """The matches per status when the counts settle every status exactly, else None."""
        statuses = {status for terms in [*self.words, *(self.address or [])] for term in terms for status in term}
        counts = {status: self.at_least({status}) for status in statuses}
        if any(self.at_most({status}) != n for status, n in counts.items()):
            return None
        return {status: n for status, n in counts.items() if n}


def _of(counts: PerStatus, statuses: set[str] | None) -> int:
    return sum(n for status, n in counts.items() if statuses is None or status in statuses)


def search_bounds(session: Session, words: list[QueryWord], address: str) -> Bounds:
    """`address`: the query folded as the address is (search_words.folded_address)."""
    runs = sorted(address_terms(address))
    # The lemmas by their key, the address terms by a scan of the address's part of it: two reads
    # of one round trip.
    tests = [and_(SearchTerm.field == WORD, _lemmas_of(SearchTerm.term, words))] if words else []
    if runs:
        tests.append(and_(SearchTerm.field == ADDRESS, or_(*(SearchTerm.term.contains(run, autoescape=True)
                                                             for run in runs))))
    reads = [select(SearchTerm.field, SearchTerm.term, SearchTerm.status, SearchTerm.appeals).where(test)
             for test in tests]
    counts: dict[tuple[str, str], PerStatus] = defaultdict(dict)
    for field_, term, status, n in session.execute(union_all(*reads)) if reads else ():
        if n > 0:
            counts[(field_, term)][status] = n
    lemmas = {term: n for (field_, term), n in counts.items() if field_ == WORD}
    addresses = {term: n for (field_, term), n in counts.items() if field_ == ADDRESS}
    pair = _pair(lemmas, words)
    return Bounds(
        words=_per_word(lemmas, words),
        address=[[n for term, n in addresses.items() if run in term] for run in runs] if runs else None,
        exact_runs=runs == [address],
        present_forms=frozenset(lemmas),
        pair=pair, pair_counts=search_pairs.known(session, pair) if pair else None)


def _pair(lemmas: dict[str, PerStatus], words: list[QueryWord]) -> tuple[str, str] | None:
    """The pair of a query of two words, each matching lemmas that occur (at most
    search_pairs.SIDE_LEMMAS_MAX, none of the other word's) in more than search_pairs.PAIR_LEMMA_MIN
    appeals in all (services/search_pairs: a side of several lemmas), else None."""
    if len(words) != 2:
        return None
    matched = [{term for term in lemmas if _matches(term, w)} for w in words]
    if any(not 1 <= len(terms) <= search_pairs.SIDE_LEMMAS_MAX for terms in matched) or matched[0] & matched[1] \
            or any(sum(_of(lemmas[term], None) for term in terms) <= search_pairs.PAIR_LEMMA_MIN for terms in matched):
        return None
    return search_pairs.pair_of(search_pairs.side_key(matched[0]), search_pairs.side_key(matched[1]))


def scoped_bounds(session: Session, bounds: Bounds, words: list[QueryWord], scope: str, node_id: int) -> Bounds:
    """`bounds` with its words counted under one top category or territory (services/search_terms:
    `scopedterm`); the address part stays the region's (an upper bound there too)."""
    counts: dict[str, PerStatus] = defaultdict(dict)
    if words:
        for term, status, n in session.execute(select(ScopedTerm.term, ScopedTerm.status, ScopedTerm.appeals).where(
                ScopedTerm.scope == scope, ScopedTerm.node_id == node_id, _lemmas_of(ScopedTerm.term, words))):
            if n > 0:
                counts[term][status] = n
    return replace(bounds, words=_per_word(counts, words), pair_counts=None)  # the pair's counts are the region's


def _lemmas_of(column, words: list[QueryWord]):
    """The lemmas the query words match: their forms by key, a prefix as one range of the key."""
    tests = [column.in_(w.forms) for w in words]
    tests += [and_(column >= w.prefix, column < _next(w.prefix)) for w in words if w.prefix]
    return or_(*tests)


def _per_word(lemmas: dict[str, PerStatus], words: list[QueryWord]) -> list[list[PerStatus]]:
    """Per query word, the counts of the lemmas it matches."""
    return [[n for term, n in lemmas.items() if _matches(term, w)] for w in words]


def _matches(term: str, word: QueryWord) -> bool:
    """Whether a lemma is one of the query word's forms, or begins with the word the dictionary does
    not know."""
    return term in word.forms or bool(word.prefix and term.startswith(word.prefix))


def _next(prefix: str) -> str:
    """The first string after every string beginning with `prefix` (binary order)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)
