"""Text analysis shared by indexing, querying and highlighting.

One tokenizer/normalizer is used everywhere so that index terms, query terms
and the positions re-derived for hit times and snippets always agree:

* tokens are runs of letters/digits, optionally joined by apostrophes
  (``don't``, ``council's``); underscores are never part of a token, which is
  what makes ``_`` a safe separator for common-gram tokens;
* each token is lower-cased, a trailing possessive ``'s`` is dropped and the
  result is Porter-stemmed (cached);
* there is NO stop-word removal: reporters search phrases of common words.

Common grams (Lucene's CommonGramsFilter idea): for every adjacent pair of
tokens in which either word is in :data:`COMMON_TERMS`, the phrase field also
gets the token ``"a_b"`` at the position of the first word.  A quoted phrase is
rewritten into a phrase of such grams (see :func:`phrase_tokens`), so
``"out of the"`` becomes ``out_of``+``of_the`` instead of intersecting the
enormous posting lists of ``of`` and ``the``.
"""

from __future__ import annotations

import re
from typing import Iterable

from whoosh.analysis import Analyzer, Token
from whoosh.lang.porter import stem as _porter_stem

# Runs of letters/digits (no underscore), optionally joined by apostrophes.
TOKEN_RE = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")
GRAM_SEP = "_"

_STEMS: dict[str, str] = {}
_STEM_CACHE_MAX = 300_000


def normalize(raw: str) -> str:
    """Normalize one raw token (as matched by TOKEN_RE) into an index term."""
    term = _STEMS.get(raw)
    if term is None:
        low = raw.lower().replace("\u2019", "'")
        if low.endswith("'s") and len(low) > 2:
            low = low[:-2]
        term = _porter_stem(low)
        if len(_STEMS) >= _STEM_CACHE_MAX:
            _STEMS.clear()
        _STEMS[raw] = term
    return term


def normalize_word(text: str) -> str:
    """Lower-case + possessive strip, *without* stemming (for prefix/fuzzy)."""
    low = text.strip().lower().replace("\u2019", "'")
    if low.endswith("'s") and len(low) > 2:
        low = low[:-2]
    return low


def stem_word(text: str) -> str:
    return _porter_stem(normalize_word(text))


def terms(text: str) -> list[str]:
    """The index terms of ``text``, in order (one per token position)."""
    if not text:
        return []
    get = _STEMS.get
    return [get(m) or normalize(m) for m in TOKEN_RE.findall(text)]


def token_spans(text: str) -> list[tuple[str, int, int]]:
    """``(term, startchar, endchar)`` for each token of ``text``."""
    if not text:
        return []
    norm = normalize
    return [(norm(m.group()), m.start(), m.end()) for m in TOKEN_RE.finditer(text)]


# ~150 most frequent English words in speech plus council-meeting words.  They
# are normalized with the same function as the text, so the set holds stems.
COMMON_WORDS_RAW = """
the of and to a in is it that for on was with he she as i be at by this have
from or an they which you we not are but had his her all there can been has if
will would their more one so what about up out them were when no do my than who
then its also our into some could me him these those just like over any only
very your how now other did get go here well us two make may should said because
each where after back think know see going want need right yes okay ok thank
thanks let it's that's don't i'm we're there's you're end way much many first
new off through before being both down even every most must own same such too
under while why again against between during few further once until
am does doing having itself myself ourselves themselves whom yourself
council city mayor motion item second vote meeting public agenda member members
commissioner commission chair board approve approved discussion comment comments
resolution ordinance staff please aye nay move moved hearing minutes report
question questions mr mrs ms madam president clerk manager district county
""".split()

COMMON_TERMS: frozenset[str] = frozenset(normalize(w) for w in COMMON_WORDS_RAW)


def is_common(term: str) -> bool:
    return term in COMMON_TERMS


def gram(a: str, b: str) -> str:
    return a + GRAM_SEP + b


# Gram modes of the phrase field:
#   "both"   - a gram for each adjacent pair where BOTH words are common
#              (default: few distinct gram terms, so much faster builds);
#   "either" - Lucene CommonGramsFilter: a gram when EITHER word is common;
#   "off"    - no grams (plain Whoosh behaviour, the benchmark baseline).
# Every mode also indexes every unigram.
GRAM_MODES = ("both", "either", "off")


def gram_mode(value) -> str:
    if value is True or value is None:
        return "both"
    if value is False:
        return "off"
    if value not in GRAM_MODES:
        raise ValueError(f"common_grams must be one of {GRAM_MODES}, not {value!r}")
    return value


def phrase_tokens(words: list[str], mode: str = "both") -> list[tuple[int, str]]:
    """Rewrite a phrase (normalized unigrams) into ``(offset, token)`` pairs
    to match at exactly those relative positions of the phrase field
    (CommonGramsQueryFilter): grams replace the unigrams they cover."""
    n = len(words)
    if mode == "off" or n < 2:
        return list(enumerate(words))
    common = COMMON_TERMS
    if mode == "either":
        # every position but the last gets a gram when the pair is gram-able,
        # else its unigram; the last word only when no gram covers it.
        out = []
        for i in range(n - 1):
            a, b = words[i], words[i + 1]
            out.append((i, a + GRAM_SEP + b if (a in common or b in common) else a))
        if not (words[-1] in common or words[-2] in common):
            out.append((n - 1, words[-1]))
        return out
    isc = [w in common for w in words]
    grams = [isc[i] and isc[i + 1] for i in range(n - 1)] + [False]
    out = []
    for i, w in enumerate(words):
        if grams[i]:
            out.append((i, w + GRAM_SEP + words[i + 1]))
        elif not (i > 0 and grams[i - 1]):
            out.append((i, w))
    return out


def phrase_positions(own: list[str], tail: list[str], boundary: int,
                     mode: str = "both") -> dict[str, list[int]]:
    """Postings (term -> positions) of the transcript field for one segment.

    Own tokens sit at ``boundary - len(own) .. boundary - 1`` and the overlap
    (first words of the next segment) at ``boundary ..``, so "the match starts
    in this segment" is simply ``span.start < boundary``.
    """
    allt = own + tail if tail else own
    post: dict[str, list[int]] = {}
    get = post.get
    pos = boundary - len(own) - 1
    if mode == "off":
        for t in allt:
            pos += 1
            lst = get(t)
            if lst is None:
                post[t] = [pos]
            else:
                lst.append(pos)
        return post
    common = COMMON_TERMS
    either = mode == "either"
    prev = None
    prev_common = False
    for t in allt:
        pos += 1
        c = t in common
        if prev is not None and ((c or prev_common) if either else (c and prev_common)):
            g = prev + GRAM_SEP + t
            lst = get(g)
            if lst is None:
                post[g] = [pos - 1]
            else:
                lst.append(pos - 1)
        lst = get(t)
        if lst is None:
            post[t] = [pos]
        else:
            lst.append(pos)
        prev = t
        prev_common = c
    return post


class CouncilAnalyzer(Analyzer):
    """Whoosh analyzer wrapping :func:`normalize` (used by the query parser).

    With ``tokenize=False`` (prefix/wildcard/fuzzy text) the whole string is
    one token, lower-cased but not stemmed; the query rewriter adds the stem.
    """

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True,
                 mode="", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = normalize_word(value)
            t.boost = 1.0
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar = start_char
                t.endchar = start_char + len(value)
            yield t
            return
        for i, m in enumerate(TOKEN_RE.finditer(value)):
            t.text = normalize(m.group())
            t.boost = 1.0
            if keeporiginal:
                t.original = m.group()
            t.stopped = False
            if positions:
                t.pos = start_pos + i
            if chars:
                t.startchar = start_char + m.start()
                t.endchar = start_char + m.end()
            yield t


class KeywordAnalyzer(Analyzer):
    """Whole value as one lower-cased, whitespace-collapsed token (body,
    speaker, kind filters are case-insensitive)."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True,
                 mode="", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        text = keyword_norm(value)
        if not text:
            return
        t.original = t.text = text
        t.boost = 1.0
        if positions:
            t.pos = start_pos
        if chars:
            t.startchar = start_char
            t.endchar = start_char + len(value)
        yield t


def keyword_norm(value: str) -> str:
    return " ".join(value.lower().replace("\u2019", "'").split())


def keyword_words(value: str) -> list[str]:
    """Words of a keyword value, for partial matching (``speaker:smith``)."""
    return [w.lower() for w in TOKEN_RE.findall(value.replace("\u2019", "'"))]


def iter_terms(texts: Iterable[str]) -> Iterable[str]:
    for text in texts:
        yield from terms(text)
