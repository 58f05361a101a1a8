"""Ordering and counting the matches of a query.

The engine returns every matching docnum with its score; from those:

* relevance: ``top_k`` (score desc, docnum asc; ties at the cut included);
* date: a per-segment cached numpy array of packed sort keys (date desc,
  recording desc, start asc) orders the ids;
* facets: per-segment cached numpy arrays of value ordinals, read straight
  from the sortable columns, counted with ``bincount``;
* ``ColumnCache`` also serves BM25 field lengths and keyword-filter masks.

``top_by_score`` / ``matching_ids`` / ``scores_for`` are the Whoosh-matcher
equivalents used by the reference path (``SearchIndex.engine = "whoosh"``).
"""

from __future__ import annotations

import numpy as np

from ._whoosh_internals import LENGTH_OF_BYTE, length_bytes, numeric_column, ref_column
from .analysis import keyword_norm

FACET_FIELDS = ("body", "year", "kind", "speaker", "chapter")


def _segment_key(subreader):
    """(segment id, doc count), or None for a reader without a segment (an
    empty index): such readers are not cached."""
    seg = getattr(subreader, "segment", None)
    seg = seg() if callable(seg) else None
    if seg is None:
        return None
    return (seg.segment_id(), subreader.doc_count_all())


class ColumnCache:
    """Per-segment numpy views of columns.  Column values never change for a
    written segment (deletions don't touch them), so entries are keyed by
    segment id and survive re-opening the searcher after a commit."""

    def __init__(self):
        self._entries: dict[tuple, object] = {}
        self._masks: dict[tuple, np.ndarray] = {}

    def prune(self, reader):
        live = {_segment_key(r) for r, _ in reader.leaf_readers()}
        for d in (self._entries, self._masks):
            for key in [k for k in d if k[0] not in live]:
                del d[key]

    def _get(self, subreader, name, build):
        seg = _segment_key(subreader)
        if seg is None:
            return build(subreader, name)
        key = (seg, name)
        v = self._entries.get(key)
        if v is None:
            v = self._entries[key] = build(subreader, name)
        return v

    def numeric(self, reader, name: str) -> np.ndarray:
        parts = [self._get(r, name, _numeric_array) for r, _ in reader.leaf_readers()]
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def lengths(self, subreader, fieldname: str) -> np.ndarray:
        """Per-doc field lengths of one segment, as Whoosh's BM25F sees them."""
        return self._get(subreader, "_len:" + fieldname, _length_array)

    def value_mask(self, subreader, name: str, term: str) -> np.ndarray:
        """Per-doc booleans of one segment: keyword value normalizes to term."""
        seg = _segment_key(subreader)
        key = (seg, name, term)
        m = self._masks.get(key) if seg is not None else None
        if m is None:
            ords, uniques = self._get(subreader, name, _ordinal_array)
            lut = np.array([keyword_norm(u) == term for u in uniques], dtype=bool)
            m = lut[ords] if len(uniques) else np.zeros(len(ords), dtype=bool)
            if seg is not None:
                if len(self._masks) >= 256:
                    self._masks.clear()
                self._masks[key] = m
        return m

    def ordinals(self, reader, name: str) -> tuple[np.ndarray, list[str]]:
        """(per-doc ordinal array, values) over all segments; ordinal 0 = none."""
        values: list[str] = [""]
        index = {"": 0}
        arrays = []
        for r, _ in reader.leaf_readers():
            ords, uniques = self._get(r, name, _ordinal_array)
            remap = np.empty(len(uniques), dtype=np.int32)
            for i, u in enumerate(uniques):
                j = index.get(u)
                if j is None:
                    j = index[u] = len(values)
                    values.append(u)
                remap[i] = j
            arrays.append(remap[ords] if len(uniques) else np.zeros(len(ords), np.int32))
        ords = arrays[0] if len(arrays) == 1 else np.concatenate(arrays)
        return ords, values


def _numeric_array(subreader, name):
    return numeric_column(subreader, name)


_LEN_TABLE = LENGTH_OF_BYTE.copy()
_LEN_TABLE[0] = 1.0      # doc_field_length(..., default=1)


def _length_array(subreader, key):
    raw = length_bytes(subreader, key.split(":", 1)[1])
    if raw is None:
        return np.ones(subreader.doc_count_all(), dtype=np.float64)
    return _LEN_TABLE[raw]


def _ordinal_array(subreader, name):
    return ref_column(subreader, name)


def matching_ids(searcher, q) -> np.ndarray:
    return np.fromiter(searcher.docs_for_query(q), dtype=np.int64)


def top_k(ids: np.ndarray, scores: np.ndarray, k: int, tier=None) -> np.ndarray:
    """Indexes of the k best (score desc, docnum asc); with ``tier`` (a
    boolean per id), every True one before every False one."""
    if k <= 0 or not len(ids):
        return np.zeros(0, dtype=np.int64)
    if tier is not None and not tier.all():
        # scores are >= 0: lift the first tier above the best of the rest
        scores = scores + tier * (float(scores.max(initial=0.0)) + 1.0)
    if k < len(ids):
        part = np.argpartition(-scores, k - 1)[:k]
        # include every tie of the k-th score so ties break by docnum
        part = np.nonzero(scores >= scores[part].min())[0]
    else:
        part = np.arange(len(ids))
    return part[np.lexsort((ids[part], -scores[part]))][:k]


def top_by_score(searcher, q, k: int | None):
    """[(docnum, score)] best first, and the exact total (k None: all)."""
    results = searcher.search(q, limit=None if k is None else max(k, 1))
    top = [(docnum, score) for score, docnum in results.top_n]
    if k is not None:
        top = top[:k]
    total = len(results)
    return top, total


def scores_for(searcher, q, docnums) -> dict[int, float]:
    """Scores of specific documents (for date-sorted pages)."""
    wanted = sorted(set(int(d) for d in docnums))
    out: dict[int, float] = {}
    if not wanted:
        return out
    for sub, offset in searcher.leaf_searchers():
        n = sub.doc_count_all()
        local = [d - offset for d in wanted if offset <= d < offset + n]
        if not local:
            continue
        m = q.matcher(sub, sub.context(needs_current=True))
        for d in local:
            if not m.is_active():
                break
            if m.id() < d:
                m.skip_to(d)
            if m.is_active() and m.id() == d:
                out[d + offset] = float(m.score())
    return out


def top_by_date(searcher, ids: np.ndarray, cache: ColumnCache, k: int, oldest: bool = False) -> list[int]:
    """The first ``k`` docnums newest first (``oldest``: oldest first), in time order within
    a recording; undated recordings last either way."""
    if not len(ids) or k <= 0:
        return []
    keys = cache.numeric(searcher.reader(), "dsort")[ids]
    if oldest:
        keys = oldest_first(keys)
    if k < len(ids):
        part = np.argpartition(keys, k - 1)[:k]
        order = part[np.lexsort((ids[part], keys[part]))]
    else:
        order = np.lexsort((ids, keys))
    return [int(ids[i]) for i in order]


_LOW = np.uint64((1 << 28) - 1)  # dsort: the start-time bits under the (date, recording) prefix
_PREFIX = np.uint64((1 << 36) - 1)
_UNDATED = np.uint64(0xFFFF)


def oldest_first(keys: np.ndarray) -> np.ndarray:
    """``dsort`` keys (index.schema.date_sort_prefix) turned to sort oldest first: the date and
    recording prefix reversed, start times and undated-last kept."""
    keys = keys.astype(np.uint64)
    prefix = keys >> np.uint64(28)
    undated = (keys >> np.uint64(48)) == _UNDATED
    prefix = np.where(undated, prefix, _PREFIX - prefix)
    return (prefix << np.uint64(28)) | (keys & _LOW)


def facet_counts(searcher, ids: np.ndarray, cache: ColumnCache) -> dict[str, dict[str, int]]:
    reader = searcher.reader()
    out: dict[str, dict[str, int]] = {}
    for name in FACET_FIELDS:
        ords, values = cache.ordinals(reader, name)
        counts = np.bincount(ords[ids], minlength=len(values)) if len(ids) else []
        d = {values[i]: int(c) for i, c in enumerate(counts) if c and values[i]}
        out[name] = dict(sorted(d.items(), key=lambda kv: (-kv[1], kv[0])))
    return out
