"""Searching: the search panel's requests run through ``archive.views``, results go back to it.

Wired by the main window (``SearchActions(window)``); it keeps the last request (for paging
and for exporting every hit) and the filter values known from the catalog.

The index's part of a search runs on a worker thread (one at a time), so typing never waits
for it; each request gets a generation number and the results of an older one, arriving
after a newer request (or for a query no longer in the field), are dropped. When few hits
come back, "Did you mean" is looked for on the worker after they show. The catalog's part
(opening the index, the vocabulary) stays in the UI thread, as every catalog read does.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Callable, Optional

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot

from archive import views

log = logging.getLogger(__name__)
FEW_HITS = 3  # fewer hits than this: the index looks for "Did you mean" queries (index.store.SUGGEST_BELOW)
SUGGEST_AFTER_MS = 250  # "Did you mean" is looked for when typing has paused this long


class _Relay(QObject):
    """Carries a worker's answer to the UI thread, where it lives: (generation, results, error)."""

    done = Signal(int, object, object)

    def __init__(self, receive: Callable[[int, object, object], None]):
        super().__init__()
        self._receive = receive
        self.done.connect(self._deliver)  # a slot of a UI-thread object: queued from the worker

    @Slot(int, object, object)
    def _deliver(self, generation: int, results, error) -> None:
        self._receive(generation, results, error)


class _SearchJob(QRunnable):
    def __init__(self, generation: int, call: Callable[[], object], relay: _Relay, current: Callable[[], int]):
        super().__init__()
        self.generation, self.call, self.relay, self.current = generation, call, relay, current

    def run(self) -> None:
        if self.generation != self.current():
            return  # a newer request came while this one waited: skip it
        try:
            results, error = self.call(), None
        except Exception as exc:  # handed to the UI thread, which logs and shows it
            results, error = None, exc
        self.relay.done.emit(self.generation, results, error)


class SearchActions:
    def __init__(self, window):
        self.window = window
        self.panel = window.search_panel
        self.last_request: Optional[views.SearchRequest] = None
        self._known: Optional[dict] = None  # filter values in the archive (catalog counts)
        self._searchable = False  # a recording is indexed (kept until the archive changes)
        self.generation = 0
        self._requests: dict[int, views.SearchRequest] = {}
        self.pool = QThreadPool()
        self.pool.setMaxThreadCount(1)
        self.relay = _Relay(self._answered)
        self.suggestions_relay = _Relay(self._suggestions_found)

    def run(self, request: views.SearchRequest) -> None:
        w, panel = self.window, self.panel
        if w.closing:
            return
        self.last_request = request
        self.generation += 1
        if request.empty:
            panel.show_hint("Type a word or a phrase to search every recording.")
            self.refresh_filters()
            return
        if not self._searchable:
            self._searchable = views.has_indexed(w.archive)  # (asked again after a change)
        if not self._searchable:
            # (and the reader never creates the index while the importer may be creating it)
            panel.show_hint("Nothing is searchable yet: import a recording first.")
            return
        try:
            # "Did you mean" (more searches) comes after the hits: see _suggest
            call = views.prepare_search(w.archive, replace(request, suggest=False))
        except Exception as exc:
            self._answered(self.generation, None, exc, request)
            return
        self._requests = {self.generation: request}
        self.pool.start(_SearchJob(self.generation, call, self.relay, lambda: self.generation))

    def _answered(self, generation: int, results, error, request=None) -> None:
        """A search's answer (UI thread): shown unless a newer request was made meanwhile."""
        from index import QueryError

        request = request or self._requests.pop(generation, None)
        if generation != self.generation or self.window.closing or request is None:
            return
        if request != self.panel.request():
            return  # typed on since: the search of what the field says now is on its way
        panel = self.panel
        if isinstance(error, QueryError):
            panel.show_error(str(error))
        elif error is not None:  # an unreadable index: say what to do, in one line
            log.error("search for %r failed", request.query, exc_info=error)
            panel.show_error(
                f"The search index can't be read ({type(error).__name__}); "
                "rebuild it with: council-archive reindex")
        else:
            panel.show_results(results, request, known=self.known_values())
            if request.suggest and results.total < FEW_HITS:  # once typing pauses
                QTimer.singleShot(SUGGEST_AFTER_MS, lambda: self._suggest(generation, request))

    def _suggest(self, generation: int, request: views.SearchRequest) -> None:
        """Look for "Did you mean" queries on the worker, once few hits are shown and no
        newer search was asked for (they take several searches: typing on would wait)."""
        if generation != self.generation or self.window.closing or request != self.panel.request():
            return
        try:
            call = views.prepare_search(self.window.archive, replace(request, limit=0), facets=False)
        except Exception:
            log.exception("no suggestions for %r", request.query)
            return
        self._requests = {generation: request}
        self.pool.start(_SearchJob(generation, call, self.suggestions_relay, lambda: self.generation))

    def _suggestions_found(self, generation: int, results, error) -> None:
        request = self._requests.pop(generation, None)
        if generation != self.generation or self.window.closing or request != self.panel.request():
            return
        if error is not None:
            log.error("no suggestions for %r", request.query, exc_info=error)
            return
        self.panel.set_suggestion((results.suggestions or [""])[0])

    def stop(self) -> None:
        """Drop waiting searches and wait for a running one (before the archive closes)."""
        self.generation += 1
        self.pool.clear()
        self.pool.waitForDone()

    def more_hits(self, offset: int) -> list:
        """The next page of the last search (the results list asks when scrolled to its end)."""
        request = self.last_request
        if request is None or request.empty:
            return []
        try:
            return views.run_search(self.window.archive, replace(request, offset=offset), facets=False).hits
        except Exception:
            log.exception("loading more hits for %r failed", request.query)
            return []

    def all_hits(self, request: Optional[views.SearchRequest] = None, page: int = 10000) -> list:
        """Every hit of a query (not only the pages shown)."""
        request = request or self.last_request
        if request is None or request.empty:
            return []
        hits: list = []
        while True:
            results = views.run_search(self.window.archive, replace(request, limit=page, offset=len(hits)), facets=False)
            hits.extend(results.hits)
            if not results.hits or len(hits) >= results.total:
                return hits

    def known_values(self) -> dict:
        if self._known is None:
            self._known = views.filter_counts(self.window.archive)
            self.panel.set_date_range(*views.date_range(self.window.archive))
        return self._known

    def refresh_filters(self) -> None:
        """Counts for the filters when no query is typed (from the catalog)."""
        self._known = None
        if self.panel.query.text().strip():
            return
        self.panel.set_facets(self.known_values())

    def rerun(self) -> None:
        """The archive changed: run the last search again (or refresh the filters)."""
        self._known = None
        self._searchable = False
        request = self.last_request
        if request is not None and not request.empty:
            self.run(self.panel.request())
        else:
            self.refresh_filters()
