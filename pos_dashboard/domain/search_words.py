"""Words as the search reads them: each word's dictionary forms (lemmas, from pymorphy3's Russian
dictionary), lower case, ё read as е.

«снегом» and «снега» are both «снег», «ёлки» and «елка» are both «елка», while «тарелка» and
«посёлка» stay words of their own, so a search for «елка» finds neither. The same functions read
the appeals (`document_words`, kept in `Appeal.search_words`) and the query (`query_words`), so the
two always agree. A word the dictionary does not know (a name, a typo, a word still being typed)
is searched as the beginning of a word instead: «подъез» finds «подъезд».

The address is searched as a substring of `folded_address` (kept in `Appeal.search_address`); its
`address_terms` (the runs of letters and digits) are only counted, so that the queue knows how
often a query can match before it reads an appeal (services/search_terms).
"""

import re
from dataclasses import dataclass
from functools import lru_cache

_WORD = re.compile(r"[0-9a-zа-яё]+", re.IGNORECASE)
_CYRILLIC = re.compile(r"[а-яё]")
MAX_QUERY_WORDS = 8
_MAX_FORMS = 4  # an ambiguous word («стекла»: стекло, стечь) keeps its most likely readings
_MAX_WORD = 40  # longer "words" are not Russian words: kept as they are
# Prepositions, conjunctions, particles and interjections say nothing about what an appeal is about
# («во дворе»: every other appeal has «в»): neither stored nor searched.
_FUNCTION_WORDS = frozenset({"PREP", "CONJ", "PRCL", "INTJ"})


def fold(value: str) -> str:
    return value.lower().replace("ё", "е")


@lru_cache(maxsize=1)
def _analyzer():
    import pymorphy3  # noqa: PLC0415  (loads a 15 MB dictionary: only when a text is read)
    return pymorphy3.MorphAnalyzer()


def load_dictionary() -> None:
    """Read the dictionary now (73 ms) rather than at the first text or query read."""
    _analyzer()


@lru_cache(maxsize=262_144)
def _reading(word: str) -> tuple[tuple[str, ...], bool]:
    """(the dictionary forms of a folded word, whether the dictionary knows the word)."""
    if not _CYRILLIC.search(word) or len(word) > _MAX_WORD or any(c.isdigit() for c in word):
        return (word,), False
    parses = _analyzer().parse(word)
    if parses[0].tag.POS in _FUNCTION_WORDS:
        return (), True
    forms: list[str] = []
    known = False
    for parse in parses:
        known = known or parse.is_known
        form = fold(parse.normal_form)
        if form not in forms:
            forms.append(form)
    return tuple(forms[:_MAX_FORMS]) or (word,), known


def folded_address(address: str | None) -> str:
    """The address as the search reads it: lower case, ё as е (a query is folded the same way)."""
    return fold(address or "")


def address_terms(folded: str) -> set[str]:
    """The distinct runs of letters and digits of a folded address (or query): a substring of the
    address that has a run t of letters and digits in its middle has t within one of these."""
    return {match.group() for match in _WORD.finditer(folded)}


def lemmas(word: str) -> tuple[str, ...]:
    return _reading(fold(word))[0]


@lru_cache(maxsize=16_384)
def document_words(text: str) -> str:
    """The distinct lemmas of a text, space-separated (what `Appeal.search_words` holds)."""
    seen: dict[str, None] = {}
    for match in _WORD.finditer(text or ""):
        for form in lemmas(match.group()):
            seen.setdefault(form, None)
    return " ".join(seen)


@dataclass(frozen=True)
class QueryWord:
    forms: tuple[str, ...]  # any of these lemmas matches
    prefix: str = ""  # or, for a word the dictionary does not know, a lemma beginning with this

    def matches(self, word: str) -> bool:
        word_forms = lemmas(word)
        return any(f in self.forms for f in word_forms) or bool(
            self.prefix and any(f.startswith(self.prefix) for f in (*word_forms, fold(word))))


def query_words(query: str) -> list[QueryWord]:
    """The words of a search query (at most MAX_QUERY_WORDS): every one must match."""
    words = []
    for match in _WORD.finditer(query or ""):
        folded = fold(match.group())
        forms, known = _reading(folded)
        if not forms or any(w.forms == forms for w in words):
            continue
        words.append(QueryWord(forms, "" if known else folded))
        if len(words) == MAX_QUERY_WORDS:
            break
    return words


_KNOWN_WORDS_MAX = 100_000  # words remembered per query (_known_words), then forgotten at once


@lru_cache(maxsize=64)
def _known_words(query: tuple[QueryWord, ...]) -> dict[str, bool]:
    """Per word of the texts marked so far for this query: whether the query matches it (a page marks
    50 texts of ~20 words; testing each word again cost 4–6 ms a page)."""
    return {}


def marked(text: str, words: list[QueryWord]) -> list[tuple[str, bool]]:
    """The text cut into pieces, each marked True where it is a word the query matches."""
    if not words:
        return [(text, False)] if text else []
    known = _known_words(tuple(words))
    if len(known) > _KNOWN_WORDS_MAX:
        known.clear()
    pieces: list[tuple[str, bool]] = []
    position = 0
    for match in _WORD.finditer(text):
        word = match.group()
        found = known.get(word)
        if found is None:
            found = known[word] = any(w.matches(word) for w in words)
        if found:
            if match.start() > position:
                pieces.append((text[position:match.start()], False))
            pieces.append((word, True))
            position = match.end()
    if position < len(text):
        pieces.append((text[position:], False))
    return pieces


def marked_run(text: str, folded_query: str) -> list[tuple[str, bool]]:
    """The text cut into pieces, each occurrence of `folded_query` (a folded address query: lower
    case, ё as е) marked True, as the address search matches it; [] where it does not occur, or
    where folding changes the text's length (a letter whose lower case is two characters)."""
    folded = fold(text)
    if not folded_query or len(folded) != len(text) or folded_query not in folded:
        return []
    pieces: list[tuple[str, bool]] = []
    position = 0
    while (start := folded.find(folded_query, position)) >= 0:
        if start > position:
            pieces.append((text[position:start], False))
        end = start + len(folded_query)
        pieces.append((text[start:end], True))
        position = end
    if position < len(text):
        pieces.append((text[position:], False))
    return pieces
