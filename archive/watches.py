"""Watches: saved searches that flag new meetings (catalog m011).

A watch is a name, a query and the search filters (body, speaker, kind, dates, exact,
sounds-like), kept as catalog rows, so it survives ``reindex`` and travels in the
catalog export (:func:`export_rows`).

"New" is exact: each watch keeps the recordings it has seen (``watch_seen``: the
recording's id and SHA-256, so a recording removed and another given the same id is
still new). Adding a watch, and ``seen``, mark every recording indexed at that moment;
hits in any other recording are new. The count is worked out when it is read (a search,
then the unseen recordings' hits), so every import is counted as soon as it is indexed
and the import pipeline needs no hook.

A watch whose query no longer parses is shown as broken with the reason
(:attr:`WatchState.broken`), never dropped. Bad input (an empty or malformed query, an
unknown watch, a name taken) raises :class:`WatchError` or ``index.QueryError`` before
anything changes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Optional

from archive.catalog import now
from archive.schema import MAX_NAME, SchemaError, check_title
from archive.search import FILTERS, SearchRequest, search
from archive.status import Status

WATCH_FILTERS = (*FILTERS, "exact", "phonetic")  # what a watch keeps beside its query
MAX_HITS = 100_000  # hits looked at per watch (the newest first is not needed: all are counted)


class WatchError(ValueError):
    """A watch that cannot be made or found: ``no watch named 'budget'``."""


@dataclass(frozen=True)
class Watch:
    id: int
    name: str
    query: str
    filters: dict
    created: str
    seen: Optional[str]  # when it was last marked seen (or made)

    def request(self, limit: int = MAX_HITS) -> SearchRequest:
        return SearchRequest(query=self.query, limit=limit, suggest=False, **self.filters)


@dataclass
class WatchState:
    """A watch with its new hits (newest recordings first) and its hits in recordings it has
    seen (``earlier``, by relevance), or why it cannot run."""

    watch: Watch
    hits: list = field(default_factory=list)
    broken: Optional[str] = None
    earlier: list = field(default_factory=list)

    @property
    def new(self) -> int:
        return len(self.hits)


def _row(row: dict) -> Watch:
    return Watch(row["id"], row["name"], row["query"], json.loads(row["filters"] or "{}"), row["created"], row["seen"])


def _name(name: Any) -> str:
    try:
        name = check_title(name, "watch name")
    except SchemaError as exc:
        raise WatchError(str(exc)) from None
    if len(name) > MAX_NAME:
        raise WatchError(f"a watch name cannot be longer than {MAX_NAME} characters")
    return name


def _filters(filters: dict) -> dict:
    unknown = set(filters) - set(WATCH_FILTERS)
    if unknown:
        raise WatchError(f"unknown watch filter {sorted(unknown)[0]!r}")
    return {k: v for k, v in filters.items() if v not in (None, "", False)}


def watches(db) -> list[Watch]:
    if "watches" not in db.table_names():  # a catalog older than m011, opened read-only
        return []
    return [_row(r) for r in db["watches"].rows_where(order_by="name COLLATE NOCASE")]


def get(db, name: str) -> Watch:
    rows = list(db["watches"].rows_where("name = ?", [name]))
    if not rows:
        raise WatchError(f"no watch named {name!r}")
    return _row(rows[0])


def _check_query(archive, query: str, filters: dict) -> None:
    """Raise WatchError for an empty query and index.QueryError for one that does not parse
    (or a filter the search refuses), by running it once."""
    if not isinstance(query, str) or not query.strip():
        raise WatchError("a watch needs a query")
    search(archive, SearchRequest(query=query, limit=1, suggest=False, **filters))


def _mark_seen(db, watch_id: int) -> None:
    """Mark every recording indexed now as seen by the watch (inside the caller's transaction)."""
    db.execute(
        "INSERT OR IGNORE INTO watch_seen (watch_id, recording_id, sha256) "
        "SELECT ?, id, sha256 FROM recordings WHERE status = ?", [watch_id, str(Status.INDEXED)])
    db["watches"].update(watch_id, {"seen": now()})


def add(archive, name: str, query: str, **filters) -> Watch:
    name, filters = _name(name), _filters(filters)
    _check_query(archive, query, filters)
    with archive.writing():
        if list(archive.db["watches"].rows_where("name = ?", [name])):
            raise WatchError(f"a watch named {name!r} already exists")
        with archive.db.atomic():
            stamp = now()
            watch_id = archive.db["watches"].insert(
                {"name": name, "query": query.strip(), "filters": json.dumps(filters, sort_keys=True),
                 "created": stamp, "seen": stamp}).last_pk
            _mark_seen(archive.db, watch_id)
    return get(archive.db, name)


def remove(archive, name: str) -> None:
    with archive.writing():
        watch = get(archive.db, name)
        with archive.db.atomic():
            archive.db["watch_seen"].delete_where("watch_id = ?", [watch.id])
            archive.db["watches"].delete(watch.id)


def rename(archive, old: str, new: str) -> Watch:
    new = _name(new)
    with archive.writing():
        watch = get(archive.db, old)
        if new != watch.name and list(archive.db["watches"].rows_where("name = ?", [new])):
            raise WatchError(f"a watch named {new!r} already exists")
        archive.db["watches"].update(watch.id, {"name": new})
    return get(archive.db, new)


def mark_seen(archive, name: Optional[str] = None) -> list[Watch]:
    """Mark one watch (or all, with no name) seen: its count starts again from zero."""
    with archive.writing():
        marked = [get(archive.db, name)] if name is not None else watches(archive.db)
        with archive.db.atomic():
            for watch in marked:
                _mark_seen(archive.db, watch.id)
    return marked


def _seen(db, watch_id: int) -> set[tuple[int, str]]:
    return {(r["recording_id"], r["sha256"]) for r in db["watch_seen"].rows_where("watch_id = ?", [watch_id])}


def state(archive, watch: Watch) -> WatchState:
    """The watch's hits in recordings it has not seen, or why its query no longer runs."""
    from index import QueryError  # index/ loads Whoosh: not before the first search

    try:
        results = search(archive, watch.request())
    except QueryError as exc:
        return WatchState(watch, broken=str(exc).splitlines()[0] if str(exc) else "the query does not parse")
    seen = _seen(archive.db, watch.id)
    sha = {r["id"]: r["sha256"] for r in archive.db.query("SELECT id, sha256 FROM recordings")}
    hits, earlier = [], []
    for h in results.hits:
        (earlier if (h.recording_id, sha.get(h.recording_id)) in seen else hits).append(h)
    hits.sort(key=lambda h: (-(h.recording_id or 0), h.start))  # newest recordings first, in order of time
    return WatchState(watch, hits, earlier=earlier)


def states(archive) -> list[WatchState]:
    return [state(archive, w) for w in watches(archive.db)]


# --- the catalog export ------------------------------------------------------------------


def export_rows(db) -> list[dict]:
    """The watches as the catalog export carries them (name, query, filters, created, seen)."""
    return [{"name": w.name, "query": w.query, "filters": w.filters, "created": w.created, "seen": w.seen}
            for w in watches(db)]
