"""The Watches panel: saved searches with their unread counts, and the chosen watch's hits,
the new ones first. Passive: it shows what it is given and emits what the person asks for;
:mod:`desktop.watch_actions` reads the watches and runs the writes."""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableView, QVBoxLayout, QWidget

from desktop.row_model import RowTableModel

NO_WATCHES = "No watches yet. Search for something, then press “Watch this search”."


def _bold(on: bool) -> Optional[QFont]:
    if not on:
        return None
    font = QFont()
    font.setBold(True)
    return font


class WatchTableModel(RowTableModel):
    """One row per watch (archive.watches.WatchState): its name, unread count, query."""

    columns = ("Watch", "New", "Search")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.states: list = []

    def row_list(self) -> list:
        return self.states

    def set_states(self, states) -> None:
        self.beginResetModel()
        self.states = list(states)
        self.endResetModel()

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        s = self.states[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (s.watch.name, "broken" if s.broken else str(s.new), s.watch.query)[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"This search no longer works: {s.broken}" if s.broken else s.watch.query
        if role == Qt.ItemDataRole.FontRole:
            return _bold(bool(s.new))
        return None


class WatchHitsModel(RowTableModel):
    """The chosen watch's hits: (hit, new) pairs, the new ones first."""

    columns = ("", "Recording", "Said")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[tuple[object, bool]] = []

    def row_list(self) -> list:
        return self.rows

    def set_hits(self, new, earlier) -> None:
        self.beginResetModel()
        self.rows = [(h, True) for h in new] + [(h, False) for h in earlier]
        self.endResetModel()

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        hit, new = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return ("new" if new else "", f"{hit.title} ({hit.date or 'undated'})", hit.text)[index.column()]
        if role == Qt.ItemDataRole.FontRole:
            return _bold(new)
        return None


def _table(model) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    view.horizontalHeader().setSectionResizeMode(model.columnCount() - 1, QHeaderView.ResizeMode.Stretch)
    return view


class WatchPanel(QWidget):
    watch_chosen = Signal(str)  # a watch's name: show its hits
    seen_requested = Signal(str)  # mark the watch's hits seen
    remove_requested = Signal(str)
    hit_activated = Signal(int, float, float)  # recording id, start and end of the first match

    def __init__(self, parent=None):
        super().__init__(parent)
        self.model = WatchTableModel(self)
        self.hits = WatchHitsModel(self)
        self.table = _table(self.model)
        self.table.setObjectName("watchTable")
        self.table.clicked.connect(self._chosen)
        self.table.activated.connect(self._chosen)
        self.hit_table = _table(self.hits)
        self.hit_table.setObjectName("watchHits")
        self.hit_table.activated.connect(self._hit)
        self.hit_table.doubleClicked.connect(self._hit)
        self.message = QLabel(NO_WATCHES)
        self.message.setWordWrap(True)
        self.seen_button = QPushButton("Mark seen")
        self.seen_button.setObjectName("watchSeen")
        self.seen_button.setToolTip("Count this watch's hits from now on only")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setObjectName("watchRemove")
        for button, signal in ((self.seen_button, self.seen_requested), (self.remove_button, self.remove_requested)):
            button.setEnabled(False)
            button.clicked.connect(lambda _=False, s=signal: self.current and s.emit(self.current))
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.seen_button)
        buttons.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.hit_table, 2)
        self.current: Optional[str] = None  # the watch whose hits are shown

    @property
    def unread(self) -> int:
        return sum(s.new for s in self.model.states)

    def set_states(self, states) -> None:
        """The watches as they now are; the chosen one's hits follow."""
        self.model.set_states(states)
        chosen = next((s for s in self.model.states if s.watch.name == self.current), None)
        self.show_hits(chosen)
        if chosen is not None:
            self.table.selectRow(self.model.states.index(chosen))

    def show_hits(self, state) -> None:
        self.current = state.watch.name if state is not None else None
        for button in (self.seen_button, self.remove_button):
            button.setEnabled(state is not None)
        if state is None:
            self.hits.set_hits([], [])
            self.message.setText(NO_WATCHES if not self.model.states else "Choose a watch to see its hits.")
        elif state.broken:
            self.hits.set_hits([], [])
            self.message.setText(f"“{state.watch.name}” no longer works: {state.broken}")
        else:
            self.hits.set_hits(state.hits, state.earlier)
            self.message.setText(f"“{state.watch.name}”: {state.new} new, {len(state.earlier)} seen before")

    def _chosen(self, index: QModelIndex) -> None:
        if index.isValid():
            self.watch_chosen.emit(self.model.states[index.row()].watch.name)

    def _hit(self, index: QModelIndex) -> None:
        if index.isValid():
            hit, _new = self.hits.rows[index.row()]
            self.hit_activated.emit(hit.recording_id, hit.start, hit.end)
