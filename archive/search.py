"""Search across the whole archive: one request object, for the CLI and the GUI alike,
turned into the index's call here and nowhere else."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from functools import partial
from typing import Callable, Optional

from archive.opening import ensure_index
from archive.store import IndexNeedsRebuild

log = logging.getLogger(__name__)

FILTERS = ("body", "speaker", "kind", "chapter", "date_from", "date_to")  # empty means "no filter"


@dataclass(frozen=True)
class SearchRequest:
    """One search in the archive's query language. The fields are
    :meth:`index.SearchIndex.search`'s keyword arguments, under the same names.

    Numbers match however they were written or spoken ("item 3" = "item three"), the
    built-in spelling ``variants`` and the archive's vocabulary (``vocab add TERM --variant
    V``; the body's own entries and the archive-wide ones) are searched too, and
    ``phonetic`` adds words that sound like the names typed. ``exact`` turns all of that
    off: letter for letter. With ``suggest``, results carry "Did you mean" queries when
    little or nothing was found.
    """

    query: str = ""
    body: Optional[str] = None
    speaker: Optional[str] = None
    kind: Optional[str] = None
    chapter: Optional[str] = None  # the chapter facet's value ("7.b. Casino traffic study")
    date_from: Optional[str] = None
    date_to: Optional[str] = None
    sort: str = "relevance"
    limit: int = 100  # one page of hits
    offset: int = 0
    facets: bool = False
    exact: bool = False  # letter for letter: no stemming, number forms, variants, vocabulary or sounds-alikes
    phonetic: bool = False  # names also match words that sound alike (Sarno finds Sarnow)
    variants: bool = True
    suggest: bool = True

    @property
    def empty(self) -> bool:
        return not self.query.strip()

    def index_arguments(self) -> dict:
        """The keyword arguments of ``SearchIndex.search`` (all but the query)."""
        fields = asdict(self)
        del fields["query"]
        return {**fields, **{name: fields[name] or None for name in FILTERS}}


def search(archive, request: SearchRequest):
    """Run a request; the index's ``SearchResults``. An index that an older version built
    is rebuilt first (``opening.ensure_index``: an archive opened lazily, as the app does,
    meets it here). Raises index.QueryError (one line), also when the index needs
    rebuilding and cannot be (a read-only archive)."""
    return prepare(archive, request)()


def prepare(archive, request: SearchRequest) -> Callable[[], object]:
    """The catalog's part of a search, done now in the caller's thread (the index opened or
    rebuilt, the vocabulary read); returns the index's part, a call that another thread may
    run (the app's search worker) and that raises index.QueryError."""
    from index import QueryError  # index/ loads Whoosh: not before the first search

    try:
        ensure_index(archive)
        index = archive.index
    except IndexNeedsRebuild as exc:
        raise QueryError(str(exc)) from None
    synonyms = [] if request.exact else _vocabulary(archive, request.body)
    return partial(index.search, request.query, synonyms=synonyms, **request.index_arguments())


def _vocabulary(archive, body: Optional[str]) -> list[list[str]]:
    """The vocabulary's groups of equivalent spellings (none if it can't be read)."""
    from archive import vocab

    try:
        return vocab.expansions(archive.db, body or None)
    except Exception:  # an old catalog without the table: search without it
        log.warning("searching without the vocabulary", exc_info=True)
        return []
