"""The speakers of the open recording: who spoke how long, and the buttons to fix names.

``SpeakerModel`` (QAbstractTableModel) holds the rows of ``archive.views.speaker_table``
(label, name, suggested, score, talk time, turns). ``SpeakerPanel`` shows it with the
voice colours of :mod:`desktop.speaker_style`. Passive: it emits what the user wants —

* ``voice_clicked(label)``: a click on a voice (the window jumps to its next turn);
* ``rename_requested(label)``: double-click, F2 or "Rename…";
* ``merge_requested(keep, other)``: "Merge into ▾" merges the current voice into another;
* ``confirm_requested(label)`` / ``reject_requested(label)``: one click on ✓ / ✗ of a
  suggested name;
* ``only_voice_changed(label)``: "Only this voice" shows just its turns ("" = everyone);
* ``find_requested()``: "Find speakers" in a recording that has none.
"""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.speaker_style import name_tooltip, shown_name, voice_color, voice_title
from desktop.row_model import RowTableModel
from transcription.formats import hms

COLUMNS = ("Speaker", "Talk time", "Share", "Turns", "", "")
NAME, TALK, SHARE, TURNS, CONFIRM, REJECT = range(len(COLUMNS))


def duration_text(seconds: float) -> str:
    """12:05 below an hour, 1:02:05 above."""
    text = hms(seconds)
    return text[3:] if text.startswith("00:") else text


class SpeakerModel(RowTableModel):
    columns = COLUMNS

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list = []
        self.total = 0.0

    def set_rows(self, rows) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.total = sum(r.talk_time or 0.0 for r in self.rows)
        self.endResetModel()

    def row_of(self, label: str) -> Optional[int]:
        return next((i for i, r in enumerate(self.rows) if r.label == label), None)

    def voice(self, row: int):
        return self.rows[row] if 0 <= row < len(self.rows) else None

    @staticmethod
    def display_name(voice) -> str:
        return shown_name(voice.name, voice.suggested) if voice.name else voice.label

    def share(self, voice) -> float:
        return (voice.talk_time or 0.0) / self.total if self.total else 0.0

    # --- Qt model ---------------------------------------------------------------------
    def row_list(self) -> list:
        return self.rows

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        v = self.voice(index.row()) if index.isValid() else None
        if v is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == NAME:
                return voice_title(self.display_name(v), v.label)
            if col == TALK:
                return duration_text(v.talk_time or 0.0)
            if col == SHARE:
                return f"{self.share(v) * 100:.0f}%"
            if col == TURNS:
                return str(v.turns or 0)
            if col == CONFIRM and v.suggested:
                return "✓"
            if col == REJECT and v.suggested:
                return "✗"
        if role == Qt.ItemDataRole.ForegroundRole and col in (NAME, CONFIRM, REJECT):
            return voice_color(v.label) if col == NAME else None
        if role == Qt.ItemDataRole.FontRole and col == NAME:
            font = QFont()
            font.setBold(True)
            font.setItalic(bool(v.suggested))
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == CONFIRM and v.suggested:
                return f"Confirm: this voice is {v.name}"
            if col == REJECT and v.suggested:
                return f"Reject: this voice is not {v.name}"
            if col == NAME:
                return name_tooltip(v.name or v.label, v.label, v.suggested, v.score)
        if role == Qt.ItemDataRole.TextAlignmentRole and col != NAME:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None


class SpeakerPanel(QWidget):
    voice_clicked = Signal(str)
    rename_requested = Signal(str)
    merge_requested = Signal(str, str)  # keep label, other label (merged into keep)
    confirm_requested = Signal(str)
    reject_requested = Signal(str)
    only_voice_changed = Signal(str)
    find_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("speakerPanel")
        self.model = SpeakerModel(self)
        self.summary = QLabel()
        self.summary.setObjectName("speakerSummary")
        self.view = QTableView()
        self.view.setObjectName("speakerTable")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(self.view.fontMetrics().height() + 8)
        self.view.setShowGrid(False)
        self.view.setAlternatingRowColors(True)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        for col in (TALK, SHARE, TURNS, CONFIRM, REJECT):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.view.clicked.connect(self._clicked)
        self.view.doubleClicked.connect(lambda index: self._rename(index.row()))
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        QShortcut(QKeySequence("F2"), self.view, self._rename_current,
                  context=Qt.ShortcutContext.WidgetShortcut).setWhatsThis("Rename the voice")
        self.view.setAccessibleName("Speaker list")

        self.rename_button = QPushButton("Rename…")
        self.rename_button.setToolTip("Name this voice here only, or for the roster of every recording (F2)")
        self.rename_button.clicked.connect(self._rename_current)
        self.merge_button = QPushButton("Merge into")
        self.merge_button.setToolTip("The same person was found as two voices: merge this one into another")
        self.merge_menu = QMenu(self.merge_button)
        self.merge_menu.aboutToShow.connect(self._fill_merge_menu)
        self.merge_button.setMenu(self.merge_menu)
        self.only = QCheckBox("Only this voice")
        self.only.setToolTip("Show only the turns of the selected voice")
        self.only.toggled.connect(lambda _on: self.only_voice_changed.emit(self._only_label()))
        self.find_button = QPushButton("Find speakers")
        self.find_button.setToolTip("Find who speaks when in this recording, offline (the first time takes up to a minute)")
        self.find_button.clicked.connect(self.find_requested)

        self.buttons = QWidget()
        buttons = QHBoxLayout(self.buttons)
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.rename_button)
        buttons.addWidget(self.merge_button)
        buttons.addStretch(1)
        buttons.addWidget(self.only)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.find_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.buttons)
        self.set_voices([])

    # --- content ----------------------------------------------------------------------
    def set_voices(self, rows) -> None:
        """Show a recording's speaker table; keeps the selected voice (by label)."""
        current = self.current_label()
        self.model.set_rows(rows)
        n = len(self.model.rows)
        self.summary.setText(f"{n} speaker{'s' if n != 1 else ''} · {duration_text(self.model.total)} of speech"
                             if n else "No speakers in this recording yet.")
        for widget in (self.view, self.buttons):
            widget.setVisible(bool(n))
        self.find_button.setVisible(not n)
        self.setMaximumHeight(16777215 if n else self.summary.sizeHint().height() + 16)
        row = self.model.row_of(current) if current else None
        if row is None and self.only.isChecked():
            self.only.setChecked(False)
        if n:
            self.view.selectRow(row if row is not None else 0)
        suggested = any(v.suggested for v in self.model.rows)
        for col in (CONFIRM, REJECT):
            self.view.setColumnHidden(col, not suggested)
        self._update_buttons()

    def preferred_height(self, rows: int = 4) -> int:
        """Tall enough for the summary, the buttons and up to ``rows`` voices."""
        shown = min(rows, self.model.rowCount())
        table = self.view.horizontalHeader().sizeHint().height() + shown * self.view.verticalHeader().defaultSectionSize()
        spacing = self.layout().spacing() * 2
        return self.summary.sizeHint().height() + table + 2 * self.view.frameWidth() + self.buttons.sizeHint().height() + spacing

    def current_label(self) -> Optional[str]:
        v = self.model.voice(self.view.currentIndex().row()) if self.view.currentIndex().isValid() else None
        return v.label if v is not None else None

    def select_voice(self, label: str) -> None:
        row = self.model.row_of(label)
        if row is not None:
            self.view.selectRow(row)

    def cell_rect(self, label: str, column: int):
        """Where a voice's cell is drawn (viewport coordinates), for clicks."""
        return self.view.visualRect(self.model.index(self.model.row_of(label), column))

    # --- intents ----------------------------------------------------------------------
    def _clicked(self, index) -> None:
        v = self.model.voice(index.row())
        if v is None:
            return
        if index.column() == CONFIRM and v.suggested:
            self.confirm_requested.emit(v.label)
        elif index.column() == REJECT and v.suggested:
            self.reject_requested.emit(v.label)
        else:
            self.voice_clicked.emit(v.label)
            if self.only.isChecked():
                self.only_voice_changed.emit(v.label)

    def _rename(self, row: int) -> None:
        v = self.model.voice(row)
        if v is not None:
            self.rename_requested.emit(v.label)

    def _rename_current(self) -> None:
        self._rename(self.view.currentIndex().row())

    def _only_label(self) -> str:
        return (self.current_label() or "") if self.only.isChecked() else ""

    def _fill_merge_menu(self) -> None:
        self.merge_menu.clear()
        other = self.current_label()
        for v in self.model.rows:
            if v.label != other and v.voice:
                self.merge_menu.addAction(voice_title(self.model.display_name(v), v.label),
                                          lambda keep=v.label: self.merge_requested.emit(keep, other))

    def _update_buttons(self) -> None:
        v = self.model.voice(self.view.currentIndex().row()) if self.view.currentIndex().isValid() else None
        has = v is not None
        self.rename_button.setEnabled(has)
        self.merge_button.setEnabled(has and v.voice and sum(r.voice for r in self.model.rows) > 1)
        self.only.setEnabled(has)
