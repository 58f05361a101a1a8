"""The transcript of one recording: one row per segment (desktop.transcript_model), words
laid out and drawn one by one.

* the word being played is highlighted as playback moves; a hit's word is marked;
* clicking a word emits ``word_clicked(seconds)``; uncertain words get a dotted underline;
* double-click (or F2) corrects a segment in place, the context menu sets speakers and copies;
* each passage starts with its speaker's name in the voice's colour (desktop.speaker_style),
  a suggested name in italics with "?"; clicking the name emits ``speaker_clicked``;
* the context menu on a word splits the passage there or gives its rest to another voice.

Passive: edits, speakers and copies are emitted as intent signals for the window.
"""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QPalette
from PySide6.QtWidgets import QAbstractItemView, QListView, QMenu

from desktop.speaker_style import name_tooltip, shown_name, voice_title
from desktop.transcript_delegate import SELECTED, TranscriptDelegate
from desktop.transcript_model import TranscriptModel
from transcription.formats import hms


class TranscriptView(QListView):
    word_clicked = Signal(float)  # seconds: the start of the clicked word
    edit_requested = Signal(int, str)  # segment id, corrected text
    speaker_requested = Signal(list, str)  # segment ids to give a speaker, the first one's speaker ("" if none)
    speaker_clicked = Signal(int, QPoint)  # row whose speaker name was clicked, global position for a menu
    rename_speaker_requested = Signal(str)  # the stored speaker (a voice label or a name) to rename
    confirm_requested = Signal(str)  # a voice label whose suggested name is right
    reject_requested = Signal(str)  # ... or wrong
    split_requested = Signal(int, int)  # segment id, index of the word the second piece starts with
    move_words_requested = Signal(int, int, str)  # segment id, first word moved, to this voice label ("": ask)
    copy_quote_requested = Signal(list)  # selected rows
    copy_reference_requested = Signal(float)
    export_clip_requested = Signal(float, float)  # start, end of the selected segments

    def __init__(self, parent=None):
        super().__init__(parent)
        self._model = TranscriptModel(self)
        self.setModel(self._model)
        self.delegate = TranscriptDelegate(self)
        self.setItemDelegate(self.delegate)
        self._model.edit_requested.connect(self.edit_requested)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setWordWrap(True)
        self.setMouseTracking(True)
        pal = self.palette()
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
            pal.setColor(group, QPalette.ColorRole.Highlight, SELECTED)
            pal.setColor(group, QPalette.ColorRole.HighlightedText, pal.color(QPalette.ColorRole.Text))
        self.setPalette(pal)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context_menu)
        self.follow = True  # scroll along with playback
        self.only_speaker = ""  # show only this speaker's passages ("" = everyone)
        self.context_menu: Optional[QMenu] = None  # the last one opened
        self._press = None

        self.copy_action = QAction("Copy quote with citation", self)
        self.copy_action.setShortcut(QKeySequence.StandardKey.Copy)
        self.copy_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.copy_action.triggered.connect(self.copy_selection)
        self.addAction(self.copy_action)
        self.reference_action = QAction("Copy reference link", self)
        self.reference_action.setShortcut(QKeySequence("Ctrl+Shift+C"))
        self.reference_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.reference_action.triggered.connect(self._copy_reference)
        self.addAction(self.reference_action)

    # --- content ----------------------------------------------------------------------
    def set_transcript(self, transcript) -> None:
        self._model.set_transcript(transcript)
        self._apply_only()

    def reload(self, transcript) -> None:
        """A newer version of the transcript shown (an edit, more segments while importing):
        keep the marked word and the scroll position."""
        bar = self.verticalScrollBar()
        pos = bar.value()
        marked = self.marked_word()
        self._model.set_transcript(transcript)
        self._apply_only()
        if marked is not None:
            self._model.mark(marked.start)
        QTimer.singleShot(0, lambda: bar.setValue(pos))

    @property
    def transcript(self):
        return self._model.transcript

    @staticmethod
    def speaker_key(seg) -> str:
        """What identifies a passage's speaker: its voice label, else the name given."""
        return seg.label or seg.speaker or ""

    def show_only(self, key: str) -> None:
        """Show only the passages of one speaker (a label or a name; "" shows everyone)."""
        self.only_speaker = key
        self._apply_only()

    def _apply_only(self) -> None:
        for row, seg in enumerate(self._model.segments):
            self.setRowHidden(row, bool(self.only_speaker) and self.speaker_key(seg) != self.only_speaker)

    def next_turn(self, key: str) -> Optional[int]:
        """Select and show the next turn of a speaker after the current passage (wrapping)."""
        segs = self._model.segments
        starts = [r for r, s in enumerate(segs)
                  if self.speaker_key(s) == key and (r == 0 or self.speaker_key(segs[r - 1]) != key)]
        if not starts:
            return None
        current = self.currentIndex().row() if self.currentIndex().isValid() else -1
        row = next((r for r in starts if r > current), starts[0])
        index = self._model.index(row, 0)
        self.selectionModel().setCurrentIndex(index, self.selectionModel().SelectionFlag.ClearAndSelect)
        self.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtTop)
        return row

    def segment(self, row: int):
        """The views.SegmentRow shown in ``row``, or None."""
        return self._model.segment(row)

    def set_playback_position(self, seconds: float) -> None:
        old = self._model.playing
        pos = self._model.set_playing(seconds)
        if self.follow and pos is not None and (old is None or old[0] != pos[0]) and self.state() != QAbstractItemView.State.EditingState:
            self.scrollTo(self._model.index(pos[0], 0), QAbstractItemView.ScrollHint.EnsureVisible)

    def mark_word(self, seconds: float):
        """Mark the word spoken at ``seconds`` and scroll it to the middle. Returns the WordRow."""
        pos = self._model.mark(seconds)
        if pos is None:
            return None
        index = self._model.index(pos[0], 0)
        self.selectionModel().setCurrentIndex(index, self.selectionModel().SelectionFlag.ClearAndSelect)
        self.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        return self._model.word(pos)

    def marked_word(self):
        return self._model.word(self._model.marked)

    def selected_rows(self) -> list[int]:
        rows = sorted({i.row() for i in self.selectionModel().selectedIndexes()})
        if not rows and self.currentIndex().isValid():
            rows = [self.currentIndex().row()]
        return rows

    # --- mouse: a plain click on a word plays it ---------------------------------------
    def mousePressEvent(self, event) -> None:
        self._press = event.position().toPoint() if event.button() == Qt.MouseButton.LeftButton else None
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        super().mouseReleaseEvent(event)
        pos = event.position().toPoint()
        if (
            self._press is None
            or event.button() != Qt.MouseButton.LeftButton
            or event.modifiers() & (Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier)
            or (pos - self._press).manhattanLength() > 4
        ):
            return
        index = self.indexAt(pos)
        if not index.isValid():
            return
        if self.on_name(index, pos):
            self.speaker_clicked.emit(index.row(), self.viewport().mapToGlobal(pos))
            return
        i = self.delegate.word_at(index, pos)
        if i is not None:
            self.word_clicked.emit(float(self._model.segment(index.row()).words[i].start))

    def on_name(self, index, pos) -> bool:
        """Is ``pos`` (viewport coordinates) on the speaker's name of the row at ``index``?"""
        seg = self._model.segment(index.row())
        rect = self.delegate.name_rect(seg, QRectF(self.visualRect(index))) if seg is not None else None
        return rect is not None and rect.adjusted(-2, -2, 2, 2).contains(QPointF(pos))

    def name_position(self, row: int) -> QPoint:
        """The centre of a row's speaker name, in viewport coordinates (for clicks and menus)."""
        index = self._model.index(row, 0)
        rect = self.delegate.name_rect(self._model.segment(row), QRectF(self.visualRect(index)))
        return rect.center().toPoint() if rect is not None else self.visualRect(index).topLeft()

    def mouseMoveEvent(self, event) -> None:
        super().mouseMoveEvent(event)
        index = self.indexAt(event.position().toPoint())
        cursor = Qt.CursorShape.ArrowCursor
        tip = ""
        if index.isValid() and self.on_name(index, event.position().toPoint()):
            seg = self._model.segment(index.row())
            cursor = Qt.CursorShape.PointingHandCursor
            tip = name_tooltip(seg.speaker, seg.label, seg.suggested)
        elif index.isValid():
            i = self.delegate.word_at(index, event.position().toPoint())
            if i is not None:
                cursor = Qt.CursorShape.PointingHandCursor
                w = self._model.segment(index.row()).words[i]
                tip = f"{hms(w.start)} — click to hear"
                if w.uncertain:
                    tip += f"\nWhisper was unsure of this word ({int(w.probability * 100)}%)"
        self.viewport().setCursor(cursor)
        self.viewport().setToolTip(tip)

    def keyPressEvent(self, event) -> None:
        # the item view would copy plain text; copying from a transcript means a citation
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_selection()
            return
        if event.keyCombination() == QKeySequence("Ctrl+Shift+C")[0]:
            self._copy_reference()
            return
        super().keyPressEvent(event)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.scheduleDelayedItemsLayout()

    # --- actions ----------------------------------------------------------------------
    def copy_selection(self) -> None:
        rows = self.selected_rows()
        if rows:
            self.copy_quote_requested.emit(rows)

    def _copy_reference(self) -> None:
        rows = self.selected_rows()
        if rows:
            self.copy_reference_requested.emit(float(self._model.segment(rows[0]).start))

    def request_speaker(self) -> None:
        rows = self.selected_rows()
        if rows:
            first = self._model.segment(rows[0])
            self.speaker_requested.emit([self._model.segment(r).id for r in rows], first.speaker or "")

    def edit_current(self) -> None:
        """Correct the current segment in place (Edit menu; F2 and double-click do it too)."""
        index = self.currentIndex()
        if index.isValid():
            self.edit(index)

    def selected_range(self) -> Optional[tuple[float, float]]:
        """Start of the first and end of the last selected segment."""
        rows = self.selected_rows()
        if not rows or self.transcript is None:
            return None
        segs = [self._model.segment(r) for r in rows]
        return float(min(s.start for s in segs)), float(max(s.end for s in segs))

    def request_clip(self) -> None:
        span = self.selected_range()
        if span is not None:
            self.export_clip_requested.emit(*span)

    def voices(self) -> list[tuple[str, str]]:
        """(stored speaker, name shown) of every speaker in the transcript, first heard first."""
        seen: dict[str, str] = {}
        for seg in self._model.segments:
            key = seg.label or seg.speaker
            if key and key not in seen:
                seen[key] = shown_name(seg.speaker, seg.suggested)
        return list(seen.items())

    def _voice_menu(self, menu: QMenu, title: str, choose, exclude: Optional[str], enabled: bool) -> None:
        """A submenu offering every voice of the transcript (and "Someone else…")."""
        sub = menu.addMenu(title)
        sub.setEnabled(enabled)
        for key, name in self.voices():
            if key != exclude:
                sub.addAction(voice_title(name, key), lambda k=key: choose(k))
        sub.addSeparator()
        sub.addAction("Someone else…", lambda: choose(""))

    def _context_menu(self, pos) -> None:
        index = self.indexAt(pos)
        if not index.isValid():
            return
        if not self.selectionModel().isSelected(index):
            self.setCurrentIndex(index)
        seg = self._model.segment(index.row())
        word = self.delegate.word_at(index, pos)
        editable = bool(self._model.flags(index) & Qt.ItemFlag.ItemIsEditable)
        menu = QMenu(self)
        menu.addAction("Play from here", lambda: self.word_clicked.emit(float(seg.start)))
        menu.addSeparator()
        a = menu.addAction("Correct text…", lambda: self.edit(index))
        a.setShortcut(QKeySequence("F2"))
        a.setEnabled(editable)
        n = len(self.selected_rows())
        a = menu.addAction(f"Set speaker for {n} segment{'s' if n != 1 else ''}…", self.request_speaker)
        a.setEnabled(editable)
        if seg.speaker:
            key = seg.label or seg.speaker
            if seg.suggested:
                menu.addAction(f"✓ Yes, this is {seg.speaker}", lambda: self.confirm_requested.emit(key)).setEnabled(editable)
                menu.addAction(f"✗ No, not {seg.speaker}", lambda: self.reject_requested.emit(key)).setEnabled(editable)
            a = menu.addAction(f"Rename “{shown_name(seg.speaker, seg.suggested)}”…",
                               lambda: self.rename_speaker_requested.emit(key))
            a.setEnabled(editable)
        if word:  # a word after the first: the passage can be cut there
            text = seg.words[word].text.strip()
            a = menu.addAction(f"Split before “{text}”", lambda: self.split_requested.emit(seg.id, word))
            a.setEnabled(editable)
            self._voice_menu(menu, f"Give “{text}…” to the end to", lambda k: self.move_words_requested.emit(seg.id, word, k),
                             seg.label or seg.speaker, editable)
        menu.addSeparator()
        menu.addAction(self.copy_action)
        menu.addAction(self.reference_action)
        menu.addSeparator()
        menu.addAction("Export clip…", self.request_clip)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.context_menu = menu
        menu.popup(self.viewport().mapToGlobal(pos))
