"""Searching: the search panel's requests run through ``archive.views``, results go back to it.

Wired by the main window (``SearchActions(window)``); it keeps the last request (for paging
and for exporting every hit) and the filter values known from the catalog.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Optional

from archive import views

log = logging.getLogger(__name__)


class SearchActions:
    def __init__(self, window):
        self.window = window
        self.panel = window.search_panel
        self.last_request: Optional[views.SearchRequest] = None
        self._known: Optional[dict] = None  # filter values in the archive (catalog counts)

    def run(self, request: views.SearchRequest) -> None:
        from index import QueryError

        w, panel = self.window, self.panel
        if w.closing:
            return
        self.last_request = request
        if request.empty:
            panel.show_hint("Type a word or a phrase to search every recording.")
            self.refresh_filters()
            return
        if not views.has_indexed(w.archive):
            # (and the reader never creates the index while the importer may be creating it)
            panel.show_hint("Nothing is searchable yet: import a recording first.")
            return
        try:
            results = views.run_search(w.archive, request)
        except QueryError as exc:
            panel.show_error(str(exc))
            return
        except Exception as exc:  # an unreadable index: say what to do, in one line
            log.exception("search for %r failed", request.query)
            panel.show_error(
                f"The search index can't be read ({type(exc).__name__}); "
                "rebuild it with: council-archive reindex")
            return
        panel.show_results(results, request, known=self.known_values())

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
        request = self.last_request
        if request is not None and not request.empty:
            self.run(self.panel.request())
        else:
            self.refresh_filters()
