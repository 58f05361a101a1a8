"""Plain data in and out of the search index (no Whoosh types leak out)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class IndexWord:
    text: str          # as Whisper gave it (may have leading space/punctuation)
    start: float       # seconds
    end: float


@dataclass
class IndexSegment:
    segment_id: int
    start: float
    end: float
    text: str
    # May be empty (captions without word times): times are then
    # interpolated across the segment by character position.
    words: list[IndexWord] = field(default_factory=list)
    speaker: str | None = None
    # the agenda item it is said in ("7.b") and its chapter ("7.b. Casino traffic study"):
    # ``item:``, ``chapter:`` and the chapter facet
    item: str | None = None
    chapter: str | None = None
    # its spoken language's code (None: the recording's); a Spanish public comment in an
    # English meeting is found by ``lang:es``
    language: str | None = None


@dataclass
class RecordingDoc:
    recording_id: int
    title: str
    body: str | None
    kind: str | None
    date: str | None                 # "YYYY-MM-DD"
    segments: list[IndexSegment] = field(default_factory=list)   # time order
    language: str | None = None      # the spoken language's code ("en", "es"), ``lang:``


@dataclass
class Hit:
    recording_id: int
    segment_id: int
    title: str
    body: str | None
    date: str | None
    kind: str | None
    speaker: str | None
    start: float            # time of the FIRST MATCHED WORD
    end: float              # end of the last word of that first match
    segment_start: float
    segment_end: float
    text: str               # the segment's text
    snippet: str            # keyword in context, matches marked [[like this]]
    fragments: list[tuple[str, bool]]   # the snippet as (text, is_match) pieces
    score: float
    # True when the hit was found only through a spelling/vocabulary variant
    # or a sounds-alike word (such hits rank below every direct hit)
    expanded: bool = False
    chapter: str | None = None  # the chapter the segment is said in


@dataclass
class SearchResults:
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    # "Did you mean": corrected query strings that find more (best first);
    # only when the query found nothing or very little
    suggestions: list[str] = field(default_factory=list)


class QueryError(ValueError):
    """A search the user typed can't be run; the message is one friendly line."""


class IndexBusyError(Exception):
    """Another writer holds the index lock."""

    def __init__(self, message: str = "the search index is busy (another import is "
                                      "writing to it)"):
        super().__init__(message)


class IndexVersionError(Exception):
    """The index on disk was built by an incompatible version: rebuild it."""
