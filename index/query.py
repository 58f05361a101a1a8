"""Query language: parsing, validation and rewriting.

User text is parsed with Whoosh's QueryParser (default AND, "phrases", OR,
NOT / -word, prefix*, fuzzy~ / ~2, field filters, date filters) against a
schema that only exposes the user-facing fields.  The parsed tree is then
rewritten:

* every text condition is wrapped in :class:`OwnStart`, which only keeps
  matches that *start* in the segment's own words (the transcript field also
  holds the first words of the next segment): a phrase straddling two
  Whisper segments is found exactly once, in the segment where it starts,
  and a word that only occurs in the overlap never makes a hit;
* quoted phrases become a positional span query over (common-gram) tokens;
  numbers in the query are canonicalized exactly like the transcript
  (``item three`` = ``item 3``; a multi-word number typed without quotes is
  quoted first so it stays one position: :func:`prepare_query`);
* words and phrases become :class:`SpeechLeaf` nodes, resolved against the
  index at search time into the words as typed (canonical terms, weight 1)
  plus, where they apply, spelling/vocabulary variants of any length and
  sounds-alike words (``sounds:Sarno``, or every name-like word with
  ``phonetic=True``), all weighted lower; ``="..."`` (or ``exact=True``)
  matches the ``exact`` field letter for letter instead, with no expansion;
* prefix and fuzzy terms also try the stemmed form of the word, and never
  expand to common-gram tokens;
* ``body:``/``speaker:``/``kind:`` become :class:`KeywordFilter`, resolved
  against the index (exact value, case-insensitive, else every value that
  contains all the given words);
* malformed input raises :class:`QueryError` with one friendly line.

Alongside the Whoosh query the compiler returns *highlight clauses*, the
positive text conditions used to locate the first matched word of each hit
(speech leaves add theirs when they are resolved, so the clauses name the
variants that were actually searched).

Position alignment: the ``text`` field (canonical terms) and the ``exact``
field (surfaces) share one position space, so a phrase can ask for a
canonical term at one offset and an exact/sounds-alike word at the next.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left
from dataclasses import dataclass, field

from whoosh import qparser
from whoosh.automata import lev
from whoosh.automata.fsa import find_all_matches
from whoosh.matching import NullMatcher
from whoosh.qparser import plugins
from whoosh.query import (And, AndMaybe, AndNot, Every, FuzzyTerm, MultiTerm, Not,
                          NullQuery, Or, Phrase, Prefix, Query, Term, Wildcard)
from whoosh.query.spans import SpanNear, SpanNear2, SpanOr, SpanQuery, SpanWrappingMatcher

from .analysis import (COMMON_SURFACES, COMMON_TERMS, SCAN_RE, keyword_norm, keyword_words,
                       phrase_tokens, split_qtoken, stem_word)
from .model import QueryError
from .schema import (BOUNDARY, TEXT_FIELDS, DateSyntaxError, date_range_query,
                     parse_date_range)
from .variants import (W_PHONETIC, W_VARIANT, GroupIndex, find_occurrences, phonetic_ok,
                       sound_alikes)

MAX_QUERY_CHARS = 1000
MAX_PATHS = 16            # token sequences one expanded word/phrase may become
KEYWORD_FIELDS = ("body", "speaker", "kind")
_EMPTY_FILTER = re.compile(r"(?:^|[\s(])(body|speaker|kind|title|date|year|sounds|exact):"
                           r"(?=$|[\s)])", re.IGNORECASE)


# --------------------------------------------------------------------------
# Custom query nodes


class OwnStart(SpanQuery):
    """Keeps only the spans of ``q`` that start before ``limit`` - i.e. in the
    segment's own words rather than in the overlap copied from the next
    segment (a per-document "SpanFirst" whose limit is encoded in positions).
    """

    def __init__(self, q, limit=BOUNDARY, toks=None, slop=1, fieldname="text"):
        self.q = q
        self.limit = limit
        # [(offset, alts)] to match, for engine.Evaluator's fast path; alts
        # is a tuple of (fieldname, term, weight): any of them at that offset
        self.toks = toks
        self.slop = slop
        self.fieldname = fieldname

    def __repr__(self):
        return "OwnStart(%r)" % (self.q,)

    def __eq__(self, other):
        return (isinstance(other, OwnStart) and self.q == other.q
                and self.limit == other.limit)

    def __hash__(self):
        return hash(self.q) ^ hash(self.limit)

    def is_leaf(self):
        return False

    def children(self):
        return [self.q]

    def apply(self, fn):
        return OwnStart(fn(self.q), self.limit, self.toks, self.slop, self.fieldname)

    def field(self):
        return self.q.field()

    def estimate_size(self, ixreader):
        if self.toks:
            return min(sum(ixreader.doc_frequency(f, t) for f, t, _w in alts)
                       for _off, alts in self.toks)
        try:
            return self.q.estimate_size(ixreader)
        except NotImplementedError:
            return ixreader.doc_count_all()

    def estimate_min_size(self, ixreader):
        try:
            return self.q.estimate_min_size(ixreader)
        except NotImplementedError:
            return 0

    def matcher(self, searcher, context=None):
        reader = searcher.reader()
        for _off, alts in self.toks or ():
            if not any((f, t) in reader for f, t, _w in alts):
                return NullMatcher()
        m = self.q.matcher(searcher, context)
        if not m.is_active():
            return NullMatcher()
        return OwnStartMatcher(m, self.limit)


class OwnStartMatcher(SpanWrappingMatcher):
    def __init__(self, child, limit):
        self.limit = limit
        super().__init__(child)

    def copy(self):
        return self.__class__(self.child.copy(), self.limit)

    def _replacement(self, newchild):
        return self.__class__(newchild, self.limit)

    def supports_block_quality(self):
        # Block skipping would bypass the span check.
        return False

    def _get_spans(self):
        limit = self.limit
        return [s for s in self.child.spans() if s.start < limit]


class NoGrams(MultiTerm):
    """A prefix/wildcard/fuzzy/range over the transcript field that never
    expands to common-gram tokens (``of_the``)."""

    def __init__(self, q):
        self.q = q
        self.fieldname = q.field()
        self.text = getattr(q, "text", "")
        self.boost = q.boost
        self.constantscore = getattr(q, "constantscore", False)

    def __repr__(self):
        return "NoGrams(%r)" % (self.q,)

    def __eq__(self, other):
        return isinstance(other, NoGrams) and self.q == other.q

    def __hash__(self):
        return hash(("NoGrams", self.q))

    def field(self):
        return self.fieldname

    def _btexts(self, ixreader):
        q = self.q
        if isinstance(q, FuzzyTerm) and q.field() == "text":
            # Whoosh walks the on-disk term table with many small reads;
            # walk a cached in-memory word list with the same automaton.
            yield from fuzzy_words(ixreader, q.field(), q.text, q.maxdist, q.prefixlength)
            return
        for b in q._btexts(ixreader):
            if isinstance(b, bytes):
                if b"_" not in b:
                    yield b
            elif "_" not in b:
                yield b


_WORDLISTS: dict[tuple[int, str], tuple[object, list[str]]] = {}


def word_list(reader, fieldname: str) -> list[str]:
    """Sorted words (no common-gram tokens) of a reader's field (cached)."""
    key = (id(reader), fieldname)
    e = _WORDLISTS.get(key)
    if e is None or e[0] is not reader:
        words = []
        for b in reader.lexicon(fieldname):
            w = b.decode("utf-8") if isinstance(b, bytes) else b
            if "_" not in w:
                words.append(w)
        if len(_WORDLISTS) > 64:
            _WORDLISTS.clear()
        e = _WORDLISTS[key] = (reader, words)
    return e[1]


_ALPHA: dict[int, tuple[object, list[str]]] = {}


def alpha_words(reader) -> list[str]:
    """Sorted single words (letters and apostrophes) of the ``exact`` field:
    the archive's own vocabulary, for sounds-alike and "Did you mean"."""
    e = _ALPHA.get(id(reader))
    if e is None or e[0] is not reader:
        words = [w for w in word_list(reader, "exact")
                 if w.replace("'", "").isalpha()]
        if len(_ALPHA) > 32:
            _ALPHA.clear()
        e = _ALPHA[id(reader)] = (reader, words)
    return e[1]


_ALPHA_SETS: dict[int, tuple[object, frozenset]] = {}


def alpha_set(reader) -> frozenset:
    e = _ALPHA_SETS.get(id(reader))
    if e is None or e[0] is not reader:
        if len(_ALPHA_SETS) > 32:
            _ALPHA_SETS.clear()
        e = _ALPHA_SETS[id(reader)] = (reader, frozenset(alpha_words(reader)))
    return e[1]


def compound_occurrences(tokens, words: frozenset, taken: set):
    """Words Whisper splits or joins: a typed word that is two words of the
    archive run together ("seawall" -> "sea wall"), or two typed words the
    archive has as one ("sea wall" -> "seawall").  Both halves must be real
    words of the archive (3+ letters, not common words).
    Returns [(start, length, [alternative surfaces])]."""
    out = []
    n = len(tokens)
    for i, (c, s) in enumerate(tokens):
        if i in taken or not s.isalpha() or c in COMMON_TERMS:
            continue
        if i + 1 < n and i + 1 not in taken:
            c2, s2 = tokens[i + 1]
            if (s2.isalpha() and c2 not in COMMON_TERMS and len(s) >= 3 and len(s2) >= 3
                    and s + s2 in words):
                out.append((i, 2, [(s + s2,)]))
                continue
        if len(s) >= 6:
            splits = [(s[:j], s[j:]) for j in range(3, len(s) - 2)
                      if s[:j] in words and s[j:] in words
                      and s[:j] not in COMMON_SURFACES and s[j:] not in COMMON_SURFACES]
            if splits:
                out.append((i, 1, splits))
    return out


def fuzzy_words(reader, fieldname, text, maxdist, prefix=0):
    """Words of the field within ``maxdist`` edits of ``text`` (Whoosh's
    Levenshtein automaton, matched against the cached word list)."""
    words = word_list(reader, fieldname)
    if not words:
        return []
    dfa = lev.levenshtein_automaton(text, maxdist, prefix).to_dfa()
    n = len(words)

    def lookup(key):
        i = bisect_left(words, key)
        return words[i] if i < n else None

    return list(find_all_matches(dfa, lookup))


class KeywordFilter(Query):
    """``body:``/``speaker:``/``kind:`` value, resolved against the index."""

    def __init__(self, fieldname, value, boost=1.0):
        self.fieldname = fieldname
        self.value = keyword_norm(value)
        self.boost = boost

    def __repr__(self):
        return "KeywordFilter(%r, %r)" % (self.fieldname, self.value)

    def __eq__(self, other):
        return (isinstance(other, KeywordFilter) and self.fieldname == other.fieldname
                and self.value == other.value)

    def __hash__(self):
        return hash((self.fieldname, self.value))

    def field(self):
        return self.fieldname

    def resolve(self, reader):
        fieldname, value = self.fieldname, self.value
        if not value:
            return NullQuery
        if (fieldname, value) in reader:
            return Term(fieldname, value)
        words = keyword_words(value)
        if not words:
            return NullQuery
        hits = []
        for btext in reader.lexicon(fieldname):
            text = btext.decode("utf-8") if isinstance(btext, bytes) else btext
            tw = keyword_words(text)
            if all(w in tw for w in words):
                hits.append(Term(fieldname, text))
        if not hits:
            return NullQuery
        return hits[0] if len(hits) == 1 else Or(hits)

    def estimate_size(self, ixreader):
        return ixreader.doc_count_all()

    def matcher(self, searcher, context=None):
        return self.resolve(searcher.reader()).matcher(searcher, context)


class ResolveContext:
    """Collects, while resolving speech leaves: the highlight clauses of the
    positive ones, and whether any expansion actually exists in the index.
    ``primary=True`` resolves every leaf to the words as typed only."""

    def __init__(self, primary: bool = False):
        self.primary = primary
        self.clauses: list[Clause] = []
        self.expanded = False


def resolve_filters(q, reader, ctx: ResolveContext | None = None):
    """Replace every KeywordFilter and SpeechLeaf in ``q`` by its concrete
    query (against ``reader``, the searcher's top-level reader)."""
    if ctx is None:
        ctx = ResolveContext()
    if isinstance(q, KeywordFilter):
        return q.resolve(reader)
    if isinstance(q, SpeechLeaf):
        return q.resolve(reader, ctx)
    if q.is_leaf():
        return q
    return q.apply(lambda c: resolve_filters(c, reader, ctx))


# --------------------------------------------------------------------------
# Highlight clauses (positive text conditions)


@dataclass
class Clause:
    kind: str                    # "seq" | "prefix" | "wild" | "fuzzy"
    terms: tuple = ()            # prefixes, fuzzy variants, wildcard pattern
    slop: int = 1
    maxdist: int = 0
    prefixlength: int = 0
    regex: re.Pattern | None = None
    field: str = "text"          # prefix/wild/fuzzy: "text" (stems) or "exact"
    # "seq": per position, (canonical terms, surfaces) any of which matches
    # the token there; None = any token (a scale word implied by digits)
    seq: tuple = ()


@dataclass
class CompiledQuery:
    query: Query
    clauses: list[Clause] = field(default_factory=list)


# --------------------------------------------------------------------------
# Parser


def make_parser(schema, fieldname: str = "text"):
    pins = [
        plugins.FieldsPlugin(remove_unknown=True),
        plugins.WildcardPlugin(),
        plugins.PhrasePlugin(),
        plugins.RangePlugin(),
        plugins.GroupPlugin(),
        plugins.OperatorsPlugin(),
        plugins.BoostPlugin(),
        # "-word" only at the start of a word, so "2011-05" stays one word;
        # no "+" operator (it would turn the other words optional).
        plugins.PlusMinusPlugin(plusexpr=r"(?!)", minusexpr=r"(?<![^\s(])-(?=[^\s-])"),
        plugins.FuzzyTermPlugin(),
    ]
    return qparser.QueryParser(fieldname, schema, plugins=pins, group=qparser.AndGroup)


def parse_date_filter(value: str, what: str) -> tuple[int | None, int | None]:
    try:
        return parse_date_range(value)
    except DateSyntaxError:
        raise QueryError(f"{what} {value!r} is not a date; use YYYY, YYYY-MM or "
                         "YYYY-MM-DD (e.g. 2011-05-02).") from None


@dataclass
class QueryOptions:
    """How words are matched (see SearchIndex.search)."""

    exact: bool = False               # everything letter for letter
    phonetic: bool = False            # name-like words also match sounds-alikes
    groups: GroupIndex | None = None  # spelling/vocabulary variant groups
    numbers: bool = True              # the index canonicalizes numbers


# ="phrase" / =word  ->  exact:"phrase" / exact:word
_EXACT_PREFIX = re.compile(r'(?<![^\s(\-])=(?=["$\w])')
_QUOTED = re.compile(r'"[^"]*"')
_PLAIN_OPS = frozenset(["AND", "OR", "NOT", "TO", "ANDNOT", "ANDMAYBE"])
_NOT_PLAIN = re.compile(r"[:*?~^\[\]{}]")


def prepare_query(text: str, numbers: bool = True) -> str:
    """Query-string rewrites done before Whoosh parses it: ``="..."`` becomes
    ``exact:"..."``, and a number written as several words outside quotes
    (``twenty five``, ``$4 million``) is quoted so it stays one position."""
    quoted = [m.span() for m in _QUOTED.finditer(text)]
    text = _EXACT_PREFIX.sub(
        lambda m: m.group() if any(a < m.start() < b for a, b in quoted) else "exact:", text)
    if not numbers or not any(c.isdigit() or c in "$%" for c in text) and not _maybe_number(text):
        return text
    out = []
    pos = 0
    for m in _QUOTED.finditer(text):
        out.append(_quote_numbers(text[pos:m.start()]))
        out.append(m.group())
        pos = m.end()
    out.append(_quote_numbers(text[pos:]))
    return "".join(out)


def _maybe_number(text: str) -> bool:
    from .numbers import NUMBER_WORDS
    return any(w.lower() in NUMBER_WORDS or w.lower() in ("per", "a")
               for w in re.findall(r"[A-Za-z]+", text))


def _quote_numbers(part: str) -> str:
    if not part.strip() or '"' in part:
        return part
    # mask everything that is not a plain word with "," (never joins numbers)
    masked = list(part)
    for m in re.finditer(r"\S+", part):
        w = m.group()
        if w in _PLAIN_OPS or _NOT_PLAIN.search(w):
            masked[m.start():m.end()] = "," * len(w)
            continue
        for k, c in enumerate(w):
            if c in "()-" and (k == 0 or c in "()"):
                masked[m.start() + k] = ","
    masked = "".join(masked)
    spans = number_expression_spans(masked)
    for a, b in reversed(spans):
        if " " in part[a:b] or "\t" in part[a:b] or "-" in part[a:b]:
            part = part[:a] + '"' + part[a:b] + '"' + part[b:]
    return part


def number_expression_spans(text: str) -> list[tuple[int, int]]:
    """Char spans of the numbers in ``text`` that take more than one raw
    token (``twenty five``, ``$4 million``, ``75 %``, ``per cent``)."""
    from .numbers import canonical_tokens, gap_joins

    ms = list(SCAN_RE.finditer(text))
    if not ms:
        return []
    raws = [m.group() for m in ms]
    gaps = [True] * len(ms)
    for k in range(1, len(ms)):
        a, b = ms[k - 1].end(), ms[k].start()
        gaps[k] = a == b or gap_joins(text[a:b])
    exprs: list[list[int]] = []
    cur = None
    for _canon, a, b, role in canonical_tokens(raws, gaps):
        if role is None:
            cur = None
            continue
        if b < a:
            continue
        if role == "num" or cur is None or not (cur[0] - 1 <= a and b <= cur[1] + 1):
            cur = [a, b]
            exprs.append(cur)
        else:
            cur[0], cur[1] = min(cur[0], a), max(cur[1], b)
    return [(ms[a].start(), ms[b].end()) for a, b in exprs if b > a]


def compile_query(text: str, parser, *, gram_mode: str = "both",
                  options: QueryOptions | None = None) -> CompiledQuery:
    if text is None or not str(text).strip():
        raise QueryError("Type something to search for.")
    text = str(text).strip()
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"That search is too long ({len(text):,} characters); "
                         f"please keep it under {MAX_QUERY_CHARS:,}.")
    m = _EMPTY_FILTER.search(re.sub(r'"[^"]*"', "Q", text))
    if m:
        name = m.group(1).lower()
        raise QueryError(f"Add a value after '{name}:' (for example {name}:"
                         f"{_EXAMPLES[name]}).")
    options = options or QueryOptions()
    try:
        parsed = parser.parse(prepare_query(text, options.numbers))
    except QueryError:
        raise
    except Exception:
        raise QueryError("Couldn't understand that search; check quotes and "
                         "brackets.") from None
    rw = _Rewriter(gram_mode, options)
    q = rw.rewrite(parsed, False)
    if rw.error:
        raise QueryError(rw.error)
    if q is NullQuery or isinstance(q, type(NullQuery)):
        raise QueryError("Type some words to search for (punctuation on its own "
                         "isn't searchable).")
    if not rw.positive:
        raise QueryError("Add a word to search for: a search can't only exclude "
                         "words.")
    return CompiledQuery(q, rw.clauses)


_EXAMPLES = {
    "body": '"City Council"', "speaker": "smith", "kind": "meeting",
    "title": "budget", "date": "2011-05", "year": "2011", "sounds": "Sarno",
    "exact": '"item 3"',
}


class _Rewriter:
    def __init__(self, gram_mode: str, options: QueryOptions | None = None):
        self.gram_mode = gram_mode
        self.options = options or QueryOptions()
        self.clauses: list[Clause] = []
        self.positive = False
        self.error: str | None = None

    def rewrite(self, q, neg: bool):
        err = getattr(q, "error", None)
        if err is not None and self.error is None:
            if isinstance(err, DateSyntaxError):
                self.error = (f"'{err}' is not a date; use date:YYYY, date:YYYY-MM, "
                              "date:YYYY-MM-DD or a range like date:2011..2012.")
            else:
                self.error = "Couldn't understand part of that search."
            return NullQuery
        if isinstance(q, Not):
            return Not(self.rewrite(q.query, not neg))
        if isinstance(q, AndNot):
            return AndNot(self.rewrite(q.a, neg), self.rewrite(q.b, not neg))
        if isinstance(q, AndMaybe):
            return AndMaybe(self.rewrite(q.a, neg), self.rewrite(q.b, neg))
        if isinstance(q, Every):
            self.error = "Type a word to search for ('*' on its own matches everything)."
            return NullQuery
        if isinstance(q, And) and self.options.groups and not self.options.exact:
            joined = self._join_words(q, neg)
            if joined is not None:
                return joined
        fieldname = q.field() if hasattr(q, "field") else None
        if fieldname in TEXT_FIELDS:
            return self._text(q, neg)
        if fieldname in KEYWORD_FIELDS and isinstance(q, Term):
            self.positive |= not neg
            return KeywordFilter(fieldname, q.text, boost=q.boost)
        if fieldname in KEYWORD_FIELDS and isinstance(q, Phrase):
            self.positive |= not neg
            return KeywordFilter(fieldname, " ".join(q.words), boost=q.boost)
        if q.is_leaf():
            if q is not NullQuery and not isinstance(q, type(NullQuery)):
                self.positive |= not neg
            return q
        return q.apply(lambda c: self.rewrite(c, neg))

    def _add(self, clause: Clause, neg: bool):
        if not neg:
            self.positive = True
            self.clauses.append(clause)

    def _leaf(self, tokens, mode, neg, slop=1, boost=1.0, alternatives_only=False):
        if not neg:
            self.positive = True
        o = self.options
        return SpeechLeaf(tokens, slop=slop, boost=boost, mode=mode,
                          groups=None if (o.exact or mode == "exact") else o.groups,
                          phonetic=o.phonetic and not o.exact, gram_mode=self.gram_mode,
                          neg=neg, alternatives_only=alternatives_only)

    def _join_words(self, q, neg):
        """``council member budget`` (unquoted): words that spell a
        multi-word group member also find its variants ("councilor")."""
        subs = list(q.subqueries)
        toks = [_plain_word(s) for s in subs]
        out, i, changed = [], 0, False
        while i < len(subs):
            j = i
            while j < len(subs) and toks[j] is not None:
                j += 1
            if j - i >= 2:
                run = [toks[k] for k in range(i, j)]
                occ = [o for o in find_occurrences(run, self.options.groups) if o[1] >= 2]
                k = i
                for start, length, _m in occ:
                    for x in range(k, i + start):
                        out.append(self.rewrite(subs[x], neg))
                    words = [self.rewrite(subs[x], neg)
                             for x in range(i + start, i + start + length)]
                    alt = self._leaf(run[start:start + length], "text", neg,
                                     alternatives_only=True)
                    out.append(Or([And(words), alt]))
                    k = i + start + length
                    changed = True
                for x in range(k, j):
                    out.append(self.rewrite(subs[x], neg))
                i = j
            elif j > i:
                out.append(self.rewrite(subs[i], neg))
                i += 1
            else:
                out.append(self.rewrite(subs[i], neg))
                i += 1
        if not changed:
            return None
        return And(out, boost=q.boost)

    def _text(self, q, neg):
        fieldname = q.field()
        if fieldname == "sounds":
            mode = "sounds"
        elif fieldname == "exact" or self.options.exact:
            mode = "exact"
        else:
            mode = "text"
        ex = mode == "exact"
        if isinstance(q, Phrase):
            tokens = [split_qtoken(w) for w in q.words if w]
            if not tokens:
                return NullQuery
            return self._leaf(tokens, mode, neg, slop=max(1, q.slop), boost=q.boost)
        if isinstance(q, FuzzyTerm):   # before Term checks
            word = q.text
            maxdist = min(max(int(q.maxdist), 1), 2)
            variants = (word,) if ex else tuple(dict.fromkeys([word, stem_word(word)]))
            fname = "exact" if ex else "text"
            self._add(Clause("fuzzy", variants, maxdist=maxdist,
                             prefixlength=q.prefixlength, field=fname), neg)
            subs = [NoGrams(FuzzyTerm(fname, v, boost=q.boost, maxdist=maxdist,
                                      prefixlength=q.prefixlength)) for v in variants]
            return OwnStart(subs[0] if len(subs) == 1 else Or(subs))
        if isinstance(q, Prefix):
            p = q.text
            if len(p) < 2:
                self.error = "Type at least two letters before '*'."
                return NullQuery
            if ex:
                prefixes = (p,)
            else:
                s = stem_word(p)
                prefixes = (s,) if p.startswith(s) and len(s) >= 2 else tuple(
                    dict.fromkeys([p, s]))
            fname = "exact" if ex else "text"
            self._add(Clause("prefix", prefixes, field=fname), neg)
            subs = [NoGrams(Prefix(fname, x, boost=q.boost)) for x in prefixes]
            return OwnStart(subs[0] if len(subs) == 1 else Or(subs))
        if isinstance(q, Wildcard):
            pat = q.text
            if not re.sub(r"[*?]", "", pat):
                self.error = "Type a word to search for ('*' on its own matches everything)."
                return NullQuery
            rx = re.compile(
                "".join(".*" if c == "*" else "." if c == "?" else re.escape(c)
                        for c in pat) + r"\Z")
            fname = "exact" if ex else "text"
            self._add(Clause("wild", (pat,), regex=rx, field=fname), neg)
            return OwnStart(NoGrams(Wildcard(fname, pat, boost=q.boost)))
        if isinstance(q, Term):
            return self._leaf([split_qtoken(q.text)], mode, neg, boost=q.boost)
        if isinstance(q, MultiTerm):
            if not neg:
                self.positive = True
            return OwnStart(NoGrams(q))
        if q.is_leaf():
            if not neg:
                self.positive = True
            return q
        return q.apply(lambda c: self.rewrite(c, neg))


def _plain_word(q):
    """(canonical, surface) of an unquoted transcript word, else None."""
    if type(q) is Term and q.field() == "text" and q.boost == 1.0:
        return split_qtoken(q.text)
    return None


# --------------------------------------------------------------------------
# Words and phrases, resolved against the index at search time


class SpeechLeaf(Query):
    """A typed word or phrase (``tokens``: [(canonical, surface)]) with how
    to match it; :meth:`resolve` turns it into OwnStart queries over the
    words as typed plus the variants and sounds-alikes the index holds.

    ``mode``: "text" (canonical terms), "exact" (surfaces, letter for
    letter, no expansion) or "sounds" (every word also matches its
    sounds-alikes).  ``alternatives_only``: only the variant paths (used for
    unquoted words joined into a group member; the words themselves are
    searched separately)."""

    def __init__(self, tokens, *, slop=1, boost=1.0, mode="text", groups=None,
                 phonetic=False, gram_mode="both", neg=False, alternatives_only=False):
        self.tokens = [tuple(t) for t in tokens]
        self.slop = slop
        self.boost = boost
        self.mode = mode
        self.groups = groups
        self.phonetic = phonetic
        self.gram_mode = gram_mode
        self.neg = neg
        self.alternatives_only = alternatives_only

    def __repr__(self):
        return "SpeechLeaf(%r, %s)" % (self.tokens, self.mode)

    def _key(self):
        return (tuple(self.tokens), self.slop, self.boost, self.mode, self.phonetic,
                self.alternatives_only, id(self.groups))

    def __eq__(self, other):
        return isinstance(other, SpeechLeaf) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def field(self):
        return "text"

    def is_leaf(self):
        return True

    def estimate_size(self, ixreader):
        return ixreader.doc_count_all()

    def matcher(self, searcher, context=None):
        return self.resolve(searcher.reader(), ResolveContext()).matcher(searcher, context)

    # -- expansion ---------------------------------------------------------

    def _paths(self, reader, ctx):
        """[(weight, positions, is_original)]; positions: per offset a list of
        (fieldname, term, weight) alternatives, or None (any token)."""
        toks = self.tokens
        if self.mode == "exact":
            return [(1.0, [[("exact", s, 1.0)] if s else None for _c, s in toks], True)]
        base = [[("text", c, 1.0)] for c, _s in toks]
        if ctx.primary:
            return [] if self.alternatives_only else [(1.0, base, True)]
        if self.mode == "sounds" or self.phonetic:
            explicit = self.mode == "sounds"
            words = None
            for i, (c, s) in enumerate(toks):
                if phonetic_ok(c, s, explicit):
                    if words is None:
                        words = alpha_words(reader)
                    base[i] += [("exact", w, W_PHONETIC)
                                for w in sound_alikes(reader, words, s)]
        occ = find_occurrences(toks, self.groups) if self.groups else []
        if self.alternatives_only:
            occ = [o for o in occ if o[0] == 0 and o[1] == len(toks)]
            if not occ:
                return []
        elif self.groups is not None:
            taken = {k for start, length, _m in occ for k in range(start, start + length)}
            occ += compound_occurrences(toks, alpha_set(reader), taken)
            occ.sort(key=lambda o: o[0])
        segments = []
        i = 0
        for start, length, member in occ:
            for k in range(i, start):
                segments.append([(1.0, [base[k]], True)])
            if isinstance(member, list):        # compound split/join
                opts = [(1.0, [list(base[k]) for k in range(start, start + length)], True)]
                for parts in member:
                    opts.append((W_VARIANT, [[("exact", p, 1.0)] for p in parts], False))
                segments.append(opts)
                i = start + length
                continue
            alts = self.groups.alternatives(member)
            orig = [list(base[k]) for k in range(start, start + length)]
            singles = [m for m in alts if m.length == 1]
            opts = []
            if length == 1:
                orig[0] += [_alt(m, 0, W_VARIANT) for m in singles]
                opts.append((1.0, orig, True))
            else:
                opts.append((1.0, orig, True))
                if singles:
                    opts.append((W_VARIANT, [[_alt(m, 0, 1.0) for m in singles]], False))
            for m in alts:
                if m.length > 1:
                    opts.append((W_VARIANT, [[_alt(m, k, 1.0)] for k in range(m.length)],
                                 False))
            segments.append(opts)
            i = start + length
        for k in range(i, len(toks)):
            segments.append([(1.0, [base[k]], True)])
        out = []
        for combo in itertools.islice(itertools.product(*segments), MAX_PATHS + 1):
            orig = all(o[2] for o in combo)
            if orig and self.alternatives_only:
                continue
            w = 1.0
            positions = []
            for o in combo:
                w *= o[0]
                positions += o[1]
            out.append((w, positions, orig))
            if len(out) >= MAX_PATHS:
                break
        return out

    def resolve(self, reader, ctx: ResolveContext):
        kept = []
        for w, positions, orig in self._paths(reader, ctx):
            new = []
            for alts in positions:
                if alts is None:
                    new.append(None)
                    continue
                keep = [a for j, a in enumerate(alts)
                        if (orig and j == 0) or (a[0], a[1]) in reader]
                if not keep:
                    break
                if len(keep) > 1:
                    ctx.expanded = True
                new.append(keep)
            else:
                if not orig:
                    ctx.expanded = True
                kept.append((w, new))
        if not kept:
            return NullQuery
        qs = []
        for w, positions in kept:
            q = path_query(positions, self.slop, self.gram_mode)
            b = w * self.boost
            if b != 1.0:
                q = And([q], boost=b)
            qs.append(q)
            if not self.neg:
                ctx.clauses.append(Clause("seq", slop=self.slop, seq=tuple(
                    None if alts is None else
                    (frozenset(t for f, t, _w in alts if f == "text"),
                     frozenset(t for f, t, _w in alts if f == "exact"))
                    for alts in positions)))
        return qs[0] if len(qs) == 1 else Or(qs)


def _alt(m, k, w):
    return ("exact", m.surface[k], w) if m.literal else ("text", m.canon[k], w)


def path_query(positions, slop: int = 1, gram_mode: str = "both"):
    """OwnStart over one token path (common grams for runs of plain words)."""
    toks = []
    if slop <= 1:
        run: list[tuple[int, str]] = []
        runfield = ["text"]

        def flush():
            if run:
                base = run[0][0]
                f = runfield[0]
                common = COMMON_TERMS if f == "text" else COMMON_SURFACES
                for off, t in phrase_tokens([t for _k, t in run], gram_mode, common):
                    toks.append((base + off, ((f, t, 1.0),)))
                run.clear()

        for k, alts in enumerate(positions):
            if alts is None:
                flush()
                continue
            if len(alts) == 1 and alts[0][2] == 1.0:
                f = alts[0][0]
                if run and (run[-1][0] != k - 1 or runfield[0] != f):
                    flush()
                runfield[0] = f
                run.append((k, alts[0][1]))
                continue
            flush()
            toks.append((k, tuple(alts)))
        flush()
        toks.sort(key=lambda x: x[0])
    else:
        toks = [(k, tuple(alts)) for k, alts in enumerate(positions) if alts]
    return OwnStart(positional_chain(toks, slop), toks=toks, slop=slop)


def own_term(word: str, boost: float = 1.0):
    """A transcript word, counted only where it is one of the segment's own."""
    q = OwnStart(Term("text", word), toks=[(0, (("text", word, 1.0),))])
    if boost != 1.0:
        q = And([q], boost=boost)
    return q


def _span_leaf(alts):
    if len(alts) == 1:
        f, t, w = alts[0]
        return Term(f, t, boost=w)
    return SpanOr([Term(f, t, boost=w) for f, t, w in alts])


def positional_chain(toks, slop: int = 1):
    """Span query matching the tokens at the given relative offsets (exactly,
    for slop 1; within ``slop`` of each other otherwise).  ``toks``:
    [(offset, alts)], alts a tuple of (fieldname, term, weight)."""
    if len(toks) == 1:
        return _span_leaf(toks[0][1])
    if slop > 1 or all(b[0] - a[0] == 1 for a, b in zip(toks, toks[1:])):
        return SpanNear2([_span_leaf(a) for _, a in toks], slop=slop, ordered=True,
                         mindist=1)
    # gaps (a word covered by a gram on its left): chain exact distances
    q = _span_leaf(toks[0][1])
    for (o1, _), (o2, a) in zip(toks, toks[1:]):
        gap = o2 - o1
        q = SpanNear(q, _span_leaf(a), slop=gap, ordered=True, mindist=gap)
    return q


def filters_query(*, body=None, speaker=None, kind=None, date_from=None, date_to=None):
    """Keyword-argument filters as a query (or None)."""
    parts = []
    for name, value in (("body", body), ("speaker", speaker), ("kind", kind)):
        if value is None:
            continue
        values = [value] if isinstance(value, str) else list(value)
        subs = [KeywordFilter(name, v) for v in values if keyword_norm(str(v))]
        if subs:
            parts.append(subs[0] if len(subs) == 1 else Or(subs))
    lo = hi = None
    if date_from:
        lo = parse_date_filter(str(date_from), "date_from")[0]
    if date_to:
        hi = parse_date_filter(str(date_to), "date_to")[1]
    if lo is not None or hi is not None:
        parts.append(date_range_query(lo, hi))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else And(parts)
