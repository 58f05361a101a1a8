"""The search panel: query field, filters with facet counts, the message line, results.

Passive: it emits ``search_requested(SearchRequest)`` (debounced while typing) and
``hit_activated(recording_id, start, end)``; the main window runs the search through the
archive's services and hands the results back with :meth:`show_results`.
"""

from __future__ import annotations

import time
from typing import Optional

from PySide6.QtCore import QEvent, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from archive.views import SearchRequest
from desktop.date_field import DateField
from desktop.filter_widgets import KIND_LABELS, FacetCombo, YearCombo, dates_label, labelled
from desktop.flow_layout import FlowLayout
from desktop.palette import current
from desktop.results_model import HitDelegate, HitRole, ResultsModel

DEBOUNCE_MS = 25  # short: searches run on a worker, one at a time; a waiting one that is stale is skipped
PHRASE_PAUSE_MS = 400
SORTS = (("Best match", "relevance"), ("Newest first", "date"), ("Oldest first", "oldest"))


class ResultsView(QListView):
    """The hit list. Click, double-click or Enter on a hit activates it."""

    activated_hit = Signal(QModelIndex)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setItemDelegate(HitDelegate(self))
        self.setUniformItemSizes(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setAlternatingRowColors(True)
        self._last = (None, 0.0)
        self.clicked.connect(self._activate)
        self.activated.connect(self._activate)  # Enter, and double-click on most styles

    def _activate(self, index: QModelIndex) -> None:
        key, now = (index.row(), id(index.model())), time.monotonic()
        if self._last[0] == key and now - self._last[1] < 0.4:
            return  # the click and the double-click of one gesture
        self._last = (key, now)
        self.activated_hit.emit(index)

    copy_requested = Signal()

    def keyPressEvent(self, event) -> None:
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_requested.emit()  # a citation, not the item view's plain text copy
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self._last = (None, 0.0)
            self.activated_hit.emit(self.currentIndex())
            return
        super().keyPressEvent(event)


class SearchPanel(QWidget):
    search_requested = Signal(object)  # SearchRequest
    hit_activated = Signal(int, float, float)  # recording id, start and end of the first match (a phrase: all its words)
    copy_quote_requested = Signal(object)  # Hit
    copy_reference_requested = Signal(object)  # Hit
    export_clip_requested = Signal(object)  # Hit
    export_results_requested = Signal()  # every hit of the current query
    save_watch_requested = Signal()  # save this search as a watch

    def __init__(self, parent=None):
        super().__init__(parent)
        self.model = ResultsModel(self)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._emit_request)

        self.query = QLineEdit()
        self.query.setObjectName("searchField")
        self.query.setPlaceholderText('Search every word: sidewalks, "opt out", speaker:Walker, date:2024')
        self.query.setClearButtonEnabled(True)
        self.query.textChanged.connect(self._typed)
        self.query.returnPressed.connect(self.run_now)
        self.query.installEventFilter(self)
        f = self.query.font()
        f.setPointSizeF(f.pointSizeF() * 1.15)
        self.query.setFont(f)

        self.query.setMinimumWidth(220)  # never squeezed to a few letters
        self.sort = QComboBox()
        self.sort.setObjectName("sortOrder")
        for label, value in SORTS:
            self.sort.addItem(label, value)
        self.body = FacetCombo("All bodies")
        self.kind = FacetCombo("All kinds", KIND_LABELS, always=tuple(KIND_LABELS))
        self.speaker = FacetCombo("All speakers")
        self.chapter = FacetCombo("All chapters")  # the agenda items the hits are said in
        self.chapter.setObjectName("chapterFilter")
        self.year = YearCombo()
        self.date_from = DateField("any date")
        self.date_to = DateField("any date")
        self.date_from.setObjectName("dateFrom")
        self.date_to.setObjectName("dateTo")
        for combo in (self.sort, self.body, self.kind, self.speaker, self.chapter):
            combo.currentIndexChanged.connect(self.run_now)
        self.year.currentIndexChanged.connect(self._year_chosen)
        self.exact = QCheckBox("Exact")
        self.exact.setObjectName("exactSearch")
        self.exact.setToolTip("Letter for letter: no spelling variants, number forms or vocabulary")
        self.sounds_like = QCheckBox("Sounds like")
        self.sounds_like.setObjectName("soundsLikeSearch")
        self.sounds_like.setToolTip("Also find words that sound like the names typed")
        self.exact.toggled.connect(self.run_now)
        self.sounds_like.toggled.connect(self.run_now)
        self.date_from.changed.connect(self._dates_edited)
        self.date_to.changed.connect(self._dates_edited)
        self.date_from.edit.editingFinished.connect(self._date_typed)
        self.date_to.edit.editingFinished.connect(self._date_typed)
        self.waiting = False  # a search was asked for and its results are not shown yet

        self.message = QLabel()
        self.message.setObjectName("searchMessage")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.suggestion = QLabel()
        self.suggestion.setObjectName("didYouMean")
        self.suggestion.setTextFormat(Qt.TextFormat.RichText)
        self.suggestion.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse | Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
        self.suggestion.linkActivated.connect(self._suggestion_chosen)
        self.suggestion.hide()
        self._suggested = ""
        self.export_button = QPushButton("Export results…")
        self.export_button.setObjectName("exportResults")
        self.export_button.setToolTip("Save every hit of this search as a CSV or JSON Lines dataset")
        self.export_button.clicked.connect(self.export_results_requested)
        self.export_button.setEnabled(False)
        self.save_watch_button = QPushButton("Watch this search")
        self.save_watch_button.setObjectName("saveWatch")
        self.save_watch_button.setToolTip("Save this search as a watch: the Watches tab counts its hits in new meetings")
        self.save_watch_button.clicked.connect(self.save_watch_requested)
        self.clear_filters_button = QPushButton("Clear filters")
        self.clear_filters_button.setObjectName("clearFilters")
        self.clear_filters_button.setToolTip("Search again without the body, kind, speaker, chapter and date filters")
        self.clear_filters_button.clicked.connect(self.clear_filters)
        self.clear_filters_button.hide()

        self.view = ResultsView()
        self.view.setModel(self.model)
        self.view.activated_hit.connect(self._hit_index_activated)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.copy_requested.connect(self._copy_current)

        self.empty_hint = QLabel()
        self.empty_hint.setObjectName("emptyHint")
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_hint.setWordWrap(True)
        self.empty_hint.setTextFormat(Qt.TextFormat.RichText)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.empty_hint)

        # the query has a row of its own; the options and filters wrap in a narrow window
        filters = FlowLayout(spacing=6)
        for w in (self.sort, self.exact, self.sounds_like, self.body, self.kind, self.speaker, self.chapter, self.year):
            filters.add_stretching(w) if isinstance(w, QComboBox) else filters.addWidget(w)
        filters.add_stretching(labelled("from", self.date_from))
        filters.add_stretching(labelled("to", self.date_to))
        for w in (self.body, self.kind, self.speaker, self.chapter, self.year):
            w.setMinimumContentsLength(8)
            w.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        query_row = QHBoxLayout()
        query_row.addWidget(self.query, 1)
        query_row.addWidget(self.save_watch_button)
        layout.addLayout(query_row)
        layout.addLayout(filters)
        message_row = QHBoxLayout()
        message_row.addWidget(self.message, 1)
        message_row.addWidget(self.clear_filters_button, 0, Qt.AlignmentFlag.AlignTop)
        message_row.addWidget(self.export_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(message_row)
        layout.addWidget(self.suggestion)
        layout.addWidget(self.stack, 1)
        self.setMinimumWidth(260)
        self.show_hint("Type a word or a phrase to search every recording.")

    # --- requests -------------------------------------------------------------------
    def request(self, offset: int = 0) -> SearchRequest:
        return SearchRequest(
            query=self.query.text(),
            body=self.body.value(),
            speaker=self.speaker.value(),
            kind=self.kind.value(),
            chapter=self.chapter.value(),
            date_from=self.date_from.value(),
            date_to=self.date_to.value(),
            sort=self.sort.currentData() or "relevance",
            offset=offset,
            exact=self.exact.isChecked(),
            phonetic=self.sounds_like.isChecked(),
        )

    def _typed(self, text: str) -> None:
        # inside an open "phrase" the search waits for the closing quote or a pause
        self._timer.start(PHRASE_PAUSE_MS if text.count('"') % 2 else DEBOUNCE_MS)

    def cancel_pending(self) -> None:
        """Drop a search still waiting for the debounce (e.g. when the window closes)."""
        self._timer.stop()

    def run_now(self, *_) -> None:
        self._timer.stop()
        self._emit_request()

    def _emit_request(self) -> None:
        for name, field in (("from", self.date_from), ("to", self.date_to)):
            if problem := field.problem():  # say so rather than search without it
                self.show_error(f"The {name} date {field.edit.text().strip()}: {problem}.")
                return
        self.waiting = True
        self.search_requested.emit(self.request())

    def focus_search(self) -> None:
        self.query.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.query.selectAll()

    def eventFilter(self, obj, event) -> bool:
        # Down arrow from the query field moves into the results
        if obj is self.query and event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Down:
            if self.model.rowCount():
                self.view.setFocus()
                self.view.setCurrentIndex(self.model.index(0, 0))
                return True
        return super().eventFilter(obj, event)

    def _year_chosen(self, *_) -> None:
        if self.year.is_custom():
            return  # (the dates typed stay)
        year = self.year.value()
        self.year.set_custom("")
        self.date_from.set_value(f"{year}-01-01" if year else "", notify=False)
        self.date_to.set_value(f"{year}-12-31" if year else "", notify=False)
        self.run_now()

    def _dates_edited(self, *_) -> None:
        """The year filter follows the dates: a whole year, "Any time", or the dates' own item."""
        f, t = self.date_from.value(), self.date_to.value()
        year = f[:4] if f and t and f.endswith("-01-01") and t == f"{f[:4]}-12-31" else ""
        self.year.set_custom("" if year or not (f or t) else dates_label(f, t))
        if not self.year.is_custom():
            self.year.blockSignals(True)
            self.year.set_value(year)
            self.year.blockSignals(False)
        self._timer.start(DEBOUNCE_MS)

    def _date_typed(self) -> None:
        if self.date_from.problem() or self.date_to.problem():
            self.run_now()  # says what is wrong at once

    def active_filters(self) -> list[str]:
        """The filters in use, as the user reads them."""
        found = [c.currentText().split(" (")[0] for c in (self.body, self.kind, self.speaker, self.chapter) if c.value()]
        f, t = self.date_from.value(), self.date_to.value()
        if f or t:
            found.append(dates_label(f, t))
        return found

    def clear_filters(self) -> None:
        """Body, kind, speaker, chapter and dates back to "all", then search again."""
        for combo in (self.body, self.kind, self.speaker, self.chapter, self.year):
            combo.blockSignals(True)
            combo.set_value("")
            combo.blockSignals(False)
        self.year.set_custom("")
        self.date_from.set_value("", notify=False)
        self.date_to.set_value("", notify=False)
        self.run_now()

    def set_date_range(self, first: Optional[str], last: Optional[str]) -> None:
        """The archive's first and last recording dates: the calendars open on them."""
        self.date_from.set_range(first, last, anchor=first)
        self.date_to.set_range(first, last, anchor=last)

    # --- results ---------------------------------------------------------------------
    def show_results(self, results, request: Optional[SearchRequest] = None, known: Optional[dict] = None) -> None:
        """Show hits; the filters get the results' facet counts (``known``: values to list anyway)."""
        self.waiting = False
        self.stack.setCurrentWidget(self.view)
        self.model.set_results(results.hits, results.total)
        self.set_facets(results.facets, known)
        q = (request.query if request else self.query.text()).strip()
        filters = self.active_filters() if results.total == 0 else []
        self.clear_filters_button.setVisible(bool(filters))
        if filters:
            self.message.setText(f"No matches for {q} with these filters: {', '.join(filters)}. "
                                 "Clear the filters to search everything.")
        elif results.total == 0:
            self.message.setText(f"No matches for {q}. Try fewer words, a prefix like side*, or a fuzzy Name~.")
        else:
            self.message.setText(f"{results.total} {'hit' if results.total == 1 else 'hits'} for {q}. Click one to hear it.")
        self.export_button.setEnabled(results.total > 0)
        self.set_suggestion((getattr(results, "suggestions", None) or [""])[0])
        self.message.setProperty("error", False)
        self._restyle()

    def show_error(self, message: str) -> None:
        self.waiting = False
        self.clear_filters_button.hide()
        self.model.clear()
        self.set_suggestion("")
        self.export_button.setEnabled(False)
        self.message.setText(message)
        self.message.setProperty("error", True)
        self._restyle()

    def show_hint(self, message: str) -> None:
        self.waiting = False
        self.clear_filters_button.hide()
        self.model.clear()
        self.set_suggestion("")
        self.export_button.setEnabled(False)
        self.message.setText(message)
        self.message.setProperty("error", False)
        self._restyle()

    def set_suggestion(self, text: str) -> None:
        """Show "Did you mean: X?" (a link that runs X), or hide it when ``text`` is empty."""
        from html import escape

        self._suggested = text or ""
        if self._suggested:
            self.suggestion.setText(f'Did you mean: <a href="suggestion">{escape(self._suggested)}</a>?')
            self.suggestion.show()
        else:
            self.suggestion.clear()
            self.suggestion.hide()

    def use_suggestion(self) -> None:
        """Put the suggested query in the search field and run it."""
        if not self._suggested:
            return
        text = self._suggested
        self.query.blockSignals(True)
        self.query.setText(text)
        self.query.blockSignals(False)
        self.run_now()

    def _suggestion_chosen(self, _link: str) -> None:
        self.use_suggestion()

    def _restyle(self) -> None:
        error = bool(self.message.property("error"))
        self.message.setStyleSheet(f"color: {current().error};" if error else "")

    def set_facets(self, facets: dict, known: Optional[dict] = None) -> None:
        known = known or {}
        self.body.set_counts(facets.get("body", {}), tuple(known.get("body", ())))
        self.kind.set_counts(facets.get("kind", {}), tuple(known.get("kind", ())))
        self.speaker.set_counts({k: v for k, v in facets.get("speaker", {}).items() if v}, tuple(known.get("speaker", ())))
        self.chapter.set_counts({k: v for k, v in facets.get("chapter", {}).items() if v}, tuple(known.get("chapter", ())))
        self.year.set_counts(facets.get("year", {}), tuple(known.get("year", ())))

    def set_empty_archive(self, empty: bool, importing: bool = False) -> None:
        if empty:
            if importing:
                text = (
                    "<h2>Importing the demo meeting…</h2>"
                    "<p>Its progress shows below. You can search it as soon as it is indexed.</p>"
                )
            else:
                text = (
                    "<h2>Your archive is empty</h2>"
                    "<p>Drop audio or video files of meetings here,<br>"
                    "or choose <b>File → Import Files…</b> (Ctrl+O).</p>"
                )
            self.empty_hint.setText(text)
            self.stack.setCurrentWidget(self.empty_hint)
        else:
            self.stack.setCurrentWidget(self.view)

    # --- activation and copying ------------------------------------------------------
    def _hit_index_activated(self, index: QModelIndex) -> None:
        hit = index.data(HitRole)
        if hit is not None:
            self.hit_activated.emit(int(hit.recording_id), float(hit.start), float(hit.end))

    def activate_row(self, row: int) -> None:
        index = self.model.index(row, 0)
        self.view.setCurrentIndex(index)
        self._hit_index_activated(index)

    def current_hit(self):
        index = self.view.currentIndex()
        return index.data(HitRole) if index.isValid() else None

    def _copy_current(self) -> None:
        hit = self.current_hit()
        if hit is not None:
            self.copy_quote_requested.emit(hit)

    def _context_menu(self, pos) -> None:
        index = self.view.indexAt(pos)
        hit = index.data(HitRole) if index.isValid() else None
        if hit is None:
            return
        self.view.setCurrentIndex(index)
        menu = QMenu(self)
        menu.addAction("Play from here", lambda: self._hit_index_activated(index))
        menu.addSeparator()
        menu.addAction("Copy quote with citation", lambda: self.copy_quote_requested.emit(hit))
        menu.addAction("Copy reference link", lambda: self.copy_reference_requested.emit(hit))
        menu.addSeparator()
        menu.addAction("Export clip…", lambda: self.export_clip_requested.emit(hit))
        menu.addAction("Export all results…", self.export_results_requested.emit)
        menu.exec(self.view.viewport().mapToGlobal(pos))
