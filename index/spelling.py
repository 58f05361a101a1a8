""""Did you mean": corrections drawn from the archive's own words.

When a search finds nothing (or very little), each typed word the archive
does not know - neither as written (``exact`` field) nor through its stem
(``text`` field) - is looked up with a Whoosh spelling corrector
(:class:`whoosh.spelling.Corrector`) over the words of the ``exact`` field:
Levenshtein automata within 1-2 edits, ranked by edit distance, then by how
many segments hold the word.  The corrected query *strings* are returned
(the user's own syntax kept, only the words replaced, their capitalization
kept); :class:`store.SearchIndex` keeps those that actually find more.
"""

from __future__ import annotations

import re

from ._whoosh_internals import CorrectorBase
from .analysis import stem_word
from .lexicon import lexicon

MAX_SUGGESTIONS = 3
# a known word is corrected too when it occurs at most this often and the
# search found almost nothing (a misspelling Whisper made once)
RARE_DF = 1

_FIELD_VALUE = re.compile(r'(\w+):("[^"]*"|\S+)')
_OPERATOR = re.compile(r"\b(?:AND|OR|NOT|TO)\b")
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")


class ArchiveCorrector(CorrectorBase):
    """Suggests words of the index's ``exact`` field (not stems, not numbers)."""

    def __init__(self, reader):
        self.reader = reader
        self.lexicon = lexicon(reader)
        self.words = self.lexicon.alpha_set()

    def candidates(self, text, maxdist, prefix):
        seen = set()
        freq = self.reader.doc_frequency
        for d in range(1, maxdist + 1):
            for w in self.lexicon.fuzzy("exact", text, d, prefix):
                if w in seen or w == text or w not in self.words:
                    continue
                seen.add(w)
                df = freq("exact", w)
                # higher is better: fewer edits first, then more frequent
                yield (-d + df / (df + 1.0), w)


def query_words(query: str) -> list[tuple[int, int, str]]:
    """(start, end, word) of the plain transcript words of a query string:
    not field filters (``body:...``; ``exact:``/``sounds:`` values count),
    operators, negated, prefix/wildcard/fuzzy words or numbers."""
    masked = list(query)

    def mask(a, b):
        masked[a:b] = " " * (b - a)

    for m in _FIELD_VALUE.finditer(query):
        if m.group(1).lower() in ("exact", "sounds", "text"):
            mask(m.start(1), m.start(2))
        else:
            mask(m.start(), m.end())
    for m in _OPERATOR.finditer(query):
        mask(m.start(), m.end())
    text = "".join(masked)
    out = []
    for m in _WORD.finditer(text):
        a, b = m.start(), m.end()
        if b < len(query) and query[b] in "*?~":
            continue
        if a > 0 and query[a - 1] in "*?":
            continue
        if a > 0 and query[a - 1] == "-" and (a == 1 or query[a - 2] in " (\t"):
            continue
        out.append((a, b, m.group()))
    return out


def _styled(word: str, like: str) -> str:
    if len(like) > 1 and like.isupper():
        return word.upper()
    if like[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def corrections(query: str, reader, found: int, limit: int = 5) -> list[str]:
    """Candidate corrected query strings, best first (not yet checked)."""
    corrector = None
    choices = []
    for a, b, word in query_words(query):
        low = word.lower().replace("\u2019", "'")
        if len(low) < 3:
            continue
        df = reader.doc_frequency("exact", low)
        if df and not (found and df <= RARE_DF):
            continue
        if not df and ("text", stem_word(low)) in reader:
            continue    # known through its stem ("sidewalks" -> "sidewalk")
        if corrector is None:
            corrector = ArchiveCorrector(reader)
        sugs = corrector.suggest(low, limit=MAX_SUGGESTIONS,
                                 maxdist=1 if len(low) <= 4 else 2, prefix=1)
        if df:
            sugs = [s for s in sugs if reader.doc_frequency("exact", s) > 2 * df]
        # one suggestion per stem ("camera"/"cameras" search the same)
        stems: set[str] = set()
        sugs = [x for x in sugs if not (stem_word(x) in stems or stems.add(stem_word(x)))]
        if sugs:
            choices.append((a, b, word, sugs))
    if not choices:
        return []

    def build(pick):
        out, pos = [], 0
        for (a, b, word, sugs), k in zip(choices, pick):
            out.append(query[pos:a])
            out.append(_styled(sugs[k], word))
            pos = b
        out.append(query[pos:])
        return "".join(out)

    results = [build([0] * len(choices))]
    for i, (_a, _b, _w, sugs) in enumerate(choices):
        for k in range(1, len(sugs)):
            pick = [0] * len(choices)
            pick[i] = k
            results.append(build(pick))
    return list(dict.fromkeys(r for r in results if r != query))[:limit]
