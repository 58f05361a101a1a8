"""Vectorized query evaluation over Whoosh's on-disk postings.

Whoosh's matcher/collector layer does a handful of Python method calls per
matching document (``is_active``/``id``/``score``/``next`` through nested
wrappers, span objects per position).  On a 1,000-hour archive a common word
matches tens of thousands of segments, which made single-word and phrase
queries take 100 ms - 1 s.  This module evaluates the (rewritten) query tree
per segment with numpy instead:

* a term's posting list is decoded block by block straight from the W3
  postings (``ids``, ``weights`` and, for phrases, the packed positions);
  blocks that cannot contain any candidate document are skipped using the
  block headers, so ``"the budget"`` never decodes all of ``the``;
* BM25F scores are computed for whole arrays with the same formula,
  parameters and global statistics as ``whoosh.scoring.BM25F``;
* AND/OR/NOT are sorted-array intersections/unions/differences (scores are
  summed like Whoosh's Intersection/Union matchers);
* a phrase is a join of ``(doc << 32 | position - offset)`` keys across its
  (gram) tokens; a match counts only if it starts before ``BOUNDARY``, i.e.
  in the segment's own words (the numpy twin of :class:`query.OwnStart`);
* posting lists and the set operations live in :mod:`index.postings`, the
  decoding of Whoosh's on-disk blocks in :mod:`index._whoosh_internals`;
* an offset may accept several alternatives (variants, sounds-alikes, from
  the ``text`` or the ``exact`` field: they share positions), each with a
  weight: an occurrence counts ``product of its tokens' weights`` towards
  the term frequency, and every offset is scored with one idf (that of the
  word as typed, else of its most frequent alternative) - a synonym query
  in the Lucene sense, so variants never outscore the same count of the
  typed word.

Any node type it does not know is evaluated with the regular Whoosh matcher,
so results never depend on which path ran: tests compare ids, scores and
order with Whoosh's matchers (OwnStart scored by :mod:`query.oracle`).
"""

from __future__ import annotations

import logging
import math

import numpy as np
from whoosh.query import And, AndMaybe, AndNot, Every, MultiTerm, Not, Or, Term

from ._whoosh_internals import bm25_parameters, deleted_docnums, expand_terms, is_null
from .postings import (EMPTY_IDS, EMPTY_SCORES, Postings, Result, alternatives_idf, constant, intersect,
                       member, minus, own_counts, position_keys, read_postings, restrict,
                       runs, union)
from .query import OwnStart, expandable

log = logging.getLogger(__name__)
# keyword fields whose sortable column can answer "value == x" per document
COLUMN_FILTER_FIELDS = ("body", "speaker", "kind", "year")


class Evaluator:
    """Evaluates a query over every segment of a (top-level) searcher."""

    def __init__(self, searcher, cache):
        self.searcher = searcher
        self.cache = cache
        self.weighting = searcher.weighting

    # -- public ------------------------------------------------------------

    def run(self, q) -> tuple[np.ndarray, np.ndarray]:
        """Global (ids, scores) of all matching documents, ids ascending."""
        id_parts, sc_parts = [], []
        for sub, offset in self.searcher.leaf_searchers():
            r = self.eval(q, sub, None)
            if len(r):
                id_parts.append(r.ids + offset)
                sc_parts.append(r.scores)
        if not id_parts:
            return EMPTY_IDS, EMPTY_SCORES
        return np.concatenate(id_parts), np.concatenate(sc_parts)

    # -- nodes -------------------------------------------------------------

    def eval(self, q, sub, cand) -> Result:
        if is_null(q):
            return Result.empty()
        boost = getattr(q, "boost", 1.0) or 1.0
        if isinstance(q, OwnStart) and q.toks is not None and len(q.toks) == 1:
            r = self._own_alts(q.toks[0][1], sub, cand, q.limit)
        elif isinstance(q, OwnStart) and q.toks is not None and q.slop <= 1:
            r = self._phrase(q, sub, cand)
        elif isinstance(q, OwnStart) and expandable(q.q):
            r = self._own_multi(q, sub, cand)
        elif type(q) is Term:
            r = self._term(q.fieldname, q.text, sub, cand, 1.0)
            boost = q.boost
        elif isinstance(q, MultiTerm) and not isinstance(q, Term):
            r = self._multiterm(q, sub, cand)
        elif isinstance(q, And):
            r = self._and(q.subqueries, sub, cand)
        elif isinstance(q, Or):
            r = union([self.eval(s, sub, cand) for s in q.subqueries])
        elif isinstance(q, AndNot):
            a = self.eval(q.a, sub, cand)
            r = minus(a, self.eval(q.b, sub, a.ids)) if len(a) else a
        elif isinstance(q, AndMaybe):
            a = self.eval(q.a, sub, cand)
            if len(a):
                b = restrict(self.eval(q.b, sub, a.ids), a.ids)
                idx = np.searchsorted(a.ids, b.ids)
                scores = a.scores.copy()
                scores[idx] += b.scores
                r = Result(a.ids, scores)
            else:
                r = a
        elif isinstance(q, Not):
            r = minus(self._all(sub, cand), self.eval(q.query, sub, cand))
            r = constant(r, 0.0)
        elif isinstance(q, Every):
            r = self._all(sub, cand)
        else:
            r = self._fallback(q, sub)
        if boost != 1.0 and len(r):
            r = Result(r.ids, r.scores * boost)
        return r

    def _and(self, subs, sub, cand) -> Result:
        pos = [s for s in subs if not isinstance(s, Not)]
        neg = [s.query for s in subs if isinstance(s, Not)]
        if not pos:
            acc = constant(self._all(sub, cand), 0.0)
        else:
            if len(pos) > 1:
                reader = sub.reader()
                pos.sort(key=lambda s: _estimate(s, reader))
            acc = None
            for s in pos:
                r = self.eval(s, sub, cand if acc is None else acc.ids)
                acc = r if acc is None else intersect(acc, r)
                if not len(acc):
                    return acc
        for s in neg:
            acc = minus(acc, self.eval(s, sub, acc.ids))
            if not len(acc):
                break
        return acc

    def _all(self, sub, cand) -> Result:
        reader = sub.reader()
        ids = np.arange(reader.doc_count_all(), dtype=np.int64)
        deleted = deleted_docnums(reader)
        if len(deleted):
            ids = ids[~member(ids, deleted)]
        if cand is not None:
            ids = cand[member(cand, ids)]
        return Result(ids, np.ones(len(ids)))

    # -- leaves ------------------------------------------------------------

    def _bm25(self, fieldname, text, p: Postings, sub) -> np.ndarray:
        top = self.searcher
        fieldobj = top.schema[fieldname]
        if not fieldobj.scorable:
            if fieldname != "exact":
                return p.weights
            # surfaces share the transcript's positions: score like it
            return self._bm25_idf(top.idf(fieldname, text), "text", p, sub)
        return self._bm25_idf(top.idf(fieldname, text), fieldname, p, sub)

    def _bm25_idf(self, idf, lenfield, p: Postings, sub) -> np.ndarray:
        top = self.searcher
        avgfl = top.avg_field_length(lenfield) or 1
        B, K1 = bm25_parameters(self.weighting, lenfield)
        dl = self.cache.lengths(sub.reader(), lenfield)[p.ids]
        tf = p.weights
        return idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * dl / avgfl)))

    def _term(self, fieldname, text, sub, cand, boost) -> Result:
        reader = sub.reader()
        if fieldname not in reader.schema:
            return Result.empty()
        if (cand is not None and fieldname in COLUMN_FILTER_FIELDS
                and reader.has_column(fieldname)):
            # a filter on candidates: look values up in the column instead
            # of decoding the (long) posting list
            ids = cand[self.cache.value_mask(reader, fieldname, text)[cand]]
            return Result(ids, np.full(len(ids), float(boost)))
        p = read_postings(reader, fieldname, text, cand)
        if not len(p.ids):
            return Result.empty()
        return Result(p.ids, self._bm25(fieldname, text, p, sub) * boost)

    def _multiterm(self, q, sub, cand) -> Result:
        reader = sub.reader()
        fieldname = q.field()
        if fieldname not in reader.schema:
            return Result.empty()
        field = reader.schema[fieldname]
        parts = []
        for btext in expand_terms(q, reader):
            if not btext:
                continue
            text = field.from_bytes(btext) if isinstance(btext, bytes) else btext
            r = self._term(fieldname, text, sub, cand, 1.0)
            if getattr(q, "constantscore", False):
                r = constant(r)
            parts.append(r)
        r = union(parts)
        if getattr(q, "constantscore", False):
            r = constant(r)
        return r

    def _own_term(self, fieldname, text, sub, cand, limit) -> Result:
        """Documents where ``text`` occurs before ``limit``; BM25 over the
        number of such occurrences."""
        reader = sub.reader()
        p = read_postings(reader, fieldname, text, cand, want_values=True)
        if not len(p.ids):
            return Result.empty()
        tf = own_counts(p, limit)
        keep = tf > 0
        if not keep.all():
            p = Postings(p.ids[keep], tf[keep], None)
        else:
            p = Postings(p.ids, tf, None)
        if not len(p.ids):
            return Result.empty()
        return Result(p.ids, self._bm25(fieldname, text, p, sub))

    def _own_alts(self, alts, sub, cand, limit) -> Result:
        """One offset with alternatives: documents where any occurs before
        ``limit``; tf = sum of weight x own occurrences."""
        if len(alts) == 1 and alts[0][2] == 1.0:
            return self._own_term(alts[0][0], alts[0][1], sub, cand, limit)
        reader = sub.reader()
        id_parts, tf_parts = [], []
        for f, t, w in alts:
            if (f, t) not in reader:
                continue
            p = read_postings(reader, f, t, cand, want_values=True)
            if not len(p.ids):
                continue
            tf = own_counts(p, limit)
            keep = tf > 0
            id_parts.append(p.ids[keep])
            tf_parts.append(tf[keep] * w)
        if not id_parts:
            return Result.empty()
        r = union([Result(i, t) for i, t in zip(id_parts, tf_parts)])
        if not len(r):
            return r
        p = Postings(r.ids, r.scores, None)
        return Result(r.ids, self._bm25_idf(alternatives_idf(self.searcher, alts), "text", p, sub))

    def _own_multi(self, q: OwnStart, sub, cand) -> Result:
        parts = []
        for mt in expandable(q.q):
            reader = sub.reader()
            field = reader.schema[mt.field()]
            rs = []
            for btext in expand_terms(mt, reader):
                if not btext:
                    continue
                text = field.from_bytes(btext) if isinstance(btext, bytes) else btext
                r = self._own_term(mt.field(), text, sub, cand, q.limit)
                if len(r):
                    rs.append(r)
            r = union(rs)
            if mt.constantscore:
                r = constant(r)
            if mt.boost != 1.0 and len(r):
                r = Result(r.ids, r.scores * mt.boost)
            parts.append(r)
        return union(parts)

    def _offset_keys(self, reader, off, alts, docs):
        """Sorted unique position keys of one offset's alternatives and the
        weight of each (the best alternative at that position), or None."""
        keys, weights = [], []
        for f, t, w in alts:
            if (f, t) not in reader:
                continue
            p = read_postings(reader, f, t, docs, want_values=True)
            if not len(p.ids):
                continue
            k = position_keys(p, off)
            keys.append(k)
            weights.append(np.full(len(k), w))
        if not keys:
            return None, None
        if len(keys) == 1:
            return keys[0], weights[0]
        k = np.concatenate(keys)
        w = np.concatenate(weights)
        order = np.lexsort((-w, k))          # by key, best weight first
        k, w = k[order], w[order]
        first = np.concatenate(([True], k[1:] != k[:-1]))
        return k[first], w[first]

    def _phrase(self, q: OwnStart, sub, cand) -> Result:
        reader = sub.reader()

        def df(alts):
            return sum(reader.doc_frequency(f, t) for f, t, _w in alts)

        toks = sorted(q.toks, key=lambda ot: df(ot[1]))
        for _off, alts in toks:
            if not any((f, t) in reader for f, t, _w in alts):
                return Result.empty()
        weighted = any(w != 1.0 for _off, alts in toks for _f, _t, w in alts)
        keys = kw = None
        docs = cand
        for off, alts in toks:
            if len(alts) == 1 and not weighted:
                f, t, _w = alts[0]
                p = read_postings(reader, f, t, docs, want_values=True)
                k, w = (position_keys(p, off), None) if len(p.ids) else (None, None)
            else:
                k, w = self._offset_keys(reader, off, alts, docs)
            if k is None:
                return Result.empty()
            if keys is None:
                keys, kw = k, w
            else:
                m = member(keys, k)
                keys = keys[m]
                if weighted:
                    kw = kw[m] * w[np.searchsorted(k, keys)]
            if not len(keys):
                return Result.empty()
            docs = runs(keys >> 32)[0]
        starts = keys & 0xFFFFFFFF
        own = starts < q.limit
        keys = keys[own]
        if not len(keys):
            return Result.empty()
        ids, freq = runs(keys >> 32)
        if weighted:
            kw = kw[own]
            bounds = np.concatenate(([0], np.cumsum(freq)[:-1]))
            tf = np.add.reduceat(kw, bounds)
        else:
            tf = freq.astype(np.float64)
        # Score: sum over the tokens of BM25(token idf, tf = number of phrase
        # occurrences starting in the segment's own words, weighted).
        scores = np.zeros(len(ids))
        sub_p = Postings(ids, tf, None)
        for _off, alts in toks:
            scores += self._bm25_idf(alternatives_idf(self.searcher, alts), "text", sub_p, sub)
        return Result(ids, scores)

    def _fallback(self, q, sub) -> Result:
        m = q.matcher(sub, sub.context(needs_current=True))
        ids, scores = [], []
        while m.is_active():
            ids.append(m.id())
            scores.append(m.score())
            m.next()
        if not ids:
            return Result.empty()
        order = np.argsort(ids, kind="stable")
        return Result(np.asarray(ids, dtype=np.int64)[order],
                      np.asarray(scores, dtype=np.float64)[order])


def _estimate(q, reader) -> float:
    try:
        return float(q.estimate_size(reader))
    except Exception as e:  # an estimate only orders the intersection
        log.debug("no size estimate for %r: %s", q, e)
        return math.inf
