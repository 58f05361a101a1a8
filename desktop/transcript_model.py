"""The transcript of one recording as a Qt list model: one row per segment (a views.SegmentRow).

It knows which word is being played, which words a search hit marked (every word of a
phrase) and which words the user chose inside passages (to quote part of one), and turns
an edit of a row's text into ``edit_requested(segment id, text)``; the view draws it.
"""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QAbstractListModel, QModelIndex, Qt, Signal

from desktop.speaker_style import shown_name
from transcription.formats import hms

SegmentRole = Qt.ItemDataRole.UserRole + 1
Pos = tuple[int, int]  # (row, word index)


class TranscriptModel(QAbstractListModel):
    edit_requested = Signal(int, str)  # segment id, new text

    def __init__(self, parent=None):
        super().__init__(parent)
        self.transcript = None
        self.playing: Optional[tuple[int, int]] = None  # (row, word index)
        self.marked: Optional[tuple[int, int]] = None  # a hit's first word
        self.marked_words: frozenset[tuple[int, int]] = frozenset()  # ... and the rest of its match
        self.chosen: Optional[tuple[Pos, Pos]] = None  # words chosen by the user: (anchor, other end)

    def set_transcript(self, transcript) -> None:
        self.beginResetModel()
        self.transcript = transcript
        self.playing = self.marked = self.chosen = None
        self.marked_words = frozenset()
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

    def _touch_rows(self, first: int, last: int) -> None:
        if 0 <= first <= last:
            self.dataChanged.emit(self.index(first, 0), self.index(last, 0))

    def words_between(self, first: Pos, last: Pos) -> list[Pos]:
        """Every (row, word) from ``first`` to ``last``, inclusive, in reading order."""
        first, last = sorted((first, last))
        out = []
        for row in range(first[0], last[0] + 1):
            seg = self.segment(row)
            n = len(seg.words) if seg is not None else 0
            lo = first[1] if row == first[0] else 0
            hi = last[1] if row == last[0] else n - 1
            out += [(row, i) for i in range(lo, min(hi, n - 1) + 1)]
        return out

    def set_playing(self, seconds: float) -> Optional[tuple[int, int]]:
        pos = self.transcript.word_at(seconds) if self.transcript is not None else None
        if pos != self.playing:
            old, self.playing = self.playing, pos
            self._touch(old, pos)
        return pos

    def mark(self, seconds: float, until: Optional[float] = None) -> Optional[tuple[int, int]]:
        """Mark the word spoken at ``seconds`` and, up to ``until``, the words after it (a
        phrase hit's words). Returns the first one's position."""
        pos = self.transcript.word_at(seconds) if self.transcript is not None else None
        last = self.transcript.word_at(until - 0.02) if pos is not None and until is not None else None
        old = sorted(self.marked_words)
        self.marked = pos
        self.marked_words = frozenset(self.words_between(pos, max(pos, last or pos)) if pos is not None else ())
        for rows in (old, sorted(self.marked_words)):
            if rows:
                self._touch_rows(rows[0][0], rows[-1][0])
        return pos

    def choose(self, anchor: Optional[Pos], end: Optional[Pos] = None) -> None:
        """Choose the words from ``anchor`` to ``end`` (None: choose nothing)."""
        old, self.chosen = self.chosen, ((anchor, end or anchor) if anchor is not None else None)
        for span in (old, self.chosen):
            if span is not None:
                self._touch_rows(min(span)[0], max(span)[0])

    def chosen_words(self) -> frozenset[Pos]:
        return frozenset(self.words_between(*self.chosen)) if self.chosen is not None else frozenset()

    def chosen_quote(self):
        """The quote of the chosen words (an archive.citation.Quote), or None."""
        if self.chosen is None or self.transcript is None:
            return None
        return self.transcript.words_quote(*self.chosen)

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
