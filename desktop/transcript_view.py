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
from PySide6.QtGui import QAction, QKeySequence, QPainter, QPalette, QPen
from PySide6.QtWidgets import QAbstractItemView, QListView, QMenu

from desktop.palette import current
from desktop.speaker_style import name_tooltip, shown_name, voice_title
from desktop.transcript_delegate import TranscriptDelegate
from desktop.transcript_model import TranscriptModel
from transcription.formats import hms


_READING_KEYS = (Qt.Key.Key_PageUp, Qt.Key.Key_PageDown, Qt.Key.Key_Home, Qt.Key.Key_End, Qt.Key.Key_Up,
                 Qt.Key.Key_Down)


class TranscriptView(QListView):
    word_clicked = Signal(float)  # seconds to play from: a clicked word, Enter on a passage, "Play from here"
    play_pause_requested = Signal()  # Space in the transcript
    follow_changed = Signal(bool)  # following playback turned off (the person scrolled) or back on
    edit_requested = Signal(int, str)  # segment id, corrected text
    speaker_requested = Signal(list, str)  # segment ids to give a speaker, the first one's speaker ("" if none)
    speaker_clicked = Signal(int, QPoint)  # row whose speaker name was clicked, global position for a menu
    rename_speaker_requested = Signal(str)  # the stored speaker (a voice label or a name) to rename
    confirm_requested = Signal(str)  # a voice label whose suggested name is right
    reject_requested = Signal(str)  # ... or wrong
    split_requested = Signal(int, int)  # segment id, index of the word the second piece starts with
    move_words_requested = Signal(int, int, str)  # segment id, first word moved, to this voice label ("": ask)
    copy_quote_requested = Signal(object)  # the selection's archive.citation.Quote
    copy_reference_requested = Signal(float)  # the selection's time (its quote's start)
    export_clip_requested = Signal(float, float)  # start, end of the selection's quote

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
        self.setAccessibleName("Transcript")
        self.restyle()
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context_menu)
        self.follow = True  # scroll along with playback (scrolling by hand turns it off)
        self.verticalScrollBar().actionTriggered.connect(self._scrolled_by_hand)  # wheel, scroll bar
        self.only_speaker = ""  # show only this speaker's passages ("" = everyone)
        self.context_menu: Optional[QMenu] = None  # the last one opened
        self._press = None
        self._anchor = None  # the word a click or a drag started on (shift-click chooses up to another)

        self.copy_action = QAction("Copy quote with citation", self)
        self.copy_action.setShortcut(QKeySequence.StandardKey.Copy)
        self.copy_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.copy_action.triggered.connect(self.copy_selection)
        self.addAction(self.copy_action)
        self.reference_action = QAction("Copy reference link", self)
        self.reference_action.setShortcut(QKeySequence("Ctrl+Shift+C"))
        self.reference_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.reference_action.triggered.connect(self.copy_reference)
        self.addAction(self.reference_action)
        # keys of the transcript itself (Help → Keyboard Shortcuts lists them from these actions)
        self.play_pause_action = self._key_action("Play / pause", [Qt.Key.Key_Space], self.play_pause_requested.emit)
        self.play_action = self._key_action("Play this passage", [Qt.Key.Key_Return, Qt.Key.Key_Enter],
                                            self.play_current)
        self.edit_action = self._key_action("&Correct Segment Text", [Qt.Key.Key_F2], self.edit_current)

    def _key_action(self, text: str, keys, slot) -> QAction:
        """An action whose keys work while the transcript itself has the focus (not its editor)."""
        action = QAction(text, self)
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def restyle(self) -> None:
        """Take the colours of the scheme in use (desktop.palette; light or dark)."""
        scheme = current()
        pal = self.palette()
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
            pal.setColor(group, QPalette.ColorRole.Base, scheme.color("base"))
            pal.setColor(group, QPalette.ColorRole.Text, scheme.color("text"))
            pal.setColor(group, QPalette.ColorRole.Link, scheme.color("link"))
            pal.setColor(group, QPalette.ColorRole.Highlight, scheme.color("selected"))
            pal.setColor(group, QPalette.ColorRole.HighlightedText, scheme.color("text"))
        self.setPalette(pal)
        self.viewport().update()

    # --- content ----------------------------------------------------------------------
    def set_transcript(self, transcript) -> None:
        self._model.set_transcript(transcript)
        self._apply_only()

    def reload(self, transcript) -> None:
        """A newer version of the transcript shown (an edit, more segments while importing):
        keep the marked word and the scroll position."""
        bar = self.verticalScrollBar()
        pos = bar.value()
        marked = [self._model.word(p) for p in sorted(self._model.marked_words)]
        self._model.set_transcript(transcript)
        self._apply_only()
        if marked:
            self._model.mark(marked[0].start, marked[-1].end)
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

    def set_follow(self, follow: bool) -> None:
        """Scroll along with playback or not; back on, the passage playing comes into view."""
        if follow == self.follow:
            return
        self.follow = follow
        self.follow_changed.emit(follow)
        if follow and self._model.playing is not None:
            self.scrollTo(self._model.index(self._model.playing[0], 0), QAbstractItemView.ScrollHint.EnsureVisible)

    def _scrolled_by_hand(self, _action: int) -> None:
        self.set_follow(False)  # (the scroll bar's actions are the person's: the wheel, a drag, a click)

    def play_current(self) -> None:
        """Enter: play the current passage from its start."""
        seg = self._model.segment(self.currentIndex().row()) if self.currentIndex().isValid() else None
        if seg is not None:
            self.play_from(seg)

    def play_from(self, seg) -> None:
        """Play a passage from its start, following it again."""
        self.set_follow(True)
        self.word_clicked.emit(float(seg.start))

    def mark_word(self, seconds: float, until: Optional[float] = None):
        """Mark the word spoken at ``seconds`` (and the words after it up to ``until``: a
        phrase) and scroll it to the middle. Returns the first word's WordRow."""
        pos = self._model.mark(seconds, until)
        if pos is None:
            return None
        index = self._model.index(pos[0], 0)
        self.follow = True  # a hit is played from here: follow it (the window shows the toggle on)
        self.follow_changed.emit(True)
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
    # --- mouse: dragging across words, or a click then shift-click, chooses words ------
    def _word_pos(self, point):
        """(row, word index) under a viewport point, or None."""
        index = self.indexAt(point)
        i = self.delegate.word_at(index, point) if index.isValid() else None
        return (index.row(), i) if i is not None else None

    def mousePressEvent(self, event) -> None:
        self._press = event.position().toPoint() if event.button() == Qt.MouseButton.LeftButton else None
        pos = self._word_pos(event.position().toPoint()) if self._press is not None else None
        if pos is not None and event.modifiers() & Qt.KeyboardModifier.ShiftModifier and self._anchor is not None:
            self._model.choose(self._anchor, pos)
        elif self._press is not None:
            self._anchor = pos
            self._model.choose(None)
        super().mousePressEvent(event)

    def currentChanged(self, current, previous) -> None:
        super().currentChanged(current, previous)
        span = self._model.chosen
        if span is not None and current.isValid() and not min(span)[0] <= current.row() <= max(span)[0]:
            self._model.choose(None)  # the keyboard moved on to another passage

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
            self.set_follow(True)  # listening from here: follow it
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
        if event.buttons() & Qt.MouseButton.LeftButton and self._anchor is not None:
            pos = self._word_pos(event.position().toPoint())
            if pos is not None and (pos != self._anchor or self._model.chosen is not None):
                self._model.choose(self._anchor, pos)
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
            self.copy_reference()
            return
        if event.key() in _READING_KEYS:
            self.set_follow(False)  # reading elsewhere: playback must not pull the view back
        super().keyPressEvent(event)

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        # a frame around the selection, in a colour that stands out (the fill stays light so
        # every colour on it reads: desktop.palette)
        rows = sorted({i.row() for i in self.selectionModel().selectedIndexes()})
        if not rows:
            return
        painter = QPainter(self.viewport())
        painter.setPen(QPen(current().color("frame"), 2))
        area = self.viewport().rect()
        for row in rows:
            rect = self.visualRect(self._model.index(row, 0))
            if rect.intersects(area):
                painter.drawRect(rect.adjusted(1, 1, -1, -1))
        painter.end()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.scheduleDelayedItemsLayout()

    # --- actions ----------------------------------------------------------------------
    def selected_quote(self):
        """The selection as a quote (archive.citation.Quote): the words chosen inside
        passages, else the selected passages; None without a selection."""
        if self.transcript is None:
            return None
        return self._model.chosen_quote() or self.transcript.passage_quote(self.selected_rows())

    def copy_selection(self) -> None:
        quote = self.selected_quote()
        if quote is not None:
            self.copy_quote_requested.emit(quote)

    def copy_reference(self) -> None:
        """A link to the selection's time (the start of its quote)."""
        quote = self.selected_quote()
        if quote is not None:
            self.copy_reference_requested.emit(float(quote.start))

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
        """Start and end of the selection's quote (chosen words, else whole passages)."""
        quote = self.selected_quote()
        return (float(quote.start), float(quote.end)) if quote is not None else None

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
        enter = QKeySequence(Qt.Key.Key_Return).toString(QKeySequence.SequenceFormat.NativeText)
        menu.addAction(f"Play from here\t{enter}", lambda: self.play_from(seg))  # the key shown, not taken
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
