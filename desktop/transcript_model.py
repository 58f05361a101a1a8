"""The transcript of one recording as a Qt list model: one row per segment (a views.SegmentRow).

It knows which word is being played and which word a search hit marked, and turns an edit
of a row's text into ``edit_requested(segment id, text)``; the view draws it.
"""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QAbstractListModel, QModelIndex, Qt, Signal

from desktop.speaker_style import shown_name
from transcription.formats import hms

SegmentRole = Qt.ItemDataRole.UserRole + 1


class TranscriptModel(QAbstractListModel):
    edit_requested = Signal(int, str)  # segment id, new text

    def __init__(self, parent=None):
        super().__init__(parent)
        self.transcript = None
        self.playing: Optional[tuple[int, int]] = None  # (row, word index)
        self.marked: Optional[tuple[int, int]] = None

    def set_transcript(self, transcript) -> None:
        self.beginResetModel()
        self.transcript = transcript
        self.playing = self.marked = None
        self.endResetModel()

    @property
    def segments(self) -> list:
        return self.transcript.segments if self.transcript is not None else []

    def segment(self, row: int):
        segs = self.segments
        return segs[row] if 0 <= row < len(segs) else None

    def word(self, pos: Optional[tuple[int, int]]):
        if pos is None:
            return None
        seg = self.segment(pos[0])
        return seg.words[pos[1]] if seg is not None and 0 <= pos[1] < len(seg.words) else None

    def _touch(self, *positions) -> None:
        for pos in positions:
            if pos is not None:
                index = self.index(pos[0], 0)
                self.dataChanged.emit(index, index)

    def set_playing(self, seconds: float) -> Optional[tuple[int, int]]:
        pos = self.transcript.word_at(seconds) if self.transcript is not None else None
        if pos != self.playing:
            old, self.playing = self.playing, pos
            self._touch(old, pos)
        return pos

    def mark(self, seconds: float) -> Optional[tuple[int, int]]:
        pos = self.transcript.word_at(seconds) if self.transcript is not None else None
        old, self.marked = self.marked, pos
        self._touch(old, pos)
        return pos

    # --- Qt model ---------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.segments)

    def flags(self, index):
        flags = super().flags(index)
        if index.isValid() and self.transcript is not None and self.transcript.complete:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        seg = self.segment(index.row()) if index.isValid() else None
        if seg is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            who = f"{shown_name(seg.speaker, seg.suggested)}: " if seg.speaker else ""
            return f"{hms(seg.start)} {who}{seg.text}"
        if role == Qt.ItemDataRole.EditRole:
            return seg.text
        if role == SegmentRole:
            return seg
        return None

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:
        seg = self.segment(index.row()) if index.isValid() else None
        if seg is None or role != Qt.ItemDataRole.EditRole:
            return False
        text = " ".join(str(value).split())
        if not text or text == seg.text:
            return False
        self.edit_requested.emit(seg.id, text)
        return True
