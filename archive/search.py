"""Search across the whole archive (a thin service over the index, for CLI and GUI)."""

from __future__ import annotations

from typing import Optional


def search(
    archive,
    query: str,
    *,
    body: Optional[str] = None,
    speaker: Optional[str] = None,
    kind: Optional[str] = None,
    date_from: Optional[str] = None,
    date_to: Optional[str] = None,
    sort: str = "relevance",
    limit: int = 20,
    offset: int = 0,
    facets: bool = False,
    exact: bool = False,
    sounds_like: bool = False,
    variants: bool = True,
    suggest: bool = True,
):
    """Run a query in the archive's query language. Raises index.QueryError (one line).

    Numbers match however they were written or spoken ("item 3" = "item three"), the
    built-in spelling variants and the archive's vocabulary (``vocab add TERM --variant
    V``; the body's own entries and the archive-wide ones) are searched too, and
    ``sounds_like`` adds words that sound like the names typed. ``exact`` turns all of
    that off: letter for letter. ``results.suggestions`` holds "Did you mean" queries
    when little or nothing was found.
    """
    from index import IndexVersionError, QueryError

    synonyms = [] if exact else _vocabulary(archive, body)
    try:
        index = archive.index
        return index.search(
            query,
            body=body or None,
            speaker=speaker or None,
            kind=kind or None,
            date_from=date_from or None,
            date_to=date_to or None,
            sort=sort,
            limit=limit,
            offset=offset,
            facets=facets,
            exact=exact,
            phonetic=sounds_like,
            variants=variants,
            synonyms=synonyms,
            suggest=suggest,
        )
    except IndexVersionError:
        raise QueryError(
            "The search index was built by an older version of Council Archive; "
            "rebuild it with: council-archive reindex"
        ) from None


def _vocabulary(archive, body: Optional[str]) -> list[list[str]]:
    """The vocabulary's groups of equivalent spellings (none if it can't be read)."""
    from archive import vocab

    try:
        return vocab.expansions(archive.db, body or None)
    except Exception:  # an old catalog without the table: search without it
        return []
