"""Reference scoring of :class:`nodes.OwnStart` on Whoosh's matcher path.

The numpy engine (:mod:`index.engine`) scores an own-start condition with
BM25F over the occurrences that *start in the segment's own words*, with
one idf per offset for its alternatives (a synonym query), weighted
alternatives, and a constant score for prefix/wildcard/fuzzy/range.  Whoosh's
span matchers find the same documents but score the whole posting (overlap
included), so on the reference path the OwnStart matcher asks this module
for the score of its current document: the same rules, one document at a
time, from Whoosh's public postings API (``reader.postings(...)`` and
``value_as("positions")``).  Tests compare the two paths on ids, scores and
order; any disagreement is a bug in one of them.
"""

from __future__ import annotations

from whoosh.matching import WrappingMatcher
from whoosh.query import And, MultiTerm, Not, Or, Query

from .._whoosh_internals import bm25_parameters, expand_terms
from ..postings import alternatives_idf

_ABSENT = object()


def expandable(q):
    """The multi-term queries under an OwnStart (None if it holds others)."""
    if isinstance(q, MultiTerm):
        return [q]
    if isinstance(q, Or) and all(isinstance(s, MultiTerm) for s in q.subqueries):
        return list(q.subqueries)
    return None


def own_start_score(searcher, q, docnum: int, cursors: dict, spans=None):
    """Score of local ``docnum`` for OwnStart ``q`` in a leaf ``searcher``,
    or None where the engine also uses the child matcher's score (sloppy
    phrases).  ``cursors``: per-matcher cache of forward-only postings;
    ``spans``: the matcher's own-start spans of the document."""
    sc = _Scorer(searcher, docnum, cursors)
    toks = q.toks
    if (spans is not None and toks and toks[0][0] == 0 and (len(toks) == 1 or q.slop <= 1)
            and all(len(alts) == 1 and alts[0][2] == 1.0 for _off, alts in toks)):
        # one term per offset, weight 1: each own-start span is one occurrence
        tf = len(spans)
        if len(toks) == 1:
            f, t, _w = toks[0][1][0]
            return sc.term(f, t, tf)
        return sum(sc.bm25(sc.alts_idf(alts), "text", tf) for _off, alts in toks)
    if q.toks is not None and len(q.toks) == 1:
        return sc.one_offset(q.toks[0][1], q.limit)
    if q.toks is not None and q.slop <= 1:
        return sc.phrase(q.toks, q.limit)
    mts = expandable(q.q)
    if mts is not None:
        return sc.multi(mts, q.limit, cursors)
    return None


class _Scorer:
    def __init__(self, searcher, docnum, cursors):
        self.reader = searcher.reader()
        self.top = searcher.get_parent()
        self.doc = docnum
        self.cursors = cursors

    def positions(self, f, t):
        key = (f, t)
        m = self.cursors.get(key)
        if m is None or (m is not _ABSENT and m.is_active() and m.id() > self.doc):
            m = self.reader.postings(f, t) if key in self.reader else _ABSENT
            self.cursors[key] = m
        if m is _ABSENT:
            return ()
        if m.is_active() and m.id() < self.doc:
            m.skip_to(self.doc)
        if m.is_active() and m.id() == self.doc:
            return m.value_as("positions")
        return ()

    def own(self, f, t, limit) -> int:
        return sum(1 for p in self.positions(f, t) if p < limit)

    def bm25(self, idf, lenfield, tf) -> float:
        avgfl = self.top.avg_field_length(lenfield) or 1
        B, K1 = bm25_parameters(self.top.weighting, lenfield)
        dl = self.reader.doc_field_length(self.doc, lenfield, 1) or 1
        return idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * dl / avgfl)))

    def term(self, f, t, tf) -> float:
        """BM25 of one term with term frequency ``tf`` (engine._bm25)."""
        if self.top.schema[f].scorable:
            return self.bm25(self.top.idf(f, t), f, tf)
        if f == "exact":      # surfaces share the transcript's positions
            return self.bm25(self.top.idf(f, t), "text", tf)
        return float(tf)

    def alts_idf(self, alts) -> float:
        return alternatives_idf(self.top, alts)

    def one_offset(self, alts, limit) -> float:
        if len(alts) == 1 and alts[0][2] == 1.0:
            f, t, _w = alts[0]
            return self.term(f, t, self.own(f, t, limit))
        tf = sum(w * self.own(f, t, limit) for f, t, w in alts)
        return self.bm25(self.alts_idf(alts), "text", tf)

    def phrase(self, toks, limit) -> float:
        found = None      # phrase start -> weight
        for off, alts in toks:
            best: dict[int, float] = {}
            for f, t, w in alts:
                for p in self.positions(f, t):
                    s = p - off
                    if w > best.get(s, 0.0):
                        best[s] = w
            found = best if found is None else {
                s: found[s] * w for s, w in best.items() if s in found}
        tf = sum(w for s, w in found.items() if s < limit)
        return sum(self.bm25(self.alts_idf(alts), "text", tf) for _off, alts in toks)

    def multi(self, mts, limit, cursors) -> float:
        total = 0.0
        for mt in mts:
            key = ("terms", mt)
            texts = cursors.get(key)
            if texts is None:
                field = self.reader.schema[mt.field()]
                texts = cursors[key] = [
                    field.from_bytes(b) if isinstance(b, bytes) else b
                    for b in expand_terms(mt, self.reader) if b]
            score, hit = 0.0, False
            for t in texts:
                tf = self.own(mt.field(), t, limit)
                if tf:
                    hit = True
                    score += self.term(mt.field(), t, tf)
            if hit:
                total += (1.0 if mt.constantscore else score) * mt.boost
        return total


class Scaled(Query):
    """Matches what ``q`` matches, its scores times ``factor``."""

    def __init__(self, q, factor: float):
        self.q = q
        self.factor = factor

    def __repr__(self):
        return "Scaled(%r, %r)" % (self.q, self.factor)

    def __eq__(self, other):
        return isinstance(other, Scaled) and (self.q, self.factor) == (other.q, other.factor)

    def __hash__(self):
        return hash(("Scaled", self.q, self.factor))

    def is_leaf(self):
        return True

    def estimate_size(self, ixreader):
        return self.q.estimate_size(ixreader)

    def matcher(self, searcher, context=None):
        return WrappingMatcher(self.q.matcher(searcher, context), boost=self.factor)


def reference_query(q):
    """``q`` as Whoosh's matchers must run it to score like the engine: an
    excluded word (``NOT x``) adds nothing (Whoosh's inverse matcher scores
    1), and a one-query And/Or keeps its boost (Whoosh drops it: that is how
    variant and sounds-alike paths are weighted, ``nodes.SpeechLeaf``)."""
    if isinstance(q, Not):
        return Scaled(q, 0.0)
    if q.is_leaf():
        return q
    if isinstance(q, (And, Or)) and len(q.subqueries) == 1 and q.boost != 1.0:
        return Scaled(reference_query(q.subqueries[0]), q.boost)
    return q.apply(reference_query)
