"""Text analysis shared by indexing, querying and highlighting.

One tokenizer/normalizer is used everywhere so that index terms, query terms
and the positions re-derived for hit times and snippets always agree:

* tokens are runs of letters/digits, optionally joined by apostrophes
  (``don't``, ``council's``), plus numbers written with separators
  (``18,000``, ``4.5``) and the signs ``$`` and ``%``; underscores are never
  part of a token, which is what makes ``_`` a safe separator for common-gram
  tokens;
* numbers, however they are written or spoken, become one canonical token
  sequence (:mod:`index.numbers`: ``twenty-five`` -> ``25``, ``$4 million``
  -> ``4 million dollar``, ``75%`` -> ``75 percent``); a multi-word number
  is ONE position, in the index and in queries alike;
* every other token is lower-cased, a trailing possessive ``'s`` is dropped
  and the result is Porter-stemmed (cached; a few abbreviations such as
  ``Ms``/``Mrs`` are left unstemmed, Porter would turn them into ``m``/``mr``);
* there is NO stop-word removal: reporters search phrases of common words.

Each canonical token also has a *surface*: the lower-cased words it was made
of, letter for letter (``"twenty five"``, ``"18,000"``, ``"$"``).  Surfaces
are indexed at the same positions in the ``exact`` field (exact search,
sounds-like and spelling variants that must not be stemmed).

Common grams (Lucene's CommonGramsFilter idea): for every adjacent pair of
tokens in which either word is in :data:`COMMON_TERMS`, the phrase field also
gets the token ``"a_b"`` at the position of the first word.  A quoted phrase is
rewritten into a phrase of such grams (see :func:`phrase_tokens`), so
``"out of the"`` becomes ``out_of``+``of_the`` instead of intersecting the
enormous posting lists of ``of`` and ``the``.
"""

from __future__ import annotations

import re

from whoosh.analysis import Analyzer, Token
from whoosh.lang.porter import stem as _porter_stem

from .numbers import NUMBER_WORDS, canonical_tokens, gap_joins

# Runs of letters/digits (no underscore), optionally joined by apostrophes.
TOKEN_RE = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")
# The same, plus "$", "%" and numbers with thousands separators / decimals.
SCAN_RE = re.compile(r"\$|%|(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![^\W_])"
                     r"|[^\W_]+(?:['\u2019][^\W_]+)*")
GRAM_SEP = "_"
# separates canonical term and surface in query-parser tokens
QSEP = "\x1f"

# Abbreviations Porter would mangle ("ms" -> "m", "mrs" -> "mr").
NO_STEM = frozenset(["ms", "mrs", "mr", "messrs", "mss", "dr", "jr", "sr", "st"])

_STEMS: dict[str, str] = {}
_STEM_CACHE_MAX = 300_000


def normalize(raw: str) -> str:
    """Normalize one raw token (as matched by TOKEN_RE) into an index term."""
    term = _STEMS.get(raw)
    if term is None:
        low = raw.lower().replace("\u2019", "'")
        if low.endswith("'s") and len(low) > 2:
            low = low[:-2]
        term = low if low in NO_STEM else _porter_stem(low)
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


def surface(raw: str) -> str:
    """A raw token as the exact field holds it: lower-cased, letter for letter."""
    return raw.lower().replace("\u2019", "'")


# raw token -> (stem, surface, may start/continue a number)
_INFO: dict[str, tuple[str, str, bool]] = {}


def _info(raw: str) -> tuple[str, str, bool]:
    low = surface(raw)
    trig = raw[0].isdigit() or raw in ("$", "%") or low in NUMBER_WORDS
    v = (normalize(raw), low, trig)
    if len(_INFO) >= _STEM_CACHE_MAX:
        _INFO.clear()
    _INFO[raw] = v
    return v


def analyze(text: str, numbers: bool = True) -> tuple[list[str], list[str]]:
    """(canonical terms, surfaces) of ``text``, one pair per token position."""
    if not text:
        return [], []
    if not numbers:
        toks = TOKEN_RE.findall(text)
        get = _STEMS.get
        return [get(m) or normalize(m) for m in toks], [surface(m) for m in toks]
    get = _INFO.get
    infos = [get(m) or _info(m) for m in SCAN_RE.findall(text)]
    for inf in infos:
        if inf[2]:
            spans = analyze_spans(text)
            return [t[0] for t in spans], [t[1] for t in spans]
    return [inf[0] for inf in infos], [inf[1] for inf in infos]


def terms(text: str, numbers: bool = True) -> list[str]:
    """The index terms of ``text``, in order (one per token position)."""
    return analyze(text, numbers)[0]


def analyze_spans(text: str, numbers: bool = True) -> list[tuple[str, str, int, int]]:
    """``(term, surface, startchar, endchar)`` for each token position of
    ``text``; a multi-word number spans all its words; a ``dollar`` made
    from ``$`` spans the ``$``."""
    if not text:
        return []
    if not numbers:
        return [(normalize(m.group()), surface(m.group()), m.start(), m.end())
                for m in TOKEN_RE.finditer(text)]
    ms = list(SCAN_RE.finditer(text))
    raws = [m.group() for m in ms]
    get = _INFO.get
    infos = [get(r) or _info(r) for r in raws]
    for inf in infos:
        if inf[2]:
            break
    else:       # no number anywhere: one token per raw token
        return [(inf[0], inf[1], m.start(), m.end()) for inf, m in zip(infos, ms)]
    gaps = [True] * len(ms)
    for k in range(1, len(ms)):
        a, b = ms[k - 1].end(), ms[k].start()
        gaps[k] = a == b or gap_joins(text[a:b])
    out = []
    for canon, a, b, role in canonical_tokens(raws, gaps):
        if role is None:
            inf = infos[a]
            out.append((inf[0], inf[1], ms[a].start(), ms[a].end()))
        elif b < a:            # scale word implied by the digits before it
            prev = out[-1]
            out.append((canon, "", prev[2], prev[3]))
        else:
            surf = surface(raws[a]) if a == b else " ".join(
                surface(raws[k]) for k in range(a, b + 1))
            out.append((canon, surf, ms[a].start(), ms[b].end()))
    return out


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

# canonical forms: "one" -> "1", "first" -> "1st", "second" -> "2nd"
COMMON_TERMS: frozenset[str] = frozenset(t for w in COMMON_WORDS_RAW for t in terms(w))


# the same words as the exact field holds them (grams of the exact field)
COMMON_SURFACES: frozenset[str] = frozenset(surface(w) for w in COMMON_WORDS_RAW)


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


def phrase_tokens(words: list[str], mode: str = "both",
                  common: frozenset = COMMON_TERMS) -> list[tuple[int, str]]:
    """Rewrite a phrase (normalized unigrams) into ``(offset, token)`` pairs
    to match at exactly those relative positions of the phrase field
    (CommonGramsQueryFilter): grams replace the unigrams they cover.
    ``common``: COMMON_TERMS for the transcript field, COMMON_SURFACES for
    the exact field."""
    n = len(words)
    if mode == "off" or n < 2:
        return list(enumerate(words))
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
                     mode: str = "both", common: frozenset = COMMON_TERMS
                     ) -> dict[str, list[int]]:
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
    """Whoosh analyzer over :func:`analyze_spans` (canonical terms).

    With ``tokenize=False`` (prefix/wildcard/fuzzy text) the whole string is
    one token, lower-cased but not stemmed; the query rewriter adds the stem.
    """

    numbers = True       # class default: analyzers pickled before the option

    def __init__(self, numbers: bool = True):
        super().__init__()
        self.numbers = numbers

    def _text(self, term, surf):
        return term

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
        for i, (term, surf, a, b) in enumerate(analyze_spans(value, self.numbers)):
            t.text = self._text(term, surf)
            t.boost = 1.0
            if keeporiginal:
                t.original = value[a:b]
            t.stopped = False
            if positions:
                t.pos = start_pos + i
            if chars:
                t.startchar = start_char + a
                t.endchar = start_char + b
            yield t


class QueryAnalyzer(CouncilAnalyzer):
    """For the query parser only: each token is ``term + QSEP + surface``
    (the rewriter needs both: canonical terms for the transcript field,
    surfaces for exact search, sounds-like and unstemmed variants)."""

    def _text(self, term, surf):
        return term + QSEP + surf


def split_qtoken(text: str) -> tuple[str, str]:
    """A :class:`QueryAnalyzer` token -> (canonical term, surface)."""
    if QSEP in text:
        a, b = text.split(QSEP, 1)
        return a, b
    return text, text


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
