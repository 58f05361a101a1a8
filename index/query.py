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
* prefix and fuzzy terms also try the stemmed form of the word, and never
  expand to common-gram tokens;
* ``body:``/``speaker:``/``kind:`` become :class:`KeywordFilter`, resolved
  against the index (exact value, case-insensitive, else every value that
  contains all the given words);
* malformed input raises :class:`QueryError` with one friendly line.

Alongside the Whoosh query the compiler returns *highlight clauses*, the
positive text conditions used to locate the first matched word of each hit.
"""

from __future__ import annotations

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
from whoosh.query.spans import SpanNear, SpanNear2, SpanQuery, SpanWrappingMatcher

from .analysis import keyword_norm, keyword_words, phrase_tokens, stem_word
from .model import QueryError
from .schema import BOUNDARY, DateSyntaxError, date_range_query, parse_date_range

MAX_QUERY_CHARS = 1000
KEYWORD_FIELDS = ("body", "speaker", "kind")
_EMPTY_FILTER = re.compile(r"(?:^|[\s(])(body|speaker|kind|title|date|year):(?=$|[\s)])",
                           re.IGNORECASE)


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
        # (offset, term) tokens to match, for engine.Evaluator's fast path
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
        return self.q.estimate_size(ixreader)

    def estimate_min_size(self, ixreader):
        return self.q.estimate_min_size(ixreader)

    def matcher(self, searcher, context=None):
        reader = searcher.reader()
        for _off, text in self.toks or ():
            if (self.fieldname, text) not in reader:
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


_WORDLISTS: dict[int, tuple[object, str, list[str]]] = {}


def word_list(reader, fieldname: str) -> list[str]:
    """Sorted words (no common-gram tokens) of a segment reader's field."""
    e = _WORDLISTS.get(id(reader))
    if e is None or e[0] is not reader or e[1] != fieldname:
        words = []
        for b in reader.lexicon(fieldname):
            w = b.decode("utf-8") if isinstance(b, bytes) else b
            if "_" not in w:
                words.append(w)
        if len(_WORDLISTS) > 32:
            _WORDLISTS.clear()
        e = _WORDLISTS[id(reader)] = (reader, fieldname, words)
    return e[2]


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


def resolve_filters(q, reader):
    """Replace every KeywordFilter in ``q`` by its concrete query."""
    if isinstance(q, KeywordFilter):
        return q.resolve(reader)
    if q.is_leaf():
        return q
    return q.apply(lambda c: resolve_filters(c, reader))


# --------------------------------------------------------------------------
# Highlight clauses (positive text conditions)


@dataclass
class Clause:
    kind: str                    # "term" | "prefix" | "wild" | "fuzzy" | "phrase"
    terms: tuple = ()            # term(s), prefixes, fuzzy variants, phrase words
    slop: int = 1
    maxdist: int = 0
    prefixlength: int = 0
    regex: re.Pattern | None = None


@dataclass
class CompiledQuery:
    query: Query
    clauses: list[Clause] = field(default_factory=list)


# --------------------------------------------------------------------------
# Parser


def make_parser(schema):
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
    return qparser.QueryParser("text", schema, plugins=pins, group=qparser.AndGroup)


def parse_date_filter(value: str, what: str) -> tuple[int | None, int | None]:
    try:
        return parse_date_range(value)
    except DateSyntaxError:
        raise QueryError(f"{what} {value!r} is not a date; use YYYY, YYYY-MM or "
                         "YYYY-MM-DD (e.g. 2011-05-02).") from None


def compile_query(text: str, parser, *, gram_mode: str = "both") -> CompiledQuery:
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
    try:
        parsed = parser.parse(text)
    except QueryError:
        raise
    except Exception:
        raise QueryError("Couldn't understand that search; check quotes and "
                         "brackets.") from None
    rw = _Rewriter(gram_mode)
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
    "title": "budget", "date": "2011-05", "year": "2011",
}


class _Rewriter:
    def __init__(self, gram_mode: str):
        self.gram_mode = gram_mode
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
        fieldname = q.field() if hasattr(q, "field") else None
        if fieldname == "text":
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

    def _text(self, q, neg):
        if isinstance(q, Phrase):
            words = [w for w in q.words if w]
            if not words:
                return NullQuery
            if len(words) == 1:
                self._add(Clause("term", (words[0],)), neg)
                return own_term(words[0], q.boost)
            self._add(Clause("phrase", tuple(words), slop=max(1, q.slop)), neg)
            return self._phrase(words, max(1, q.slop), q.boost)
        if isinstance(q, FuzzyTerm):   # before Term checks
            word = q.text
            maxdist = min(max(int(q.maxdist), 1), 2)
            variants = tuple(dict.fromkeys([word, stem_word(word)]))
            self._add(Clause("fuzzy", variants, maxdist=maxdist,
                             prefixlength=q.prefixlength), neg)
            subs = [NoGrams(FuzzyTerm("text", v, boost=q.boost, maxdist=maxdist,
                                      prefixlength=q.prefixlength)) for v in variants]
            return OwnStart(subs[0] if len(subs) == 1 else Or(subs))
        if isinstance(q, Prefix):
            p = q.text
            if len(p) < 2:
                self.error = "Type at least two letters before '*'."
                return NullQuery
            s = stem_word(p)
            prefixes = (s,) if p.startswith(s) and len(s) >= 2 else tuple(
                dict.fromkeys([p, s]))
            self._add(Clause("prefix", prefixes), neg)
            subs = [NoGrams(Prefix("text", x, boost=q.boost)) for x in prefixes]
            return OwnStart(subs[0] if len(subs) == 1 else Or(subs))
        if isinstance(q, Wildcard):
            pat = q.text
            if not re.sub(r"[*?]", "", pat):
                self.error = "Type a word to search for ('*' on its own matches everything)."
                return NullQuery
            rx = re.compile(
                "".join(".*" if c == "*" else "." if c == "?" else re.escape(c)
                        for c in pat) + r"\Z")
            self._add(Clause("wild", (pat,), regex=rx), neg)
            return OwnStart(NoGrams(q))
        if isinstance(q, Term):
            self._add(Clause("term", (q.text,)), neg)
            return own_term(q.text, q.boost)
        if isinstance(q, MultiTerm):
            if not neg:
                self.positive = True
            return OwnStart(NoGrams(q))
        if q.is_leaf():
            if not neg:
                self.positive = True
            return q
        return q.apply(lambda c: self.rewrite(c, neg))

    def _phrase(self, words, slop, boost):
        toks = phrase_tokens(words, self.gram_mode) if slop <= 1 else list(enumerate(words))
        q = OwnStart(positional_chain(toks, slop), toks=toks, slop=slop)
        if boost != 1.0:
            q = And([q], boost=boost)
        return q


def own_term(word: str, boost: float = 1.0):
    """A transcript word, counted only where it is one of the segment's own."""
    q = OwnStart(Term("text", word), toks=[(0, word)])
    if boost != 1.0:
        q = And([q], boost=boost)
    return q


def positional_chain(toks: list[tuple[int, str]], slop: int = 1):
    """Span query matching the transcript tokens at the given relative
    offsets (exactly, for slop 1; within ``slop`` of each other otherwise)."""
    if len(toks) == 1:
        return Term("text", toks[0][1])
    if slop > 1 or all(b[0] - a[0] == 1 for a, b in zip(toks, toks[1:])):
        return SpanNear2([Term("text", t) for _, t in toks], slop=slop, ordered=True,
                         mindist=1)
    # gaps (a word covered by a gram on its left): chain exact distances
    q = Term("text", toks[0][1])
    for (o1, _), (o2, t) in zip(toks, toks[1:]):
        gap = o2 - o1
        q = SpanNear(q, Term("text", t), slop=gap, ordered=True, mindist=gap)
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
