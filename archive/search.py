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
):
    """Run a query in the archive's query language. Raises index.QueryError (one line)."""
    return archive.index.search(
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
    )
