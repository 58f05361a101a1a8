"""Full-text search over transcript segments (Whoosh).

Plain dataclasses in, hits out: this package knows nothing of SQLite, audio,
Qt or the other project packages.

Design (details in each module's docstring):

* ``schema``    one Whoosh document per segment.  The ``text`` field holds the
  segment's own words *and* the first ``OVERLAP_WORDS`` words of the next
  segment, with positions: own tokens just below ``BOUNDARY``, overlap tokens
  from ``BOUNDARY`` on.  "A match starts in this segment" is therefore
  ``position < BOUNDARY`` for every document - no per-document limit needed.
* ``analysis``  one tokenizer/normalizer (lower-case, possessive strip, Porter
  stem, no stop words) for indexing, parsing and highlighting; common grams
  (``of_the``) indexed next to the unigrams so phrases of common words don't
  intersect huge posting lists.  Each position also has a *surface* (the
  words as written, lower-cased) indexed in the ``exact`` field.
* ``numbers``   spoken and written numbers -> one canonical token sequence
  ("twenty-five" = "25", "$4 million" = "four million dollars", "75%" =
  "seventy-five percent", "twenty thirteen" = "2013", "second" = "2nd").
* ``query``     the query language: ``query.parsing`` (Whoosh QueryParser +
  a rewrite: text conditions wrapped in ``OwnStart``, a SpanFirst-like
  filter; phrases turned into gram spans; ``="..."`` exact phrases;
  body/speaker/kind/lang filters resolved case-insensitively; ``date:`` ranges;
  friendly ``QueryError``), ``query.nodes`` (the custom query nodes; words
  and phrases resolved at search time by ``SpeechLeaf``),
  ``query.expansion`` (spelling/vocabulary variants, compounds,
  sounds-alikes, numbers in the query string) and ``query.oracle`` (how
  Whoosh's matchers score an ``OwnStart`` on the reference path).
* ``variants``  built-in spelling variants, vocabulary groups, double
  metaphone codes; ``lexicon``: a reader's word lists, cached while the
  reader lives; ``spelling``: "Did you mean" from the archive's own words.
* ``engine``    numpy evaluation of the rewritten query straight from the W3
  postings (BM25F like Whoosh's; ``postings``: decoded lists and set
  operations); Whoosh's matchers remain the reference path
  (``SearchIndex.engine = "whoosh"``) and tests check both agree on ids,
  scores and order.
* ``collect``   exact totals, date sort and facets from cached column arrays.
* ``timing``    where a segment's timed words sit in its text, and times spread
  by character position for words without their own (captions); archive/
  uses the same two functions.
* ``snippets``  first matched word -> its time; keyword-in-context snippet
  marking the words that actually matched.
* ``_whoosh_internals``  the fence: every use of a Whoosh private name (block
  decoding, column files, private hooks, 2.7.5 workarounds) and the write
  side (``write``: the W3 format and segment writer with less Python
  overhead), each with a contract test; Whoosh is pinned to 2.7.5.
* ``store``     ``SearchIndex`` / ``IndexWriter``: locking (``IndexBusyError``),
  commit/cancel, re-opening the searcher when a new commit appears.
* ``generations``  the index folder holds generations of the index; a rebuild
  (``SearchIndex.building``) fills a new one beside the current one and swaps it
  in atomically (``CURRENT``, replaced with ``os.replace``); readers follow at
  their next search. Every file private (0600, folders 0700).
"""

import importlib

# Public names and the module that defines each. They load on first use, so importing a
# light module of this package (``index.timing``, ``index.model``) does not load Whoosh.
_EXPORTS = {
    "Hit": "model", "IndexBusyError": "model", "IndexSegment": "model", "IndexVersionError": "model",
    "IndexWord": "model", "QueryError": "model", "RecordingDoc": "model", "SearchResults": "model",
    "IndexWriter": "store", "SearchIndex": "store",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
