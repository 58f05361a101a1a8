"""The words of an index reader, cached while the reader lives.

One :class:`Lexicon` per reader (``lexicon(reader)``), kept in a
``WeakKeyDictionary``: when a searcher is replaced after a commit, its
readers and their word lists go with it (no cache keyed by ``id(reader)``
keeps an old reader alive).  It serves prefix-free word lists per field
(no common-gram tokens), the archive's vocabulary (single words of the
``exact`` field) for sounds-alikes and "Did you mean", fuzzy matching over
the word list with Whoosh's Levenshtein automata, and the double metaphone
table for sounds-alikes.
"""

from __future__ import annotations

import weakref
from bisect import bisect_left

from whoosh.automata import lev
from whoosh.automata.fsa import find_all_matches

from .variants import MAX_PHONETIC, phonetic_codes

_LEXICONS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def lexicon(reader) -> "Lexicon":
    """The cached Lexicon of ``reader`` (created on first use)."""
    lx = _LEXICONS.get(reader)
    if lx is None:
        lx = _LEXICONS[reader] = Lexicon(reader)
    return lx


def live_lexicons() -> int:
    """How many readers have a cached Lexicon (for tests)."""
    return len(_LEXICONS)


class Lexicon:
    """Word lists of one reader.  Holds the reader weakly only."""

    def __init__(self, reader):
        self._reader = weakref.ref(reader)
        self._words: dict[str, list[str]] = {}
        self._alpha: list[str] | None = None
        self._alpha_set: frozenset | None = None
        self._phonetic: dict[str, list[str]] | None = None

    @property
    def reader(self):
        r = self._reader()
        if r is None:  # pragma: no cover - only reachable through a stale Lexicon
            raise RuntimeError("the reader of this lexicon is gone")
        return r

    def words(self, fieldname: str) -> list[str]:
        """Sorted words (no common-gram tokens) of a field."""
        ws = self._words.get(fieldname)
        if ws is None:
            ws = []
            for b in self.reader.lexicon(fieldname):
                w = b.decode("utf-8") if isinstance(b, bytes) else b
                if "_" not in w:
                    ws.append(w)
            self._words[fieldname] = ws
        return ws

    def alpha_words(self) -> list[str]:
        """Sorted single words (letters and apostrophes) of the ``exact``
        field: the archive's own vocabulary."""
        if self._alpha is None:
            self._alpha = [w for w in self.words("exact") if w.replace("'", "").isalpha()]
        return self._alpha

    def alpha_set(self) -> frozenset:
        if self._alpha_set is None:
            self._alpha_set = frozenset(self.alpha_words())
        return self._alpha_set

    def fuzzy(self, fieldname: str, text: str, maxdist: int, prefix: int = 0) -> list[str]:
        """Words of the field within ``maxdist`` edits of ``text`` (Whoosh's
        Levenshtein automaton, matched against the cached word list)."""
        words = self.words(fieldname)
        if not words:
            return []
        dfa = lev.levenshtein_automaton(text, maxdist, prefix).to_dfa()
        n = len(words)

        def lookup(key):
            i = bisect_left(words, key)
            return words[i] if i < n else None

        return list(find_all_matches(dfa, lookup))

    def sound_alikes(self, surf: str, limit: int = MAX_PHONETIC) -> list[str]:
        """Words of the vocabulary sharing a double metaphone code with
        ``surf`` (not ``surf`` itself), most frequent first."""
        codes = phonetic_codes(surf)
        if not codes:
            return []
        if self._phonetic is None:
            m: dict[str, list[str]] = {}
            for w in self.alpha_words():
                for c in phonetic_codes(w):
                    m.setdefault(c, []).append(w)
            self._phonetic = m
        found = []
        seen = {surf}
        for c in codes:
            for w in self._phonetic.get(c, ()):
                if w not in seen:
                    seen.add(w)
                    found.append(w)
        if len(found) > limit:
            freq = self.reader.doc_frequency
            found.sort(key=lambda w: -freq("exact", w))
            found = found[:limit]
        return found
