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
* an offset may accept several alternatives (variants, sounds-alikes, from
  the ``text`` or the ``exact`` field: they share positions), each with a
  weight: an occurrence counts ``product of its tokens' weights`` towards
  the term frequency, and every offset is scored with one idf (that of the
  word as typed, else of its most frequent alternative) - a synonym query
  in the Lucene sense, so variants never outscore the same count of the
  typed word.

Any node type it does not know is evaluated with the regular Whoosh matcher,
so results never depend on which path ran (tests compare both).
"""

from __future__ import annotations

import math

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import ListMatcher
from whoosh.query import (And, AndMaybe, AndNot, Every, MultiTerm, Not, NullQuery, Or,
                          Term)
from whoosh.query.qcore import _NullQuery

from .query import OwnStart

_EMPTY_IDS = np.zeros(0, dtype=np.int64)
# keyword fields whose sortable column can answer "value == x" per document
COLUMN_FILTER_FIELDS = ("body", "speaker", "kind", "year")
_EMPTY_SC = np.zeros(0, dtype=np.float64)


class Result:
    __slots__ = ("ids", "scores")

    def __init__(self, ids, scores):
        self.ids = ids          # sorted unique local docnums (int64)
        self.scores = scores    # float64, same length

    @classmethod
    def empty(cls):
        return cls(_EMPTY_IDS, _EMPTY_SC)

    def __len__(self):
        return len(self.ids)


# --------------------------------------------------------------------------
# Posting lists


class Postings:
    """A decoded posting list: ids, weights and (optionally) raw values."""

    __slots__ = ("ids", "weights", "values")

    def __init__(self, ids, weights, values):
        self.ids = ids
        self.weights = weights
        self.values = values   # list of bytes per posting, or None


def _block_arrays(m, want_values):
    m._read_data()
    ids_m, w_m, v_m = m._data
    n = m._blocklength
    ids = np.asarray(ids_m, dtype=np.int64)
    if not m._byteids:
        ids = np.cumsum(ids)
    if w_m is None:
        w = np.ones(n, dtype=np.float64)
    elif isinstance(w_m, float):
        w = np.full(n, w_m, dtype=np.float64)
    else:
        w = np.asarray(w_m, dtype=np.float64)
    vals = None
    if want_values:
        fs = m._fixedsize
        if fs is None or fs < 0:
            vals = list(v_m)
        elif fs == 0:
            vals = [b""] * n
        else:
            vals = [v_m[i:i + fs] for i in range(0, len(v_m), fs)]
    return ids, w, vals


def read_postings(reader, fieldname, text, cand=None, want_values=False) -> Postings:
    """Decode the posting list of ``fieldname:text`` in a segment reader.

    With ``cand`` (sorted docnums), blocks holding none of them are skipped
    (they may still contribute non-candidate ids: callers intersect anyway).
    Deleted documents are removed.
    """
    field = reader.schema[fieldname]
    btext = field.to_bytes(text) if not isinstance(text, bytes) else text
    if (fieldname, btext) not in reader:
        return Postings(_EMPTY_IDS, _EMPTY_SC, [] if want_values else None)
    m = reader._terms.matcher(fieldname, btext, field.format, scorer=None)
    id_parts, w_parts, v_parts = [], [], []
    if isinstance(m, W3LeafMatcher):
        prev_max = -1
        ncand = len(cand) if cand is not None else 0
        while not m._atend:
            if cand is not None:
                j = np.searchsorted(cand, prev_max, side="right")
                if j >= ncand:
                    break
                if cand[j] > m._maxid:
                    prev_max = m._maxid
                    m._next_block()
                    continue
            ids, w, vals = _block_arrays(m, want_values)
            id_parts.append(ids)
            w_parts.append(w)
            if want_values:
                v_parts.extend(vals)
            prev_max = m._maxid
            m._next_block()
    elif isinstance(m, ListMatcher):
        id_parts.append(np.asarray(m._ids, dtype=np.int64))
        ws = m._weights
        w_parts.append(np.ones(len(m._ids)) if ws is None
                       else np.asarray(ws, dtype=np.float64))
        if want_values:
            vs = m._values
            v_parts.extend(list(vs) if vs else [b""] * len(m._ids))
    else:  # pragma: no cover - unknown codec: generic (slow) path
        while m.is_active():
            id_parts.append(np.array([m.id()], dtype=np.int64))
            w_parts.append(np.array([m.weight()]))
            if want_values:
                v_parts.append(m.value())
            m.next()
    if not id_parts:
        return Postings(_EMPTY_IDS, _EMPTY_SC, [] if want_values else None)
    ids = np.concatenate(id_parts) if len(id_parts) > 1 else id_parts[0]
    ws = np.concatenate(w_parts) if len(w_parts) > 1 else w_parts[0]
    deleted = deleted_array(reader)
    if len(deleted):
        keep = ~_member(ids, deleted)
        ids, ws = ids[keep], ws[keep]
        if want_values:
            v_parts = [v for v, k in zip(v_parts, keep.tolist()) if k]
    return Postings(ids, ws, v_parts if want_values else None)


_DELETED: dict[int, tuple[object, np.ndarray]] = {}


def deleted_array(reader) -> np.ndarray:
    """Sorted deleted docnums of a segment reader (cached per reader)."""
    if not reader.has_deletions():
        return _EMPTY_IDS
    e = _DELETED.get(id(reader))
    if e is None or e[0] is not reader:
        d = reader.deleted_docs_set
        arr = np.sort(np.fromiter(d, dtype=np.int64, count=len(d)))
        if len(_DELETED) > 64:
            _DELETED.clear()
        e = _DELETED[id(reader)] = (reader, arr)
    return e[1]


def position_keys(p: Postings, offset: int) -> np.ndarray:
    """``doc << 32 | (position - offset)`` for every position in ``p``."""
    vals = p.values
    if not vals:
        return _EMPTY_IDS
    lens = np.fromiter(map(len, vals), dtype=np.int64, count=len(vals))
    if (lens & 1).any():   # rare 'I' encoded postings (positions > 65535)
        from .schema import decode_positions
        plist = [decode_positions(v) for v in vals]
        counts = np.fromiter(map(len, plist), dtype=np.int64, count=len(plist))
        pos = np.fromiter((x for pl in plist for x in pl), dtype=np.int64,
                          count=int(counts.sum()))
    else:
        counts = lens >> 1
        pos = np.frombuffer(b"".join(vals), dtype=np.uint16).astype(np.int64)
    return (np.repeat(p.ids, counts) << 32) + pos - offset


# --------------------------------------------------------------------------


def _member(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Boolean mask: which elements of sorted ``a`` occur in sorted ``b``."""
    if not len(b) or not len(a):
        return np.zeros(len(a), dtype=bool)
    idx = np.searchsorted(b, a)
    idx[idx == len(b)] = len(b) - 1
    return b[idx] == a


def _runs(sorted_vals: np.ndarray):
    """(unique values, counts) of a sorted array, without re-sorting."""
    if not len(sorted_vals):
        return sorted_vals, np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.concatenate(([True], sorted_vals[1:] != sorted_vals[:-1])))
    counts = np.diff(np.append(starts, len(sorted_vals)))
    return sorted_vals[starts], counts


def _union(results: list[Result]) -> Result:
    results = [r for r in results if len(r)]
    if not results:
        return Result.empty()
    if len(results) == 1:
        return results[0]
    allids = np.concatenate([r.ids for r in results])
    allsc = np.concatenate([r.scores for r in results])
    ids, inv = np.unique(allids, return_inverse=True)
    scores = np.bincount(inv, weights=allsc, minlength=len(ids))
    return Result(ids, scores)


def _intersect(a: Result, b: Result) -> Result:
    if len(a) > len(b):
        a, b = b, a
    keep = _member(a.ids, b.ids)
    ids = a.ids[keep]
    return Result(ids, a.scores[keep] + b.scores[np.searchsorted(b.ids, ids)])


def _minus(a: Result, b: Result) -> Result:
    if not len(b) or not len(a):
        return a
    keep = ~_member(a.ids, b.ids)
    return Result(a.ids[keep], a.scores[keep])


def _restrict(r: Result, cand) -> Result:
    if cand is None or not len(r):
        return r
    keep = _member(r.ids, cand)
    return Result(r.ids[keep], r.scores[keep])


class Evaluator:
    """Evaluates a query over every segment of a (top-level) searcher."""

    def __init__(self, searcher, cache):
        self.searcher = searcher
        self.cache = cache
        self.weighting = searcher.weighting
        self._B = getattr(self.weighting, "B", 0.75)
        self._K1 = getattr(self.weighting, "K1", 1.2)
        self._field_B = getattr(self.weighting, "_field_B", {})

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
            return _EMPTY_IDS, _EMPTY_SC
        return np.concatenate(id_parts), np.concatenate(sc_parts)

    # -- nodes -------------------------------------------------------------

    def eval(self, q, sub, cand) -> Result:
        if q is NullQuery or isinstance(q, _NullQuery):
            return Result.empty()
        boost = getattr(q, "boost", 1.0) or 1.0
        if isinstance(q, OwnStart) and q.toks is not None and len(q.toks) == 1:
            r = self._own_alts(q.toks[0][1], sub, cand, q.limit)
        elif isinstance(q, OwnStart) and q.toks is not None and q.slop <= 1:
            r = self._phrase(q, sub, cand)
        elif isinstance(q, OwnStart) and _expandable(q.q):
            r = self._own_multi(q, sub, cand)
        elif type(q) is Term:
            r = self._term(q.fieldname, q.text, sub, cand, 1.0)
            boost = q.boost
        elif isinstance(q, MultiTerm) and not isinstance(q, Term):
            r = self._multiterm(q, sub, cand)
        elif isinstance(q, And):
            r = self._and(q.subqueries, sub, cand)
        elif isinstance(q, Or):
            r = _union([self.eval(s, sub, cand) for s in q.subqueries])
        elif isinstance(q, AndNot):
            a = self.eval(q.a, sub, cand)
            r = _minus(a, self.eval(q.b, sub, a.ids)) if len(a) else a
        elif isinstance(q, AndMaybe):
            a = self.eval(q.a, sub, cand)
            if len(a):
                b = _restrict(self.eval(q.b, sub, a.ids), a.ids)
                idx = np.searchsorted(a.ids, b.ids)
                scores = a.scores.copy()
                scores[idx] += b.scores
                r = Result(a.ids, scores)
            else:
                r = a
        elif isinstance(q, Not):
            r = _minus(self._all(sub, cand), self.eval(q.query, sub, cand))
            r = Result(r.ids, np.zeros(len(r.ids)))
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
            acc = self._all(sub, cand)
            acc = Result(acc.ids, np.zeros(len(acc.ids)))
        else:
            if len(pos) > 1:
                reader = sub.reader()
                pos.sort(key=lambda s: _estimate(s, reader))
            acc = None
            for s in pos:
                r = self.eval(s, sub, cand if acc is None else acc.ids)
                acc = r if acc is None else _intersect(acc, r)
                if not len(acc):
                    return acc
        for s in neg:
            acc = _minus(acc, self.eval(s, sub, acc.ids))
            if not len(acc):
                break
        return acc

    def _all(self, sub, cand) -> Result:
        reader = sub.reader()
        ids = np.arange(reader.doc_count_all(), dtype=np.int64)
        deleted = deleted_array(reader)
        if len(deleted):
            ids = ids[~_member(ids, deleted)]
        if cand is not None:
            ids = cand[_member(cand, ids)]
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
        B = self._field_B.get(lenfield, self._B)
        K1 = self._K1
        dl = self.cache.lengths(sub.reader(), lenfield)[p.ids]
        tf = p.weights
        return idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * dl / avgfl)))

    def _alts_idf(self, alts, reader) -> float:
        """One idf for an offset's alternatives: the typed word's (the first,
        weight 1) if the index has it, else the most frequent alternative's."""
        top = self.searcher
        f, t, w = alts[0]
        if len(alts) == 1 or (w == 1.0 and top.doc_frequency(f, t)):
            return top.idf(f, t)
        best = max(alts, key=lambda a: top.doc_frequency(a[0], a[1]))
        return top.idf(best[0], best[1])

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
        for btext in q._btexts(reader):
            if not btext:
                continue
            text = field.from_bytes(btext) if isinstance(btext, bytes) else btext
            r = self._term(fieldname, text, sub, cand, 1.0)
            if getattr(q, "constantscore", False) and len(r):
                r = Result(r.ids, np.ones(len(r.ids)))
            parts.append(r)
        r = _union(parts)
        if getattr(q, "constantscore", False) and len(r):
            r = Result(r.ids, np.ones(len(r.ids)))
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
        r = _union([Result(i, t) for i, t in zip(id_parts, tf_parts)])
        if not len(r):
            return r
        p = Postings(r.ids, r.scores, None)
        return Result(r.ids, self._bm25_idf(self._alts_idf(alts, reader), "text", p, sub))

    def _own_multi(self, q: OwnStart, sub, cand) -> Result:
        parts = []
        for mt in _expandable(q.q):
            reader = sub.reader()
            field = reader.schema[mt.field()]
            rs = []
            for btext in mt._btexts(reader):
                if not btext:
                    continue
                text = field.from_bytes(btext) if isinstance(btext, bytes) else btext
                r = self._own_term(mt.field(), text, sub, cand, q.limit)
                if len(r):
                    rs.append(r)
            r = _union(rs)
            if mt.constantscore and len(r):
                r = Result(r.ids, np.ones(len(r.ids)))
            if mt.boost != 1.0 and len(r):
                r = Result(r.ids, r.scores * mt.boost)
            parts.append(r)
        return _union(parts)

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
                m = _member(keys, k)
                keys = keys[m]
                if weighted:
                    kw = kw[m] * w[np.searchsorted(k, keys)]
            if not len(keys):
                return Result.empty()
            docs = _runs(keys >> 32)[0]
        starts = keys & 0xFFFFFFFF
        own = starts < q.limit
        keys = keys[own]
        if not len(keys):
            return Result.empty()
        ids, freq = _runs(keys >> 32)
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
            scores += self._bm25_idf(self._alts_idf(alts, reader), "text", sub_p, sub)
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


def own_counts(p: Postings, limit: int) -> np.ndarray:
    """Per posting, how many of its positions are below ``limit``."""
    vals = p.values
    lens = np.fromiter(map(len, vals), dtype=np.int64, count=len(vals))
    if (lens & 1).any():   # rare 'I' encoded postings
        from .schema import decode_positions
        return np.array([sum(1 for x in decode_positions(v) if x < limit) for v in vals],
                        dtype=np.float64)
    counts = lens >> 1
    arr = np.frombuffer(b"".join(vals), dtype=np.uint16)
    starts = np.cumsum(counts) - counts
    return np.add.reduceat((arr < limit).astype(np.float64), starts)


def _expandable(q):
    """The multi-term queries under an OwnStart (None if it holds others)."""
    if isinstance(q, MultiTerm):
        return [q]
    if isinstance(q, Or) and all(isinstance(s, MultiTerm) for s in q.subqueries):
        return list(q.subqueries)
    return None


def _estimate(q, reader) -> float:
    try:
        return float(q.estimate_size(reader))
    except Exception:
        return math.inf
