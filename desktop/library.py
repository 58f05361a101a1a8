"""The library: every recording in a sortable, filterable table, import progress included.

``LibraryModel`` (QAbstractTableModel) holds catalog Recordings; a QSortFilterProxyModel
sorts and filters it, and the count above says how many rows the filter shows. Passive:
double-click / Enter emits ``recording_activated(id)``, the context menu its intents (edit,
export, remove, re-transcribe); the window refreshes it from the one change signal.
"""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from archive.dates import UNDATED
from archive.status import Status
from desktop.import_queue import PROBING, STORING, is_dark, outcome_color
from desktop.row_model import RowTableModel
from transcription.formats import hms

COLUMNS = ("Title", "Body", "Date", "Kind", "Duration", "Status")
TITLE, BODY, DATE, KIND, DURATION, STATUS = range(len(COLUMNS))
SortRole = Qt.ItemDataRole.UserRole + 1
ProgressRole = Qt.ItemDataRole.UserRole + 2
RecordingIdRole = Qt.ItemDataRole.UserRole + 3

STAGE_LABELS = {
    Status.QUEUED: "Queued",
    PROBING: "Checking",
    STORING: "Copying",
    Status.TRANSCRIBING: "Transcribing",
    Status.DIARIZING: "Finding speakers",
    Status.INDEXING: "Indexing",
    Status.INDEXED: "Indexed",
    Status.FAILED: "Failed",
    Status.CANCELLED: "Cancelled",
}


def status_text(status: str, progress: Optional[float]) -> str:
    label = STAGE_LABELS.get(status, status.capitalize())
    if status == Status.TRANSCRIBING and progress:
        return f"{label} {int(progress * 100)}%"
    if status == Status.CANCELLED and progress:
        return f"{label} at {int(progress * 100)}%"
    return label


class LibraryModel(RowTableModel):
    columns = COLUMNS

    def __init__(self, parent=None):
        super().__init__(parent)
        self._recs: list = []
        self.dark = False  # the view's palette is dark (the colour of failed and cancelled rows)

    # --- updates (keyed by recording id, so selection and sorting survive) ------------
    def set_recordings(self, recs) -> None:
        new = {r.id: r for r in recs}
        for row in reversed(range(len(self._recs))):
            if self._recs[row].id not in new:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._recs[row]
                self.endRemoveRows()
        rows = {r.id: i for i, r in enumerate(self._recs)}
        for rec in recs:
            if rec.id in rows:
                row = rows[rec.id]
                self._recs[row] = rec
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
            else:
                n = len(self._recs)
                self.beginInsertRows(QModelIndex(), n, n)
                self._recs.append(rec)
                self.endInsertRows()

    def update_recording(self, rec) -> None:
        for row, r in enumerate(self._recs):
            if r.id == rec.id:
                self._recs[row] = rec
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
                return
        n = len(self._recs)
        self.beginInsertRows(QModelIndex(), n, n)
        self._recs.append(rec)
        self.endInsertRows()

    def set_progress(self, recording_id: int, status: str, progress: float) -> bool:
        """Update a row's status in place; False when the recording is not listed yet."""
        for row, r in enumerate(self._recs):
            if r.id == recording_id:
                r.status, r.progress = status, progress
                self.dataChanged.emit(self.index(row, STATUS), self.index(row, STATUS))
                return True
        return False

    def remove_recording(self, recording_id: int) -> None:
        for row, r in enumerate(self._recs):
            if r.id == recording_id:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._recs[row]
                self.endRemoveRows()
                return

    def recording(self, row: int):
        return self._recs[row] if 0 <= row < len(self._recs) else None

    # --- Qt model ---------------------------------------------------------------------
    def row_list(self) -> list:
        return self._recs

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        rec = self._recs[index.row()]
        col = index.column()
        if role == RecordingIdRole:
            return rec.id
        if role == ProgressRole:
            return rec.progress if rec.status == Status.TRANSCRIBING else None
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                rec.title,
                rec.body or "",
                rec.date or UNDATED,  # Edit Details fills it in
                (rec.kind or "").capitalize(),
                hms(rec.duration) if rec.duration else "",
                status_text(rec.status, rec.progress),
            )[col]
        if role == SortRole:
            return (
                (rec.title or "").lower(),
                (rec.body or "").lower(),
                rec.date or "",
                rec.kind or "",
                rec.duration or 0.0,
                rec.status,
            )[col]
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == STATUS and (rec.error or rec.fixity):
                return "\n".join(filter(None, (rec.error, rec.fixity)))
            return rec.source_path
        if role == Qt.ItemDataRole.ForegroundRole and col == STATUS:
            color = outcome_color(rec.status, self.dark)
            return QColor(color) if color else None
        if role == Qt.ItemDataRole.TextAlignmentRole and col == DURATION:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class ProgressDelegate(QStyledItemDelegate):
    """Draws a progress bar in the Status cell while a recording is transcribed."""

    def paint(self, painter, option, index) -> None:
        progress = index.data(ProgressRole)
        if progress is None:
            return super().paint(painter, option, index)
        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(2, 3, -2, -3)
        bar.minimum, bar.maximum = 0, 100
        bar.progress = int(progress * 100)
        bar.text = index.data()
        bar.textVisible = True
        bar.state = option.state | QStyle.StateFlag.State_Horizontal
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, option.widget)


class LibraryPanel(QWidget):
    recording_activated = Signal(int)
    edit_details_requested = Signal(int)
    export_transcript_requested = Signal(int)
    remove_requested = Signal(int)
    retranscribeRequested = Signal(int)  # (the name the re-transcribe actions wire)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.model = LibraryModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SortRole)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter recordings by title, body, date, status…")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.count = QLabel()

        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(DATE, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.setItemDelegateForColumn(STATUS, ProgressDelegate(self.table))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(TITLE, QHeaderView.ResizeMode.Stretch)
        for col in (DATE, KIND, DURATION):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        for col, width in ((BODY, 170), (STATUS, 130)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(col, width)
        header.setMinimumSectionSize(48)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.activated.connect(self._activated)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.model.dark = is_dark(self.table)
        for signal in (self.model.rowsInserted, self.model.rowsRemoved, self.proxy.rowsInserted,  # (the proxy
                       self.proxy.rowsRemoved, self.proxy.layoutChanged, self.filter.textChanged):  # goes first)
            signal.connect(self._update_count)

        row = QHBoxLayout()
        row.addWidget(self.filter, 1)
        row.addWidget(self.count)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        self._update_count()

    def _update_count(self, *_) -> None:
        shown, n = self.proxy.rowCount(), self.model.rowCount()
        text = f"{n} recording{'s' if n != 1 else ''}"
        self.count.setText(text if shown == n else f"{shown} of {text}")

    def _rid(self, proxy_index) -> Optional[int]:
        return proxy_index.data(RecordingIdRole) if proxy_index.isValid() else None

    def _activated(self, proxy_index) -> None:
        rid = self._rid(proxy_index)
        if rid is not None:
            self.recording_activated.emit(int(rid))

    def _context_menu(self, pos) -> None:
        rid = self._rid(self.table.indexAt(pos))
        if rid is not None:
            menu = self.context_menu(int(rid))
            menu.exec(self.table.viewport().mapToGlobal(pos))
            menu.deleteLater()

    def context_menu(self, rid: int) -> QMenu:
        """The menu of one recording's row (right-click)."""
        menu = QMenu(self)
        menu.addAction("Open", lambda: self.recording_activated.emit(rid))
        menu.addAction("Edit details…", lambda: self.edit_details_requested.emit(rid))
        menu.addSeparator()
        menu.addAction("Export transcript…", lambda: self.export_transcript_requested.emit(rid))
        menu.addAction("Re-transcribe…", lambda: self.retranscribeRequested.emit(rid))
        menu.addSeparator()
        menu.addAction("Remove…", lambda: self.remove_requested.emit(rid))
        return menu

    def selected_recording(self) -> Optional[int]:
        rows = self.table.selectionModel().selectedRows()
        rid = self._rid(rows[0]) if rows else None
        return int(rid) if rid is not None else None

    def select_recording(self, recording_id: int) -> None:
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if index.data(RecordingIdRole) == recording_id:
                self.table.selectRow(row)
                return
