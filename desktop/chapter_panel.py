"""A recording's chapters beside its transcript: click one to hear it from its start; the
chapter playing is highlighted and its title shows above the transcript.

Passive: the window gives it the chapters (``archive.views.chapters``) and the playback
position; it emits :attr:`ChapterPanel.chapter_activated` with the chapter's start.
"""

from __future__ import annotations

from typing import Optional, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QLabel, QListWidget, QListWidgetItem, QSplitter, QVBoxLayout, QWidget

from transcription.formats import hms


class ChapterPanel(QWidget):
    chapter_activated = Signal(float)  # the start, in seconds, of the chapter chosen

    def __init__(self, parent=None):
        super().__init__(parent)
        self.chapters: list = []
        self.current: Optional[int] = None  # the row of the chapter playing
        self.list = QListWidget()
        self.list.setObjectName("chapterList")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setToolTip("Chapters: click one to hear it from its start")
        self.list.itemClicked.connect(self._clicked)
        self.list.itemActivated.connect(self._clicked)  # Enter on the keyboard
        self.heading = QLabel("Chapters")
        self.heading.setObjectName("chapterHeading")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.list, 1)
        self.title = QLabel()  # the chapter playing, shown above the transcript
        self.title.setObjectName("chapterTitle")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.title.setWordWrap(True)
        self.setVisible(False)
        self.title.setVisible(False)

    def beside(self, transcript: QWidget) -> QWidget:
        """The transcript with this panel to its left and the current chapter's title above."""
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self)
        split.addWidget(transcript)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        split.setSizes([220, 600])
        layout.addWidget(split, 1)
        return box

    def set_chapters(self, chapters: Sequence) -> None:
        """The recording's placed chapters in meeting order (none: the panel hides)."""
        self.chapters = [c for c in chapters if c.start is not None]
        self.list.clear()
        automatic = bool(self.chapters) and self.chapters[0].automatic
        self.heading.setText("Chapters (automatic, no agenda)" if automatic else "Chapters")
        for chapter in self.chapters:
            item = QListWidgetItem(f"{hms(chapter.start)}  {chapter.label}")
            item.setToolTip(f"{chapter.label}\nfrom {hms(chapter.start)}" + (" (set by hand)" if chapter.corrected
                                                                            else ""))
            self.list.addItem(item)
        self.current = None
        self.setVisible(bool(self.chapters))
        self.title.setVisible(False)

    def set_position(self, seconds: float) -> None:
        """Highlight the chapter playing at ``seconds`` and show its title."""
        row = None
        for i, chapter in enumerate(self.chapters):
            if chapter.start <= seconds + 1e-6:
                row = i
        if row == self.current:
            return
        if self.current is not None and self.current < self.list.count():
            self._bold(self.current, False)
        self.current = row
        if row is None:
            self.list.clearSelection()
            self.title.setVisible(False)
            return
        self._bold(row, True)
        self.list.setCurrentRow(row)
        self.list.scrollToItem(self.list.item(row))
        self.title.setText(self.chapters[row].label)
        self.title.setVisible(True)

    def _bold(self, row: int, on: bool) -> None:
        item = self.list.item(row)
        font = item.font()
        font.setBold(on)
        item.setFont(font)

    def _clicked(self, item: QListWidgetItem) -> None:
        row = self.list.row(item)
        if 0 <= row < len(self.chapters):
            self.chapter_activated.emit(float(self.chapters[row].start))
