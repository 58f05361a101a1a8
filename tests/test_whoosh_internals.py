"""Contract tests of index._whoosh_internals: one per function or class of the fence.

Each checks, on a real Whoosh index, the behaviour of Whoosh that the fence relies
on, against Whoosh's public API where there is one.  If a Whoosh upgrade breaks
one of these, fix the fence (and only the fence).
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import whoosh
from whoosh.codec.whoosh3 import W3Codec
from whoosh.filedb.filestore import FileStorage
from whoosh.query import Prefix, Term, Wildcard
from whoosh.query import NullQuery, Or
from whoosh.query.spans import SpanNear2
from whoosh.util.numeric import byte_to_length, length_to_byte

from index import IndexSegment, IndexWord, RecordingDoc, SearchIndex
from index import _whoosh_internals as wi
from index.schema import BOUNDARY


def _seg(sid, text, t0):
    words = [IndexWord(" " + w, t0 + i * 0.4, t0 + i * 0.4 + 0.3)
             for i, w in enumerate(text.split())]
    return IndexSegment(sid, t0, words[-1].end, " " + text, words, "Speaker %d" % (sid % 2))


def _doc(rid, n, body="City Council"):
    segs = [_seg(rid * 1000 + i, f"budget item {i} parking and the sidewalk "
                 + ("budget " * (i % 4)) + f"word{i} of the city", i * 10.0)
            for i in range(n)]
    return RecordingDoc(rid, f"Meeting {rid}", body, "meeting", f"2012-0{rid}-01", segs)


@pytest.fixture(scope="module")
def ix(tmp_path_factory):
    ix = SearchIndex.create(tmp_path_factory.mktemp("fence"))
    with ix.writer() as w:       # two segments, the second with 700 docs (2 blocks)
        w.add_recording(_doc(1, 30))
    with ix.writer() as w:
        w.add_recording(_doc(2, 700, body="Planning Board"))
    with ix.writer() as w:
        w.delete_recording(1)
        w.add_recording(_doc(1, 20))
    yield ix
    ix.close()


def _leaves(ix):
    return [r for r, _ in ix._current_searcher().reader().leaf_readers()]


def test_pinned_whoosh_version():
    assert whoosh.versionstring() == wi.WHOOSH_VERSION


def test_current_searcher_sees_deletes_where_refresh_did_not(tmp_path):
    ix = SearchIndex(tmp_path)
    with ix.writer() as w:
        w.add_recording(_doc(1, 3))
    with ix.writer() as w:
        w.add_recording(_doc(2, 3))
    s = wi.current_searcher(ix._ix, None)
    assert wi.current_searcher(ix._ix, s) is s          # up to date: kept
    with ix.writer() as w:
        w.delete_recording(1)
    stale = ix._ix.searcher()
    s2 = wi.current_searcher(ix._ix, s)
    assert s2 is not s and s.is_closed
    assert s2.doc_count() == 3
    assert {int(t) for t in s2.lexicon("rid") if s2.reader().postings("rid", t).is_active()} == {2}
    stale.close()
    s2.close()
    ix.close()


def test_posting_blocks_equal_public_postings(ix):
    for reader in _leaves(ix):
        for text in ("budget", "park", "of_the", "word7"):
            btext = text.encode()
            if ("text", btext) not in reader:
                continue
            blocks = list(wi.posting_blocks(reader, "text", btext, want_values=True))
            ids = np.concatenate([b[0] for b in blocks])
            ws = np.concatenate([b[1] for b in blocks])
            vals = [v for b in blocks for v in b[2]]
            m = reader._terms.matcher("text", btext, reader.schema["text"].format, None)
            ref_ids, ref_w, ref_v = [], [], []
            while m.is_active():
                ref_ids.append(m.id())
                ref_w.append(m.weight())
                ref_v.append(m.value())
                m.next()
            assert ids.tolist() == ref_ids and ws.tolist() == ref_w and vals == ref_v
    # skipping: blocks without a candidate are not decoded
    big = max(_leaves(ix), key=lambda r: r.doc_count_all())
    all_blocks = list(wi.posting_blocks(big, "text", b"budget"))
    assert len(all_blocks) >= 2
    last = all_blocks[-1][0]
    some = list(wi.posting_blocks(big, "text", b"budget", cand=last[-1:]))
    assert len(some) == 1 and some[0][0].tolist() == last.tolist()


def test_deleted_docnums_match_is_deleted(ix):
    reader = max(_leaves(ix), key=lambda r: r.has_deletions())
    assert reader.has_deletions()
    got = wi.deleted_docnums(reader).tolist()
    assert got == [d for d in range(reader.doc_count_all()) if reader.is_deleted(d)]


def test_length_bytes_match_doc_field_length(ix):
    for reader in _leaves(ix):
        raw = wi.length_bytes(reader, "text")
        assert len(raw) == reader.doc_count_all()
        for d in range(0, reader.doc_count_all(), 37):
            assert wi.LENGTH_OF_BYTE[raw[d]] == reader.doc_field_length(d, "text")
        assert wi.length_bytes(reader, "exact") is None      # not scorable: no column
    assert [byte_to_length(length_to_byte(n)) for n in (1, 7, 40)] == [1, 7, 40]


def test_numeric_column_matches_column_reader(ix):
    for reader in _leaves(ix):
        got = wi.numeric_column(reader, "dsort").tolist()
        assert got == list(reader.column_reader("dsort"))


def test_ref_column_matches_column_reader(ix):
    for reader in _leaves(ix):
        ords, values = wi.ref_column(reader, "body")
        assert [values[o] for o in ords] == list(reader.column_reader("body"))


def test_bm25_parameters_are_the_ones_bm25f_scores_with(ix):
    s = ix._current_searcher()
    B, K1 = wi.bm25_parameters(s.weighting, "text")
    sub, _off = s.leaf_searchers()[-1]
    m = Term("text", "budget").matcher(sub, sub.context(needs_current=True))
    d, tf = m.id(), m.weight()
    dl, avgfl, idf = sub.doc_field_length(d, "text"), s.avg_field_length("text"), s.idf(
        "text", "budget")
    assert m.score() == pytest.approx(
        idf * (tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * dl / avgfl)))


def test_is_null_and_expand_terms(ix):
    assert wi.is_null(NullQuery) and wi.is_null(Or([]).normalize())
    assert not wi.is_null(Term("text", "budget"))
    reader = ix._current_searcher().reader()
    terms = [b.decode() if isinstance(b, bytes) else b
             for b in wi.expand_terms(Prefix("text", "word1"), reader)]
    assert "word1" in terms and "word19" in terms and all(t.startswith("word1") for t in terms)
    assert [b for b in wi.expand_terms(Wildcard("text", "zzz*"), reader)] == []


def test_term_list_query_feeds_whoosh_matchers(ix):
    from whoosh.query import MultiTerm

    class Two(wi.TermListQuery, MultiTerm):
        fieldname, text, boost, constantscore = "text", "", 1.0, True

        def terms(self, reader):
            return [b"word3", b"word5"]

    s = ix._current_searcher()
    got = sorted(s.docs_for_query(Two()))
    assert got == sorted(s.docs_for_query(Or([Term("text", "word3"), Term("text", "word5")])))
    assert got


def test_span_filter_matcher_keeps_only_chosen_spans(ix):
    class Early(wi.SpanFilterMatcher):
        def keep(self, span):
            return span.start < BOUNDARY

        def rewrap(self, child):
            return Early(child)

    s = ix._current_searcher()
    sub = max((sub for sub, _off in s.leaf_searchers()), key=lambda x: x.doc_count())
    q = SpanNear2([Term("text", "budget"), Term("text", "item")], slop=1, ordered=True)

    def spans(m):
        out = {}
        while m.is_active():
            out[m.id()] = [sp.start for sp in m.spans()]
            m.next()
        return out

    everything = spans(q.matcher(sub, sub.context(needs_current=True)))
    early = spans(Early(q.matcher(sub, sub.context(needs_current=True))))
    # every segment starts with "budget item"; the next one's copy sits at BOUNDARY
    assert early and set(early) == set(everything)
    assert all(starts == [x for x in everything[d] if x < BOUNDARY]
               for d, starts in early.items())
    assert any(x >= BOUNDARY for starts in everything.values() for x in starts)


def test_corrector_base_suggests_from_candidates():
    class Fixed(wi.CorrectorBase):
        def candidates(self, text, maxdist, prefix):
            return [(0.5, "budget"), (0.9, "budgets"), (0.1, "bucket")]

    assert Fixed().suggest("budjet", limit=2) == ["budgets", "budget"]


def test_codec_writes_w3_that_the_stock_reader_reads(tmp_path):
    ix = SearchIndex(tmp_path)
    with ix.writer() as w:
        w.add_recording(_doc(1, 600))
    ix.close()
    # the stock W3 reader (a fresh FileStorage, no CouncilCodec class involved in reading)
    raw = FileStorage(str(tmp_path)).open_index("segments")
    with raw.searcher() as s:
        r = s.reader()
        assert type(r.codec()).__name__ == "CouncilCodec" and isinstance(r.codec(), W3Codec)
        assert s.doc_count() == 600
        # a single-posting term is inlined in the term table (2.7.5 bug worked around)
        ti = r.term_info("text", "word599")
        assert ti.is_inlined() and ti.doc_frequency() == 1
        # block postings: protocol-5 pickles, 512 per block, readable by W3
        m = r.postings("text", "budget")
        assert len(list(m.all_ids())) == 600
        assert sorted(d for d in s.docs_for_query(Term("text", "word7"))) == [7]
        stored = s.stored_fields(5)["d"]
        assert stored[1] == 1005
    assert pickle.loads(pickle.dumps(wi.CouncilCodec()))._blocklimit == 512


def test_stock_w3_inlinelimit_still_broken():
    """Why the codec keeps its TermInfo: stock W3 can't inline (2.7.5).  When
    this fails, Whoosh fixed it and _TermInfo.set_inline may go."""
    from whoosh.codec.whoosh3 import W3TermInfo
    assert not hasattr(W3TermInfo(), "set_inline")


def test_writer_pool_spills_and_merges_runs(tmp_path):
    from index._whoosh_internals.write import CouncilPool

    pool = CouncilPool(FileStorage(str(tmp_path)), None, limitmb=1)
    expected = []
    for doc in range(30):
        items = [(b"t%02d" % ((doc + t) % 7), 1, 1.0, b"v%d" % doc)
                 for t in range(doc % 5 + 1)]
        pool.add_doc_postings("text", doc, items)
        expected += [("text", it[0], doc, it[2], it[3]) for it in items]
        if doc % 8 == 7:
            pool.save()                      # force several runs
    pool.add(("body", b"x", 30, 1.0, b""))
    expected.append(("body", b"x", 30, 1.0, b""))
    assert len(pool.runs) == 3
    assert list(pool.iter_postings()) == sorted(expected)


def test_new_writer_is_locked_and_commits(tmp_path):
    from whoosh.index import LockError

    ix = SearchIndex(tmp_path)
    w = wi.new_writer(ix._ix, limitmb=16, timeout=0.1)
    with pytest.raises(LockError):
        wi.new_writer(ix._ix, limitmb=16, timeout=0.1)
    w.cancel()
    with ix.writer() as iw:
        iw.add_recording(_doc(3, 4))
    assert ix.doc_count() == 4
    ix.close()
