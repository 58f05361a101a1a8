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
* ``query``     Whoosh QueryParser + a rewrite: text conditions wrapped in
  ``OwnStart`` (a SpanFirst-like filter), phrases turned into gram spans,
  words/phrases resolved at search time into the words as typed plus
  spelling/vocabulary variants and sounds-alikes (``SpeechLeaf``),
  ``="..."`` exact phrases, body/speaker/kind filters resolved
  case-insensitively, ``date:`` ranges, friendly ``QueryError``.
* ``variants``  built-in spelling variants, vocabulary groups, double
  metaphone sounds-alikes; ``spelling``: "Did you mean" from the archive's
  own words (a whoosh.spelling corrector).
* ``engine``    numpy evaluation of the rewritten query straight from the W3
  postings (BM25F like Whoosh's); Whoosh's matchers remain the reference
  path (``SearchIndex.engine = "whoosh"``) and tests check they agree.
* ``collect``   exact totals, date sort and facets from cached column arrays.
* ``snippets``  first matched word -> its time; keyword-in-context snippet
  marking the words that actually matched.
* ``codec`` / ``writing``  the W3 on-disk format written with less Python
  overhead (protocol-5 pickles, chunked sort runs, cheap zlib setup).
* ``store``     ``SearchIndex`` / ``IndexWriter``: locking (``IndexBusyError``),
  commit/cancel, re-opening the searcher when a new commit appears.
"""

from .model import (Hit, IndexBusyError, IndexSegment, IndexVersionError, IndexWord,
                    QueryError, RecordingDoc, SearchResults)
from .store import IndexWriter, SearchIndex

__all__ = [
    "Hit", "IndexBusyError", "IndexSegment", "IndexVersionError", "IndexWord",
    "IndexWriter", "QueryError", "RecordingDoc", "SearchIndex", "SearchResults",
]
