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

from PySide6.QtCore import QPoint, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QFont, QFontMetricsF, QKeySequence, QPalette, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QListView,
    QMenu,
    QPlainTextEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
)

from desktop.speaker_style import name_tooltip, shown_name, voice_color
from desktop.transcript_model import SegmentRole, TranscriptModel
from transcription.formats import hms

PLAYING = QColor("#b9d7ff")  # the word being played
MARKED = QColor("#ffe066")  # the word a search hit points at
SELECTED = QColor("#e6eef8")  # selected segments: light, so marks and colours stay readable
UNCERTAIN = QColor("#d9480f")


class _SegmentEditor(QPlainTextEdit):
    """Enter saves, Shift+Enter adds nothing (segments are one paragraph), Esc cancels."""

    committed = Signal()

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.committed.emit()
            return
        super().keyPressEvent(event)


class TranscriptDelegate(QStyledItemDelegate):
    PAD_X, PAD_Y, GAP, BAR = 10, 6, 3, 3

    def __init__(self, view: "TranscriptView"):
        super().__init__(view)
        self.view = view
        self._cache: dict = {}

    # --- layout -----------------------------------------------------------------------
    def fonts(self):
        base = QFont(self.view.font())
        base.setPointSizeF(base.pointSizeF() * 1.05)
        head = QFont(self.view.font())
        head.setPointSizeF(max(7.0, head.pointSizeF() * 0.9))
        head_bold = QFont(head)
        head_bold.setBold(True)
        return base, head, head_bold

    def name_font(self, seg) -> QFont:
        font = self.fonts()[2]
        font.setItalic(bool(seg.suggested))
        return font

    def name_rect(self, seg, row: QRectF) -> Optional[QRectF]:
        """Where the speaker's name is drawn in a row (None without a speaker)."""
        if not seg.speaker:
            return None
        fh = QFontMetricsF(self.fonts()[1])
        x = row.left() + self.PAD_X + fh.horizontalAdvance(hms(seg.start)) + 10
        width = QFontMetricsF(self.name_font(seg)).horizontalAdvance(shown_name(seg.speaker, seg.suggested))
        return QRectF(x, row.top() + self.PAD_Y, width, fh.height())

    def layout(self, seg, width: float):
        """(header height, [word rects relative to the row], total height) for a width."""
        key = (seg.id, seg.text, seg.speaker, seg.suggested, round(width))
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        base, head, _ = self.fonts()
        fm, fh = QFontMetricsF(base), QFontMetricsF(head)
        header_h = fh.height() + self.GAP
        x0, x1 = self.PAD_X, max(self.PAD_X + 50, width - self.PAD_X)
        space = fm.horizontalAdvance(" ")
        line_h = fm.lineSpacing() + 1
        x, y = x0, self.PAD_Y + header_h
        rects = []
        for w in seg.words:
            text = w.text.strip()
            adv = fm.horizontalAdvance(text)
            if x > x0 and x + adv > x1:
                x, y = x0, y + line_h
            rects.append(QRectF(x, y, adv, fm.height()))
            x += adv + space
        height = y + line_h + self.PAD_Y
        out = (header_h, rects, height)
        if len(self._cache) > 4000:
            self._cache.clear()
        self._cache[key] = out
        return out

    def width(self) -> float:
        return float(self.view.viewport().width())

    def sizeHint(self, option, index) -> QSize:
        seg = index.data(SegmentRole)
        if seg is None:
            return super().sizeHint(option, index)
        _, _, height = self.layout(seg, self.width())
        return QSize(int(self.width()), int(height + 0.999))

    def word_at(self, index, point) -> Optional[int]:
        """Index of the word under ``point`` (viewport coordinates), or None."""
        seg = index.data(SegmentRole)
        if seg is None:
            return None
        rect = self.view.visualRect(index)
        _, rects, _ = self.layout(seg, self.width())
        local = QPointF(point.x() - rect.left(), point.y() - rect.top())
        for i, r in enumerate(rects):
            if r.adjusted(-2, -2, 2, 2).contains(local):
                return i
        return None

    # --- painting ---------------------------------------------------------------------
    def paint(self, painter, option, index) -> None:
        seg = index.data(SegmentRole)
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        if seg is None:
            return
        model = index.model()
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        pal = opt.palette
        text_color = pal.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        dim = QColor(text_color)
        dim.setAlphaF(0.6)
        base, head, head_bold = self.fonts()
        header_h, rects, _ = self.layout(seg, self.width())
        top, left = opt.rect.top(), opt.rect.left()

        painter.save()
        # header: time, speaker, notes
        painter.setFont(head)
        fh = QFontMetricsF(head)
        x = left + self.PAD_X
        y = top + self.PAD_Y
        painter.setPen(pal.color(QPalette.ColorRole.Link))
        t = hms(seg.start)
        painter.drawText(QPointF(x, y + fh.ascent()), t)
        x += fh.horizontalAdvance(t) + 10
        if seg.speaker:
            color = voice_color(seg.label or seg.speaker)
            painter.fillRect(QRectF(left, top + 2, self.BAR, opt.rect.height() - 4), color)
            name = self.name_rect(seg, QRectF(opt.rect))
            painter.setFont(self.name_font(seg))
            painter.setPen(color)
            painter.drawText(QPointF(name.left(), y + fh.ascent()), shown_name(seg.speaker, seg.suggested))
            x = name.right() + 10
            painter.setFont(head)
        notes = []
        if seg.edited:
            notes.append("corrected")
        if seg.flag:
            notes.append(f"not searchable: {seg.flag}")
        if notes:
            painter.setPen(dim)
            painter.drawText(QPointF(x, y + fh.ascent()), " · ".join(notes))

        # words
        painter.setFont(base)
        fm = QFontMetricsF(base)
        marked = model.marked if model.marked and model.marked[0] == index.row() else None
        playing = model.playing if model.playing and model.playing[0] == index.row() else None
        for i, (w, r) in enumerate(zip(seg.words, rects)):
            r = r.translated(left, top)
            if marked and marked[1] == i:
                painter.fillRect(r.adjusted(-2, -1, 2, 1), MARKED)
            elif playing and playing[1] == i:
                painter.fillRect(r.adjusted(-2, -1, 2, 1), PLAYING)
            on_color = (marked and marked[1] == i) or (playing and playing[1] == i)
            color = QColor("#000000") if on_color else (dim if seg.flag else text_color)
            if w.uncertain and not on_color:
                color = UNCERTAIN
            painter.setPen(color)
            painter.drawText(QPointF(r.left(), r.top() + fm.ascent()), w.text.strip())
            if w.uncertain:
                pen = QPen(UNCERTAIN, 1.2, Qt.PenStyle.DotLine)
                painter.setPen(pen)
                yline = r.top() + fm.ascent() + 2.5
                painter.drawLine(QPointF(r.left(), yline), QPointF(r.right(), yline))
        painter.restore()

    # --- editing ----------------------------------------------------------------------
    def createEditor(self, parent, option, index):
        editor = _SegmentEditor(parent)
        editor.setFont(self.fonts()[0])
        editor.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        editor.document().setDocumentMargin(2)
        editor.setObjectName("segmentEditor")
        editor.committed.connect(lambda: self._commit(editor))
        return editor

    def _commit(self, editor) -> None:
        self.commitData.emit(editor)
        self.closeEditor.emit(editor, QStyledItemDelegate.EndEditHint.NoHint)

    def setEditorData(self, editor, index) -> None:
        editor.setPlainText(index.data(Qt.ItemDataRole.EditRole) or "")
        editor.selectAll()

    def setModelData(self, editor, model, index) -> None:
        model.setData(index, editor.toPlainText(), Qt.ItemDataRole.EditRole)

    def updateEditorGeometry(self, editor, option, index) -> None:
        """Over the segment's words (its time and speaker stay visible above it)."""
        seg = index.data(SegmentRole)
        header_h = self.layout(seg, self.width())[0] if seg is not None else 0
        r = option.rect.adjusted(self.PAD_X - 6, int(self.PAD_Y + header_h - 3), -4, -2)
        r.setHeight(max(r.height(), int(QFontMetricsF(self.fonts()[0]).lineSpacing() + 8)))
        editor.setGeometry(r)


class TranscriptView(QListView):
    word_clicked = Signal(float)  # seconds: the start of the clicked word
    edit_requested = Signal(int, str)  # segment id, corrected text
    speaker_requested = Signal(list, str)  # segment ids to give a speaker, the first one's speaker ("" if none)
    speaker_clicked = Signal(int, QPoint)  # row whose speaker name was clicked, global position for a menu
    rename_speaker_requested = Signal(str)  # the stored speaker (a voice label or a name) to rename
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
                sub.addAction(name if name == key else f"{name} ({key})", lambda k=key: choose(k))
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
            a = menu.addAction(f"Rename “{seg.speaker}”…", lambda: self.rename_speaker_requested.emit(key))
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
