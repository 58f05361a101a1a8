"""How one passage of a transcript is laid out and painted (and edited in place).

The time, then the speaker's name in the voice's colour (desktop.speaker_style; a suggested
name in italics with "?") with a bar of that colour down the passage, then its words one
by one (a piece written without a leading space, ",000" after "$18", follows its word
without a gap): the word being played, a hit's words, words the user chose to quote, and
words Whisper was unsure of marked. A passage in another language than the recording's
shows that language's code in a small tag after the speaker.
"""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPalette, QPen
from PySide6.QtWidgets import QApplication, QPlainTextEdit, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from desktop.palette import current
from desktop.speaker_style import shown_name, voice_color
from desktop.transcript_model import SegmentRole
from transcription.formats import hms



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

    def language_rect(self, seg, row: QRectF) -> Optional[QRectF]:
        """Where a passage in another language than the recording's shows its language's tag
        ("es"), after the time and the speaker (None for a passage in the recording's language)."""
        if not seg.other_language:
            return None
        fh = QFontMetricsF(self.fonts()[1])
        name = self.name_rect(seg, row)
        x = name.right() + 10 if name is not None else row.left() + self.PAD_X + fh.horizontalAdvance(hms(seg.start)) + 10
        return QRectF(x, row.top() + self.PAD_Y, fh.horizontalAdvance(seg.other_language) + 8, fh.height())

    def layout(self, seg, width: float):
        """(header height, [word rects relative to the row], total height) for a width."""
        key = (seg.id, seg.text, tuple(w.text for w in seg.words), seg.speaker, seg.suggested, round(width))
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
        for i, w in enumerate(seg.words):
            text = w.text.strip()
            adv = fm.horizontalAdvance(text)
            if i and w.continues and rects:  # part of the word before: no gap, no line break
                x -= space
            elif x > x0 and x + adv > x1:
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
        colors = current()  # desktop.palette: the scheme's colours for played, marked, chosen and unsure words
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
        tag = self.language_rect(seg, QRectF(opt.rect))
        if tag is not None:  # a passage in another language: its code in a small frame, the link colour
            painter.setPen(QPen(colors.color("link"), 1.0))
            painter.drawRoundedRect(tag.adjusted(0.5, 0.5, -0.5, -0.5), 3, 3)
            painter.drawText(tag, Qt.AlignmentFlag.AlignCenter, seg.other_language)
            x = tag.right() + 10
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
        row = index.row()
        playing = model.playing if model.playing and model.playing[0] == row else None
        chosen = model.chosen_words() if model.chosen and min(model.chosen)[0] <= row <= max(model.chosen)[0] else ()
        for i, (w, r) in enumerate(zip(seg.words, rects)):
            r = r.translated(left, top)
            marked = (row, i) in model.marked_words
            if (row, i) in chosen:
                painter.fillRect(r.adjusted(-2, -1, 2, 1), colors.color("chosen"))
            elif marked:
                painter.fillRect(r.adjusted(-2, -1, 2, 1), colors.color("marked"))
            elif playing and playing[1] == i:
                painter.fillRect(r.adjusted(-2, -1, 2, 1), colors.color("playing"))
            on_color = marked or (row, i) in chosen or (playing and playing[1] == i)
            color = colors.color("on_mark") if on_color else (dim if seg.flag else text_color)
            if w.uncertain and not on_color:
                color = colors.color("uncertain")
            painter.setPen(color)
            painter.drawText(QPointF(r.left(), r.top() + fm.ascent()), w.text.strip())
            if w.uncertain:
                pen = QPen(colors.color("uncertain"), 1.2, Qt.PenStyle.DotLine)
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
