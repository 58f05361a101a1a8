"""Query nodes of the rewritten tree (Whoosh ``Query`` subclasses).

* :class:`OwnStart` keeps only matches that *start* in a segment's own words
  (the transcript field also holds the first words of the next segment);
  its ``toks`` ([(offset, alternatives)]) drive the numpy engine's fast path;
* :class:`NoGrams`: a prefix/wildcard/fuzzy/range over the transcript that
  never expands to common-gram tokens;
* :class:`KeywordFilter`: ``body:``/``speaker:``/``kind:`` resolved against
  the index (exact value, case-insensitive, else every value holding all
  the given words);
* :class:`SpeechLeaf`: a typed word or phrase, resolved at search time into
  OwnStart paths over the words as typed plus variants and sounds-alikes
  (:func:`expansion.expand_paths`);
* :class:`Clause`: a positive text condition, for locating the first matched
  word of a hit (:mod:`index.snippets`).

Matched through Whoosh (the reference path), an OwnStart scores like the
numpy engine (:mod:`.oracle`), so the two paths agree on scores and order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from whoosh.matching import NullMatcher
from whoosh.query import And, FuzzyTerm, MultiTerm, NullQuery, Or, Query, Term
from whoosh.query.spans import SpanNear, SpanNear2, SpanOr, SpanQuery

from .._whoosh_internals import SpanFilterMatcher, TermListQuery, expand_terms
from ..analysis import COMMON_SURFACES, COMMON_TERMS, keyword_norm, keyword_words, phrase_tokens
from ..lexicon import lexicon
from ..schema import BOUNDARY
from .expansion import expand_paths
from .oracle import own_start_score


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


class OwnStart(SpanQuery):
    """Keeps only the spans of ``q`` that start before ``limit`` - in the
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
        return OwnStartMatcher(m, self, searcher)


class OwnStartMatcher(SpanFilterMatcher):
    """Spans starting before the limit; scored by :func:`oracle.own_start_score`."""

    def __init__(self, child, query: OwnStart, searcher, cursors=None):
        self.query = query
        self.searcher = searcher
        self.cursors = {} if cursors is None else cursors   # shared by copies
        super().__init__(child)

    def keep(self, span) -> bool:
        return span.start < self.query.limit

    def rewrap(self, child):
        return OwnStartMatcher(child, self.query, self.searcher, self.cursors)

    def score(self):
        s = own_start_score(self.searcher, self.query, self.id(), self.cursors,
                            self.spans())
        return self.child.score() if s is None else s


class NoGrams(TermListQuery, MultiTerm):
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

    def terms(self, reader):
        q = self.q
        if isinstance(q, FuzzyTerm) and q.field() == "text":
            # Whoosh walks the on-disk term table with many small reads;
            # walk the cached in-memory word list with the same automaton.
            yield from lexicon(reader).fuzzy(q.field(), q.text, q.maxdist, q.prefixlength)
            return
        for b in expand_terms(q, reader):
            if (b"_" not in b) if isinstance(b, bytes) else ("_" not in b):
                yield b


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

    def resolve(self, reader, ctx: ResolveContext):
        kept = []
        paths = expand_paths(self.tokens, lexicon(reader), mode=self.mode,
                             groups=self.groups, phonetic=self.phonetic,
                             alternatives_only=self.alternatives_only,
                             primary=ctx.primary)
        for w, positions, orig in paths:
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


# --------------------------------------------------------------------------
# Token paths -> span queries


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
