"""Tests for the index package (real Whoosh indexes in tmp_path)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from index import (Hit, IndexBusyError, IndexSegment, IndexWord, QueryError,
                   RecordingDoc, SearchIndex, SearchResults)
from index.analysis import phrase_positions, phrase_tokens, terms
from index.schema import BOUNDARY

GRAM_MODES = ["both", "either", "off"]


# --------------------------------------------------------------------------
# fictional recordings


def seg(sid, text, t0, speaker=None, step=0.45, words=True):
    """A segment whose words start every ``step`` seconds from ``t0``."""
    ws = []
    t = t0
    for w in text.split(" "):
        ws.append(IndexWord(" " + w, round(t, 2), round(t + step * 0.8, 2)))
        t += step
    end = ws[-1].end
    return IndexSegment(sid, t0, end, " " + text, ws if words else [], speaker)


def word_start(segment: IndexSegment, word: str) -> float:
    for w in segment.words:
        if w.text.strip(" .,").lower() == word.lower():
            return w.start
    raise KeyError(word)


def word_end(segment: IndexSegment, word: str) -> float:
    for w in segment.words:
        if w.text.strip(" .,").lower() == word.lower():
            return w.end
    raise KeyError(word)


R1 = RecordingDoc(1, "Riverton City Council regular meeting", "Riverton City Council",
                  "meeting", "2011-05-02", [
                      seg(101, "Good evening. We will take the money out of", 3.0,
                          "Mayor Jane Smith"),
                      seg(102, "the general fund to repair the Henderson Street sidewalk.",
                          8.2, "Councilmember Luis Rodriguez"),
                      seg(103, "Thank you. The next item is parking downtown.", 14.6,
                          "Mayor Jane Smith"),
                      seg(104, "Public comment on the parking garage budget.", 20.0,
                          None, words=False),
                  ])
R2 = RecordingDoc(2, "Planning Commission hearing", "Planning Commission", "hearing",
                  "2012-03-15", [
                      seg(201, "The zoning variance for the bakery was approved by the "
                               "commission.", 1.5, "Chair Ann Okafor"),
                      seg(202, "Commissioner Okafor asked about parking near the school.",
                          7.0, "Commissioner Bo Lindqvist"),
                      seg(203, "We ran out of the time for public comment tonight.", 12.4,
                          "Chair Ann Okafor"),
                  ])
R3 = RecordingDoc(3, "Riverton City Council budget workshop", "Riverton City Council",
                  "work session", "2012-11-20", [
                      seg(301, "The budget for the library increased this year.", 0.5,
                          "Mayor Jane Smith"),
                      seg(302, "Councilmember Rodriguez wants the library open on Sundays.",
                          5.0, "Councilmember Luis Rodriguez"),
                  ])
SEGS = {s.segment_id: s for r in (R1, R2, R3) for s in r.segments}


def build(path, mode="both", recordings=(R1, R2, R3)):
    ix = SearchIndex.create(path, common_grams=mode)
    with ix.writer() as w:
        for r in recordings:
            w.add_recording(r)
    return ix


@pytest.fixture(scope="module")
def ix(tmp_path_factory):
    ix = build(tmp_path_factory.mktemp("ix"))
    yield ix
    ix.close()


@pytest.fixture(scope="module", params=GRAM_MODES)
def mode_ix(request, tmp_path_factory):
    ix = build(tmp_path_factory.mktemp("ix_" + request.param), request.param)
    yield ix
    ix.close()


def sids(results: SearchResults) -> list[int]:
    return [h.segment_id for h in results.hits]


# --------------------------------------------------------------------------
# analysis


def test_terms_lowercase_stem_no_stopwords():
    assert terms("The Council's budgets, out of THE fund!") == [
        "the", "council", "budget", "out", "of", "the", "fund"]


def test_gram_tokens_never_collide_with_user_terms():
    assert all("_" not in t for t in terms("of_the snake_case __init__"))


@pytest.mark.parametrize("mode,expected", [
    ("both", [(0, "out_of"), (1, "of_the")]),
    ("either", [(0, "out_of"), (1, "of_the")]),
    ("off", [(0, "out"), (1, "of"), (2, "the")]),
])
def test_phrase_tokens_common_words(mode, expected):
    assert phrase_tokens(["out", "of", "the"], mode) == expected


def test_phrase_tokens_mixed_keeps_offsets():
    # "of the budget": gram covers "of the"; "budget" keeps its own offset
    assert phrase_tokens(["of", "the", "budget"], "both") == [(0, "of_the"), (2, "budget")]
    assert phrase_tokens(["of", "the", "budget"], "either") == [
        (0, "of_the"), (1, "the_budget")]


def test_phrase_positions_overlap_sits_after_boundary():
    post = phrase_positions(["money", "out", "of"], ["the", "general"], BOUNDARY, "both")
    assert post["money"] == [BOUNDARY - 3]
    assert post["out_of"] == [BOUNDARY - 2]
    assert post["of_the"] == [BOUNDARY - 1]     # gram starting in own part
    assert post["general"] == [BOUNDARY + 1]


# --------------------------------------------------------------------------
# basic query language


def test_plain_words_are_anded(ix):
    r = ix.search("parking downtown")
    assert r.total == 1 and sids(r) == [103]
    h = r.hits[0]
    assert isinstance(h, Hit)
    assert (h.recording_id, h.title, h.body, h.kind, h.date) == (
        1, "Riverton City Council regular meeting", "Riverton City Council", "meeting",
        "2011-05-02")
    assert h.speaker == "Mayor Jane Smith"
    assert h.text == SEGS[103].text
    assert (h.segment_start, h.segment_end) == (SEGS[103].start, SEGS[103].end)


def test_hit_start_is_first_matched_word_not_segment_start(ix):
    r = ix.search("sidewalk")
    h = r.hits[0]
    assert h.segment_id == 102
    assert h.start == pytest.approx(word_start(SEGS[102], "sidewalk"), abs=0.001)
    assert h.end == pytest.approx(word_end(SEGS[102], "sidewalk"), abs=0.001)
    assert h.start > h.segment_start + 3


def test_hit_start_uses_earliest_match_of_and_query(ix):
    h = ix.search("downtown item").hits[0]
    assert h.start == pytest.approx(word_start(SEGS[103], "item"), abs=0.001)


def test_stemming(ix):
    assert sids(ix.search("sidewalks")) == [102]
    assert set(sids(ix.search("increasing"))) == {301}


def test_phrase(ix):
    r = ix.search('"general fund"')
    assert r.total == 1 and sids(r) == [102]
    assert '[[general]] [[fund]]' in r.hits[0].snippet


def test_phrase_must_be_adjacent(ix):
    assert ix.search('"fund general"').total == 0
    assert ix.search('"money general"').total == 0


def test_common_word_phrase(mode_ix):
    r = mode_ix.search('"out of the"')
    # once inside 203, once straddling 101 -> 102; never twice
    assert r.total == 2
    assert sorted(sids(r)) == [101, 203]
    h101 = next(h for h in r.hits if h.segment_id == 101)
    assert h101.start == pytest.approx(word_start(SEGS[101], "out"), abs=0.001)
    assert h101.end == pytest.approx(word_end(SEGS[102], "the"), abs=0.001)


def test_phrase_across_segment_boundary_found_once(mode_ix):
    r = mode_ix.search('"take the money out of the general fund"')
    assert r.total == 1
    h = r.hits[0]
    assert h.segment_id == 101
    assert h.start == pytest.approx(word_start(SEGS[101], "take"), abs=0.001)
    assert h.end == pytest.approx(word_end(SEGS[102], "fund"), abs=0.001)
    assert "[[money]]" in h.snippet and "[[fund]]" in h.snippet


def test_phrase_starting_in_next_segment_not_credited_to_previous(mode_ix):
    r = mode_ix.search('"the general fund"')
    assert r.total == 1 and sids(r) == [102]
    assert r.hits[0].start == pytest.approx(SEGS[102].words[0].start, abs=0.001)


def test_word_only_in_overlap_not_double_counted(mode_ix):
    # "general" is in 101's overlap (first words of 102) but only 102 says it
    r = mode_ix.search("general")
    assert r.total == 1 and sids(r) == [102]
    r = mode_ix.search("gener*")
    assert sids(r) == [102]


def test_sloppy_phrase(mode_ix):
    assert sids(mode_ix.search('"repair sidewalk"~4')) == [102]
    assert mode_ix.search('"sidewalk repair"~4').total == 0


def test_or(ix):
    r = ix.search("bakery OR sidewalk")
    assert sorted(sids(r)) == [102, 201]


@pytest.mark.parametrize("q", ["parking NOT downtown", "parking -downtown"])
def test_not(ix, q):
    r = ix.search(q)
    assert sorted(sids(r)) == [104, 202]


def test_prefix(ix):
    assert sids(ix.search("zon*")) == [201]
    assert sids(ix.search("Sidew*")) == [102]
    # the stem is used too, so a full word + * still matches its inflections
    assert sids(ix.search("sidewalks*")) == [102]


def test_fuzzy_misspelt_name(ix):
    assert sids(ix.search("Rodrigez~")) == [302]
    assert sids(ix.search("Okafr~")) == [202]
    assert sids(ix.search("Henderzon~2")) == [102]
    h = ix.search("Rodrigez~").hits[0]
    assert "[[Rodriguez]]" in h.snippet
    assert h.start == pytest.approx(word_start(SEGS[302], "rodriguez"), abs=0.001)


def test_field_filters(ix):
    assert sorted(sids(ix.search('body:"Riverton City Council" parking'))) == [103, 104]
    assert sorted(sids(ix.search("body:riverton parking"))) == [103, 104]
    assert sorted(sids(ix.search('body:"planning commission" parking'))) == [202]
    assert sorted(sids(ix.search("speaker:smith"))) == [101, 103, 301]
    assert sorted(sids(ix.search('speaker:"MAYOR JANE SMITH" library'))) == [301]
    assert sorted(sids(ix.search("kind:hearing"))) == [201, 202, 203]
    assert sorted(sids(ix.search('kind:"work session" library'))) == [301, 302]
    assert sorted(sids(ix.search("title:workshop"))) == [301, 302]
    assert sorted(sids(ix.search('title:"regular meeting" parking'))) == [103, 104]
    assert ix.search("body:nowhere parking").total == 0


def test_filter_keyword_args(ix):
    assert sorted(sids(ix.search("parking", body="riverton city council"))) == [103, 104]
    assert sorted(sids(ix.search("parking", body="Riverton"))) == [103, 104]
    assert sorted(sids(ix.search("library", speaker="Luis Rodriguez"))) == [302]
    assert sorted(sids(ix.search("parking", kind="HEARING"))) == [202]


@pytest.mark.parametrize("q,expected", [
    ("parking date:2011", [103, 104]),
    ("parking date:2012", [202]),
    ("parking date:2012-03", [202]),
    ("parking date:2012-03-15", [202]),
    ("parking date:2012-03-16", []),
    ("parking date:2011..2012", [103, 104, 202]),
    ("library date:2012-01-01..2012-06-30", []),
    ("comment date:2012-01-01..2012-06-30", [203]),
    ("comment date:2011-05..2012-03", [104, 203]),
    ("library date:2012-06..", [301, 302]),
    ("comment date:..2011", [104]),
    ("comment date:[2012 TO 2013]", [203]),
])
def test_date_filters_in_query(ix, q, expected):
    assert sorted(sids(ix.search(q))) == expected


def test_date_filters_keyword_args(ix):
    assert sorted(sids(ix.search("parking", date_from="2012-01-01"))) == [202]
    assert sorted(sids(ix.search("parking", date_to="2011-12-31"))) == [103, 104]
    assert sorted(sids(ix.search("parking OR library", date_from="2012-03-15",
                                 date_to="2012-11"))) == [202, 301, 302]
    assert sorted(sids(ix.search("library", date_from="2012"))) == [301, 302]
    with pytest.raises(QueryError):
        ix.search("parking", date_from="last tuesday")


def test_sort_by_date(ix):
    r = ix.search("parking OR library OR comment", sort="date")
    assert sids(r) == [301, 302, 202, 203, 103, 104]
    rel = ix.search("parking OR library OR comment")
    assert rel.total == r.total == 6
    assert sorted(sids(rel)) == sorted(sids(r))
    assert all(h.score > 0 for h in r.hits)


def test_paging(ix):
    full = ix.search("the", limit=50)
    assert full.total == len(full.hits)
    page = ix.search("the", limit=3, offset=2)
    assert page.total == full.total
    assert sids(page) == sids(full)[2:5]
    assert ix.search("the", limit=5, offset=500).hits == []
    dpage = ix.search("the", sort="date", limit=2, offset=1)
    assert sids(dpage) == sids(ix.search("the", sort="date", limit=50))[1:3]


def test_facets(ix):
    r = ix.search("parking OR library", facets=True)
    assert r.total == 5
    assert r.facets["body"] == {"Riverton City Council": 4, "Planning Commission": 1}
    assert r.facets["year"] == {"2011": 2, "2012": 3}
    assert r.facets["kind"] == {"meeting": 2, "work session": 2, "hearing": 1}
    assert r.facets["speaker"] == {"Mayor Jane Smith": 2,
                                   "Councilmember Luis Rodriguez": 1,
                                   "Commissioner Bo Lindqvist": 1}
    assert ix.search("parking").facets == {}


def test_snippet_marks_and_fragments(ix):
    h = ix.search("parking").hits
    h103 = next(x for x in h if x.segment_id == 103)
    assert h103.snippet == "Thank you. The next item is [[parking]] downtown."
    assert h103.fragments == [("Thank you. The next item is ", False), ("parking", True),
                              (" downtown.", False)]
    assert "".join(t for t, _ in h103.fragments) == h103.snippet.replace(
        "[[", "").replace("]]", "")


def test_snippet_window_is_cut_with_ellipsis(tmp_path):
    words = [f"w{i}" for i in range(45)]
    words[20] = "needle"
    rec = RecordingDoc(9, "Long", "Body", None, None, [seg(1, " ".join(words), 0.0)])
    ix = build(tmp_path, recordings=[rec])
    h = ix.search("needle").hits[0]
    assert h.snippet.startswith("\u2026") and h.snippet.endswith("\u2026")
    assert "[[needle]]" in h.snippet
    assert "w8 " in h.snippet and "w7 " not in h.snippet
    assert "w32" in h.snippet and "w33" not in h.snippet
    ix.close()


def test_caption_segment_without_word_times_interpolates(ix):
    h = ix.search("garage").hits[0]
    assert h.segment_id == 104
    s = SEGS[104]
    assert s.start < h.start < s.end
    # "garage" starts at ~62% of the text
    frac = s.text.index("garage") / len(s.text)
    assert h.start == pytest.approx(s.start + frac * (s.end - s.start), abs=0.02)


def test_all_matched_words_marked_first_match_sets_time(ix):
    h = ix.search("the budget").hits[0]
    assert h.segment_id in (104, 301)
    h301 = next(x for x in ix.search("the budget").hits if x.segment_id == 301)
    assert h301.snippet.count("[[") == 3   # The, budget, the
    assert h301.start == pytest.approx(SEGS[301].words[0].start, abs=0.001)


# --------------------------------------------------------------------------
# malformed input

MALFORMED = [
    '"unbalanced quote', '"out of the', 'NOT', 'AND', 'OR', 'NOT NOT', 'parking AND',
    'body:', 'speaker:', 'kind:', 'title:', 'date:', 'body: parking', 'x' * 5000,
    'parking ' * 700, '!!!', '...', '"', '""', '(', '((parking', ')))', '*', '**', '?',
    'a*', 'date:2011-13', 'date:2011-02-30', 'date:foo', 'date:..', 'date:2011..x',
    'date:[2011 TO', '-', '--parking', '-parking', 'NOT parking', '~', 'fund~9',
    'fund~', '[a TO', 'title:"', 'body:"', '^', 'parking^', 'parking^abc',
    'hello:world', 'phr:of_the', 'rid:1', '"out of"~', '"out of"~x', '\x00', 'émigré',
    '日本語', '\u200b', 'parking)', 'body:(riverton OR planning) parking', '{a TO b}',
    "it's", "'parking'", 'council\'s "budget', '+parking', '&&', '||', '/regex/',
]


@pytest.mark.parametrize("q", MALFORMED)
def test_malformed_queries_never_crash(ix, q):
    try:
        r = ix.search(q)
    except QueryError as e:
        msg = str(e)
        assert msg and "\n" not in msg and "Traceback" not in msg
    else:
        assert isinstance(r, SearchResults)
        assert r.total >= len(r.hits)


@pytest.mark.parametrize("q", ["", "   ", "\n\t"])
def test_empty_query(ix, q):
    with pytest.raises(QueryError, match=r"^Type something to search for\.$"):
        ix.search(q)


def test_specific_friendly_errors(ix):
    with pytest.raises(QueryError, match="body:"):
        ix.search("body:")
    with pytest.raises(QueryError, match="date"):
        ix.search("parking date:someday")
    with pytest.raises(QueryError, match="too long"):
        ix.search("x" * 5000)
    with pytest.raises(QueryError):
        ix.search("-parking")
    with pytest.raises(QueryError):
        ix.search("parking", sort="alphabetical")


# --------------------------------------------------------------------------
# writing, reopening, concurrency


def test_consistency_helpers(ix):
    assert ix.doc_count() == 9
    assert ix.recording_ids() == {1, 2, 3}
    assert ix.segment_texts(2) == {s.segment_id: s.text for s in R2.segments}


def test_delete_and_upsert(tmp_path):
    ix = build(tmp_path)
    with ix.writer() as w:
        w.delete_recording(2)
    assert ix.recording_ids() == {1, 3}
    assert ix.search("zoning").total == 0
    assert ix.doc_count() == 6

    changed = RecordingDoc(3, "Riverton City Council budget workshop (corrected)",
                           "Riverton City Council", "work session", "2012-11-21", [
                               seg(301, "The budget for the aquarium increased.", 0.5),
                           ])
    with ix.writer() as w:
        w.add_recording(changed)
    assert ix.doc_count() == 5
    assert ix.search("library").total == 0
    r = ix.search("aquarium")
    assert r.total == 1 and r.hits[0].date == "2012-11-21"
    assert ix.segment_texts(3) == {301: " The budget for the aquarium increased."}
    assert ix.recording_ids() == {1, 3}
    ix.close()


def test_same_recording_twice_in_one_writer_is_rejected(tmp_path):
    ix = SearchIndex(tmp_path)
    with pytest.raises(ValueError):
        with ix.writer() as w:
            w.add_recording(R1)
            w.add_recording(R1)
    assert ix.doc_count() == 0     # cancelled
    ix.close()


def test_writer_cancels_on_exception_and_releases_lock(tmp_path):
    ix = SearchIndex(tmp_path)
    with pytest.raises(RuntimeError):
        with ix.writer() as w:
            w.add_recording(R1)
            raise RuntimeError("boom")
    assert ix.doc_count() == 0
    with ix.writer() as w:
        w.add_recording(R1)
    assert ix.doc_count() == 4
    ix.close()


def test_reopen_from_disk(tmp_path):
    build(tmp_path).close()
    ix = SearchIndex(tmp_path)
    assert ix.doc_count() == 9
    assert sids(ix.search('"general fund"')) == [102]
    assert sorted(sids(ix.search('"out of the"'))) == [101, 203]
    ix.close()


def test_reader_sees_new_commit(tmp_path):
    reader = build(tmp_path, recordings=[R1])
    assert reader.search("zoning").total == 0
    writer_side = SearchIndex(tmp_path)
    with writer_side.writer() as w:
        w.add_recording(R2)
    assert reader.search("zoning").total == 1
    assert reader.recording_ids() == {1, 2}
    # and a multi-segment index still facets / date-sorts correctly
    r = reader.search("parking", facets=True, sort="date")
    assert sids(r) == [202, 103, 104]
    assert r.facets["body"] == {"Riverton City Council": 2, "Planning Commission": 1}
    writer_side.close()
    reader.close()


def test_reader_does_not_block_writer(tmp_path):
    ix = build(tmp_path, recordings=[R1])
    ix.search("parking")               # an open searcher
    with ix.writer(timeout=0.5) as w:
        w.add_recording(R3)
    assert ix.search("library").total == 2
    ix.close()


def test_second_writer_is_busy(tmp_path):
    ix = SearchIndex(tmp_path)
    other = SearchIndex(tmp_path)
    with ix.writer() as w:
        w.add_recording(R1)
        with pytest.raises(IndexBusyError) as ei:
            other.writer(timeout=0.2)
        assert str(ei.value) == ("the search index is busy (another import is "
                                 "writing to it)")
    with other.writer(timeout=0.2) as w2:       # free again after commit
        w2.add_recording(R2)
    assert ix.doc_count() == 7
    ix.close()
    other.close()


def test_create_wipes(tmp_path):
    build(tmp_path).close()
    ix = SearchIndex.create(tmp_path)
    assert ix.doc_count() == 0
    assert ix.recording_ids() == set()
    ix.close()


# --------------------------------------------------------------------------
# the vectorized engine agrees with Whoosh's own matchers

ENGINE_QUERIES = [
    "parking", "the", "general", "parking downtown", '"out of the"', '"general fund"',
    '"take the money out of the general fund"', '"the general fund"', '"of the time"',
    "bakery OR sidewalk", "parking NOT downtown", "parking -downtown", "zon*", "gener*",
    "Rodrigez~", "Okafr~2", 'body:"Riverton City Council" parking', "speaker:smith",
    "kind:hearing", "title:workshop", "date:2012", "parking date:2011..2012",
    "comment date:2011-05..2012-03", "(parking OR library) -(downtown OR sundays)",
    '"repair sidewalk"~4', "li?rary", "NOT parking the", '"thank you" OR budget',
]


def reference_scores(searcher, q) -> dict[int, float]:
    """Every matching docnum -> score, from Whoosh's own matchers (the oracle)."""
    from index.query import reference_query

    rq = reference_query(q)
    out = {}
    for sub, offset in searcher.leaf_searchers():
        m = rq.matcher(sub, sub.context(needs_current=True))
        while m.is_active():
            out[m.id() + offset] = m.score()
            m.next()
    return out


def assert_engine_agrees(ix, q, options=None):
    """The numpy engine and Whoosh's matchers: same documents, same scores."""
    from index.collect import ColumnCache
    from index.engine import Evaluator
    from index.query import ResolveContext, compile_query, resolve_filters

    s = ix._current_searcher()
    cq = compile_query(q, ix._parser, gram_mode=ix.gram_mode, options=options)
    wq = resolve_filters(cq.query, s.reader(), ResolveContext())
    ids, scores = Evaluator(s, ColumnCache()).run(wq)
    ref = reference_scores(s, wq)
    assert ids.tolist() == sorted(ref)
    assert scores.tolist() == pytest.approx([ref[d] for d in ids.tolist()], rel=1e-9)
    return ids, scores


@pytest.mark.parametrize("q", ENGINE_QUERIES)
def test_engine_matches_whoosh_matchers(mode_ix, q):
    ids, scores = assert_engine_agrees(mode_ix, q)
    assert (scores > 0).all() or q.startswith("NOT")


def assert_same_hits(a, b):
    """Two SearchResults agree hit for hit: order, score, time, snippet, tier."""
    assert a.total == b.total
    assert sids(a) == sids(b)
    for x, y in zip(a.hits, b.hits):
        assert x.score == pytest.approx(y.score, rel=1e-9)
        assert (x.start, x.end, x.snippet, x.expanded) == (y.start, y.end, y.snippet, y.expanded)


@pytest.mark.parametrize("q", ENGINE_QUERIES + ["parking date:2012", "the budget"])
def test_search_same_with_whoosh_matchers(ix, q):
    fast = ix.search(q, limit=100, facets=True)
    fast_page = ix.search(q, limit=3, offset=1)
    fast_date = ix.search(q, limit=100, sort="date")
    ix.engine = "whoosh"
    try:
        ref = ix.search(q, limit=100, facets=True)
        ref_page = ix.search(q, limit=3, offset=1)
        ref_date = ix.search(q, limit=100, sort="date")
    finally:
        ix.engine = "numpy"
    assert_same_hits(fast, ref)
    assert_same_hits(fast_page, ref_page)
    assert_same_hits(fast_date, ref_date)
    assert fast.facets == ref.facets


def test_reader_caches_die_with_their_reader(tmp_path):
    import gc
    import weakref

    from index import _whoosh_internals, lexicon

    ix = build(tmp_path)
    with ix.writer() as w:                     # a second segment
        w.add_recording(RecordingDoc(9, "Extra", "Riverton City Council", "meeting",
                                     "2013-01-01", [seg(901, "Parking Rodriguez again.", 1.0)]))
    with ix.writer() as w:                     # deletions in a segment
        w.add_recording(R1)
    assert ix.search("Rodrigez~ parking", phonetic=True).total
    old = ix._current_searcher()
    assert len(old.reader().leaf_readers()) > 1
    top = weakref.ref(old.reader())
    leaves = [weakref.ref(r) for r, _ in old.reader().leaf_readers()]
    assert lexicon.lexicon(old.reader()).alpha_words()
    assert any(len(_whoosh_internals.deleted_docnums(r())) for r in leaves)
    del old
    with ix.writer() as w:                     # a new commit replaces the searcher
        w.delete_recording(9)
    assert ix.search("parking").total
    gc.collect()
    assert top() is None and all(r() is None for r in leaves)
    # (the caches are WeakKeyDictionaries: the dead readers' entries went with them)
    ix.close()


def test_create_keeps_unrelated_files_and_mode_persists(tmp_path):
    (tmp_path / "notes.txt").write_text("keep me")
    ix = build(tmp_path, mode="either", recordings=[R1])
    ix.close()
    reopened = SearchIndex(tmp_path)              # default arg ignored: on-disk mode
    assert reopened.gram_mode == "either"
    assert reopened.doc_count() == 4
    reopened.close()
    SearchIndex.create(tmp_path).close()
    assert (tmp_path / "notes.txt").read_text() == "keep me"
    assert SearchIndex(tmp_path).doc_count() == 0


def test_a_rebuild_is_made_beside_the_index_and_swapped_in_atomically(tmp_path):
    from index.generations import current

    def folders():
        return sorted(p.name for p in tmp_path.iterdir() if p.is_dir())

    reader = build(tmp_path, recordings=[R1])
    first = current(tmp_path)
    with pytest.raises(OSError):   # a rebuild that fails (a full disk) ...
        with SearchIndex.building(tmp_path) as fresh, fresh.writer() as w:
            w.add_recording(R2)
            raise OSError(28, "No space left on device")
    assert current(tmp_path) == first and folders() == [first.name]   # ... leaves nothing but the old index
    assert reader.recording_ids() == {1}
    with SearchIndex.building(tmp_path) as fresh:
        with fresh.writer() as w:
            w.add_recording(R2)
        assert reader.recording_ids() == {1}          # readers keep the old index until the swap
        assert SearchIndex(tmp_path).recording_ids() == {1}
    assert current(tmp_path) != first
    assert reader.recording_ids() == {2} and reader.search("zoning").total == 1   # then follow it
    assert first.name in folders()                    # the old generation stays until the next writer
    with reader.writer() as w:
        w.add_recording(R3)
    assert folders() == [current(tmp_path).name] and reader.recording_ids() == {2, 3}
    reader.close()


def test_incompatible_index_version_is_reported(tmp_path):
    from index import IndexVersionError

    built = build(tmp_path, recordings=[R1])
    built.close()
    (built.path / "council_index.json").write_text('{"schema_version": 0}')  # its generation's
    with pytest.raises(IndexVersionError, match="rebuild"):
        SearchIndex(tmp_path)
    SearchIndex.create(tmp_path).close()           # the reindex path recovers
    assert SearchIndex(tmp_path).doc_count() == 0


def test_search_on_empty_index(tmp_path):
    ix = SearchIndex(tmp_path)
    r = ix.search("parking", facets=True)
    assert (r.total, r.hits) == (0, [])
    assert r.facets == {"body": {}, "year": {}, "kind": {}, "speaker": {}, "chapter": {}}
    assert ix.search('"out of the"', sort="date").total == 0
    assert ix.recording_ids() == set() and ix.segment_texts(1) == {}
    ix.close()


def test_snippet_shows_overlap_part_of_a_later_crossing_phrase(ix):
    h = next(h for h in ix.search('evening OR "out of the"').hits if h.segment_id == 101)
    assert h.start == pytest.approx(word_start(SEGS[101], "evening"), abs=0.001)
    assert "[[out]] [[of]] [[the]]" in h.snippet
    assert h.snippet.endswith("\u2026")


def test_archive_and_index_time_caption_words_alike():
    # one rule for words without times (captions): what the transcript view shows is what
    # the index times a hit by
    from archive.alignment import spread_words, words_fit
    from index.documents import layout

    seg = IndexSegment(segment_id=1, start=10.0, end=14.0, text="Snow plows on Elm Street.")
    lay = layout(seg)
    shown = spread_words(seg.text, seg.start, seg.end)
    assert [w["text"].strip() for w in shown] == seg.text.split()
    assert [w["start"] for w in shown] == [round(t, 3) for t in lay.starts]
    assert [w["end"] for w in shown] == [round(t, 3) for t in lay.ends]
    assert words_fit(seg.text, shown) and not words_fit(seg.text, shown[::-1])


def test_light_modules_do_not_load_whoosh():
    code = ("import sys, index.timing, index.model, archive.alignment, archive.views; "
            "assert 'whoosh' not in sys.modules, 'whoosh loaded'; import index; index.SearchIndex; "
            "assert 'whoosh' in sys.modules")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
