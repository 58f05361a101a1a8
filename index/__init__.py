"""Full-text search over transcript segments (Whoosh).

Plain dataclasses in, hits out: this package knows nothing of SQLite, audio,
Qt or the other project packages.  See ``index/store.py`` for the API and
``docs/benchmarks.md`` ("## Search") for the design and performance notes.
"""

from .model import (Hit, IndexBusyError, IndexSegment, IndexVersionError, IndexWord,
                    QueryError, RecordingDoc, SearchResults)
from .store import IndexWriter, SearchIndex

__all__ = [
    "Hit", "IndexBusyError", "IndexSegment", "IndexVersionError", "IndexWord",
    "IndexWriter", "QueryError", "RecordingDoc", "SearchIndex", "SearchResults",
]
