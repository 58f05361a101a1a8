"""Posting lists and match sets as numpy arrays (for :mod:`index.engine`).

A :class:`Postings` is a decoded posting list of one term in one segment;
a :class:`Result` the sorted docnums matching a query node with their
scores.  AND/OR/NOT are sorted-array intersections/unions/differences
(scores summed like Whoosh's Intersection/Union matchers).  Positions are
decoded from the packed ``H`` arrays of :class:`schema.PackedPositions`.
"""

from __future__ import annotations

import numpy as np

from ._whoosh_internals import deleted_docnums, posting_blocks
from .schema import decode_positions

def alternatives_idf(searcher, alts) -> float:
    """One idf for an offset's alternatives ``[(field, term, weight), ...]``: the typed
    word's (the first, weight 1) if the index has it, else the most frequent
    alternative's. The engine and the reference path score by this one rule."""
    f, t, w = alts[0]
    if len(alts) == 1 or (w == 1.0 and searcher.doc_frequency(f, t)):
        return searcher.idf(f, t)
    best = max(alts, key=lambda a: searcher.doc_frequency(a[0], a[1]))
    return searcher.idf(best[0], best[1])


EMPTY_IDS = np.zeros(0, dtype=np.int64)
EMPTY_SCORES = np.zeros(0, dtype=np.float64)


class Result:
    __slots__ = ("ids", "scores")

    def __init__(self, ids, scores):
        self.ids = ids          # sorted unique local docnums (int64)
        self.scores = scores    # float64, same length

    @classmethod
    def empty(cls):
        return cls(EMPTY_IDS, EMPTY_SCORES)

    def __len__(self):
        return len(self.ids)


class Postings:
    """A decoded posting list: ids, weights and (optionally) raw values."""

    __slots__ = ("ids", "weights", "values")

    def __init__(self, ids, weights, values):
        self.ids = ids
        self.weights = weights
        self.values = values   # list of bytes per posting, or None


def read_postings(reader, fieldname, text, cand=None, want_values=False) -> Postings:
    """Decode the posting list of ``fieldname:text`` in a segment reader.

    With ``cand`` (sorted docnums), blocks holding none of them are skipped
    (they may still contribute non-candidate ids: callers intersect anyway).
    Deleted documents are removed.
    """
    btext = reader.schema[fieldname].to_bytes(text) if not isinstance(text, bytes) else text
    if (fieldname, btext) not in reader:
        return Postings(EMPTY_IDS, EMPTY_SCORES, [] if want_values else None)
    id_parts, w_parts, v_parts = [], [], []
    for ids, w, vals in posting_blocks(reader, fieldname, btext, cand, want_values):
        id_parts.append(ids)
        w_parts.append(w)
        if want_values:
            v_parts.extend(vals)
    if not id_parts:
        return Postings(EMPTY_IDS, EMPTY_SCORES, [] if want_values else None)
    ids = np.concatenate(id_parts) if len(id_parts) > 1 else id_parts[0]
    ws = np.concatenate(w_parts) if len(w_parts) > 1 else w_parts[0]
    deleted = deleted_docnums(reader)
    if len(deleted):
        keep = ~member(ids, deleted)
        ids, ws = ids[keep], ws[keep]
        if want_values:
            v_parts = [v for v, k in zip(v_parts, keep.tolist()) if k]
    return Postings(ids, ws, v_parts if want_values else None)


def position_keys(p: Postings, offset: int) -> np.ndarray:
    """``doc << 32 | (position - offset)`` for every position in ``p``."""
    vals = p.values
    if not vals:
        return EMPTY_IDS
    lens = np.fromiter(map(len, vals), dtype=np.int64, count=len(vals))
    if (lens & 1).any():   # rare 'I' encoded postings (positions > 65535)
        plist = [decode_positions(v) for v in vals]
        counts = np.fromiter(map(len, plist), dtype=np.int64, count=len(plist))
        pos = np.fromiter((x for pl in plist for x in pl), dtype=np.int64,
                          count=int(counts.sum()))
    else:
        counts = lens >> 1
        pos = np.frombuffer(b"".join(vals), dtype=np.uint16).astype(np.int64)
    return (np.repeat(p.ids, counts) << 32) + pos - offset


def own_counts(p: Postings, limit: int) -> np.ndarray:
    """Per posting, how many of its positions are below ``limit``."""
    vals = p.values
    lens = np.fromiter(map(len, vals), dtype=np.int64, count=len(vals))
    if (lens & 1).any():   # rare 'I' encoded postings
        return np.array([sum(1 for x in decode_positions(v) if x < limit) for v in vals],
                        dtype=np.float64)
    counts = lens >> 1
    arr = np.frombuffer(b"".join(vals), dtype=np.uint16)
    starts = np.cumsum(counts) - counts
    return np.add.reduceat((arr < limit).astype(np.float64), starts)


# --------------------------------------------------------------------------
# sorted-array set operations


def member(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Boolean mask: which elements of sorted ``a`` occur in sorted ``b``."""
    if not len(b) or not len(a):
        return np.zeros(len(a), dtype=bool)
    idx = np.searchsorted(b, a)
    idx[idx == len(b)] = len(b) - 1
    return b[idx] == a


def runs(sorted_vals: np.ndarray):
    """(unique values, counts) of a sorted array, without re-sorting."""
    if not len(sorted_vals):
        return sorted_vals, np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.concatenate(([True], sorted_vals[1:] != sorted_vals[:-1])))
    counts = np.diff(np.append(starts, len(sorted_vals)))
    return sorted_vals[starts], counts


def union(results: list[Result]) -> Result:
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


def intersect(a: Result, b: Result) -> Result:
    if len(a) > len(b):
        a, b = b, a
    keep = member(a.ids, b.ids)
    ids = a.ids[keep]
    return Result(ids, a.scores[keep] + b.scores[np.searchsorted(b.ids, ids)])


def minus(a: Result, b: Result) -> Result:
    if not len(b) or not len(a):
        return a
    keep = ~member(a.ids, b.ids)
    return Result(a.ids[keep], a.scores[keep])


def restrict(r: Result, cand) -> Result:
    if cand is None or not len(r):
        return r
    keep = member(r.ids, cand)
    return Result(r.ids[keep], r.scores[keep])


def constant(r: Result, value: float = 1.0) -> Result:
    return Result(r.ids, np.full(len(r.ids), float(value))) if len(r) else r
