"""The fence: every use of a Whoosh private name or copied method body.

Pinned to whoosh-reloaded 2.7.5 (pyproject.toml).  Nothing else in this
package touches a Whoosh attribute or method whose name starts with ``_``,
overrides a private hook, or copies a Whoosh method body; each function or
class here has a contract test in ``tests/test_whoosh_internals.py`` that
fails if an upgrade changes what is relied upon.

Read side (the numpy engine and the column caches):

* :func:`posting_blocks` decodes a term's posting list block by block from
  the W3 postings file, skipping blocks that hold no candidate document;
* :func:`length_bytes`, :func:`numeric_column`, :func:`ref_column` read a
  segment's column files as numpy arrays in one go;
* :func:`deleted_docnums` the deleted documents of a segment reader;
* :func:`expand_terms` the terms a prefix/wildcard/fuzzy/range query expands
  to; :func:`is_null` "this query matches nothing";
* :func:`bm25_parameters` BM25F's B and K1 for a field.

Extension hooks whose names are private: :class:`TermListQuery` (a
multi-term query with its own term list), :class:`SpanFilterMatcher` (keep
some spans of a span matcher), :class:`CorrectorBase` ("Did you mean").

Workarounds for whoosh-reloaded 2.7.5 bugs:

* :func:`current_searcher`: ``Searcher.refresh()`` reuses a segment's old
  reader when only its deletions changed (and re-adds merged-away
  segments), so deletes/upserts stayed visible: open a new searcher instead;
* :class:`CouncilCodec`: ``W3PostingsWriter`` calls ``set_inline``, which
  ``W3TermInfo`` lacks (it has ``set_inlined``), so ``W3Codec(inlinelimit=2)``
  crashes and stock Whoosh never inlines postings.

Write side (:mod:`.write`, behind :func:`new_writer`): the W3 format and
segment writer with less Python overhead; ``docs/benchmarks.md`` ("Write
side") shows what each pays against the stock writer and ``W3Codec``.
"""

from __future__ import annotations

import weakref

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import ListMatcher
from whoosh.query import NullQuery
from whoosh.query.qcore import _NullQuery
from whoosh.query.spans import SpanWrappingMatcher
from whoosh.spelling import Corrector
from whoosh.util.numeric import byte_to_length

from .write import CouncilCodec, CouncilSegmentWriter, perdoc_length_bytes

__all__ = [
    "CouncilCodec", "CorrectorBase", "LENGTH_OF_BYTE", "SpanFilterMatcher", "TermListQuery",
    "WHOOSH_VERSION", "bm25_parameters", "current_searcher", "deleted_docnums",
    "expand_terms", "is_null", "length_bytes", "new_writer", "numeric_column",
    "posting_blocks", "ref_column",
]


WHOOSH_VERSION = "2.7.5"
_EMPTY = np.zeros(0, dtype=np.int64)
#: byte-coded field length -> length, as Whoosh's BM25F reads it
LENGTH_OF_BYTE = np.array([byte_to_length(i) for i in range(256)], dtype=np.float64)


# --------------------------------------------------------------------------
# Searchers


def current_searcher(ix, searcher):
    """``searcher`` if it is on the latest commit of ``ix``, else a new one
    (the old one is closed).  Never ``Searcher.refresh()`` (2.7.5 bug)."""
    if searcher is not None and searcher.up_to_date():
        return searcher
    new = ix.searcher()
    if searcher is not None:
        searcher.close()
    return new


def new_writer(ix, *, limitmb: int, timeout: float, delay: float = 0.05):
    """The segment writer used for every write (may raise LockError)."""
    return CouncilSegmentWriter(ix, limitmb=limitmb, codec=CouncilCodec(),
                                timeout=timeout, delay=delay)


# --------------------------------------------------------------------------
# Posting lists


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


def posting_blocks(reader, fieldname, btext, cand=None, want_values=False):
    """Yield ``(ids, weights, values)`` per block of the posting list of
    ``fieldname:btext`` in a segment reader, deleted documents included
    (``values`` a list of bytes, or None without ``want_values``).  With
    ``cand`` (sorted docnums), blocks holding none of them are skipped."""
    field = reader.schema[fieldname]
    m = reader._terms.matcher(fieldname, btext, field.format, scorer=None)
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
            yield _block_arrays(m, want_values)
            prev_max = m._maxid
            m._next_block()
    elif isinstance(m, ListMatcher):      # inlined postings
        n = len(m._ids)
        ws = m._weights
        vals = None
        if want_values:
            vals = list(m._values) if m._values else [b""] * n
        yield (np.asarray(m._ids, dtype=np.int64),
               np.ones(n) if ws is None else np.asarray(ws, dtype=np.float64), vals)
    else:  # pragma: no cover - another codec: the generic (slow) way
        ids, ws, vals = [], [], []
        while m.is_active():
            ids.append(m.id())
            ws.append(m.weight())
            vals.append(m.value())
            m.next()
        yield (np.asarray(ids, dtype=np.int64), np.asarray(ws, dtype=np.float64),
               vals if want_values else None)


_DELETED: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def deleted_docnums(reader) -> np.ndarray:
    """Sorted deleted docnums of a segment reader (cached while it lives)."""
    if not reader.has_deletions():
        return _EMPTY
    arr = _DELETED.get(reader)
    if arr is None:
        d = reader.deleted_docs_set
        arr = _DELETED[reader] = np.sort(np.fromiter(d, dtype=np.int64, count=len(d)))
    return arr


# --------------------------------------------------------------------------
# Columns


def length_bytes(subreader, fieldname: str):
    """A segment's byte-coded field lengths (uint8 per doc), or None."""
    raw = perdoc_length_bytes(subreader._perdoc, fieldname, subreader.doc_count_all())
    return None if raw is None else np.frombuffer(raw, dtype=np.uint8)


def numeric_column(subreader, name: str) -> np.ndarray:
    """A segment's fixed-width numeric column as uint64 per doc (0 if none)."""
    n = subreader.doc_count_all()
    out = np.zeros(n, dtype=np.uint64)
    if not subreader.has_column(name):
        return out
    cr = subreader.column_reader(name, translate=False)
    count = min(cr._count, n)
    raw = cr._dbfile.get(cr._basepos, count * cr._fixedlen)
    out[:count] = np.frombuffer(raw, dtype=">u%d" % cr._fixedlen)
    out[count:] = int(cr._default) if not isinstance(cr._default, bytes) else 0
    return out


def ref_column(subreader, name: str) -> tuple[np.ndarray, list[str]]:
    """A segment's RefBytes column: (ordinal per doc, distinct values)."""
    n = subreader.doc_count_all()
    if not subreader.has_column(name):
        return np.zeros(n, dtype=np.int32), [""]
    cr = subreader.column_reader(name, translate=False)
    raw = cr._dbfile.get(cr._basepos, n * cr._itemsize)
    ords = np.frombuffer(raw, dtype=">u%d" % cr._itemsize).astype(np.int32)
    return ords, [u.decode("utf-8", "replace") for u in cr._uniques]


def bm25_parameters(weighting, fieldname: str) -> tuple[float, float]:
    """(B, K1) that ``whoosh.scoring.BM25F`` uses for ``fieldname``."""
    return weighting._field_B.get(fieldname, weighting.B), weighting.K1


# --------------------------------------------------------------------------
# Queries and matchers


def is_null(q) -> bool:
    return q is NullQuery or isinstance(q, _NullQuery)


def expand_terms(q, reader):
    """The terms (bytes or str) a multi-term query expands to in ``reader``."""
    return q._btexts(reader)


class TermListQuery:
    """Mixin for a ``whoosh.query.MultiTerm`` subclass whose terms come from
    its own :meth:`terms` (Whoosh calls the private ``_btexts``)."""

    def terms(self, reader):  # pragma: no cover - abstract
        raise NotImplementedError

    def _btexts(self, ixreader):
        return self.terms(ixreader)


class SpanFilterMatcher(SpanWrappingMatcher):
    """Keeps the spans of a span matcher for which :meth:`keep` is true;
    documents without one are skipped.  Subclasses implement :meth:`keep`
    and :meth:`rewrap` (the same filter around another child)."""

    def keep(self, span) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def rewrap(self, child):  # pragma: no cover - abstract
        raise NotImplementedError

    def copy(self):
        return self.rewrap(self.child.copy())

    def _replacement(self, newchild):
        return self.rewrap(newchild)

    def supports_block_quality(self):
        return False       # block skipping would bypass the span check

    def _get_spans(self):
        keep = self.keep
        return [s for s in self.child.spans() if keep(s)]


class CorrectorBase(Corrector):
    """A ``whoosh.spelling.Corrector`` whose candidates come from
    :meth:`candidates` ((score, word) pairs, higher score better)."""

    def candidates(self, text, maxdist, prefix):  # pragma: no cover - abstract
        raise NotImplementedError

    def _suggestions(self, text, maxdist, prefix):
        return self.candidates(text, maxdist, prefix)


