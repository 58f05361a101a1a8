"""Search hits as a Qt list model, and the delegate that draws one hit.

Each row: title · body · date on the first line with the hit's chapter (the agenda item
it is said in, when the recording has chapters) and the time of the first matched
word (HH:MM:SS) on the right; below it the snippet with the matched words in bold.
"""

from __future__ import annotations

import html
from typing import Callable, Optional

from PySide6.QtCore import QAbstractListModel, QModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QAbstractTextDocumentLayout, QFont, QFontMetrics, QPalette, QTextDocument
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from transcription.formats import hms

HitRole = Qt.ItemDataRole.UserRole + 1
SnippetHtmlRole = Qt.ItemDataRole.UserRole + 2
TimeRole = Qt.ItemDataRole.UserRole + 3
HeadingRole = Qt.ItemDataRole.UserRole + 4
ChapterRole = Qt.ItemDataRole.UserRole + 5
CHAPTER_SHARE = 0.45  # the most of a row's first line the chapter label takes


def snippet_html(fragments) -> str:
    """The snippet as HTML: matched pieces in <b>, everything else escaped."""
    return "".join(f"<b>{html.escape(t)}</b>" if match else html.escape(t) for t, match in fragments)


def heading(hit) -> str:
    return " · ".join(p for p in (hit.title, hit.body, hit.date) if p)


class ResultsModel(QAbstractListModel):
    """Holds the hits of the current search. ``more`` (set by the window) fetches the
    next page when the view scrolls to the end."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._hits: list = []
        self.total = 0
        self.more: Optional[Callable[[int], list]] = None

    def set_results(self, hits, total: int) -> None:
        self.beginResetModel()
        self._hits = list(hits)
        self.total = total
        self.endResetModel()

    def clear(self) -> None:
        self.set_results([], 0)

    def hit(self, row: int):
        return self._hits[row] if 0 <= row < len(self._hits) else None

    def hits(self) -> list:
        return list(self._hits)

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._hits)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._hits):
            return None
        hit = self._hits[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            chapter = f"  [{hit.chapter}]" if getattr(hit, "chapter", None) else ""
            return f"{heading(hit)}{chapter}  {hms(hit.start)}\n{hit.snippet.replace('[[', '').replace(']]', '')}"
        if role == Qt.ItemDataRole.ToolTipRole:
            who = f"{hit.speaker}: " if hit.speaker else ""
            chapter = f"\n\nChapter: {hit.chapter}" if getattr(hit, "chapter", None) else ""
            return f"{who}{hit.text}{chapter}\n\nClick to hear it from {hms(hit.start)}."
        if role == HitRole:
            return hit
        if role == SnippetHtmlRole:
            prefix = f"<i>{html.escape(hit.speaker)}:</i> " if hit.speaker else ""
            return prefix + snippet_html(hit.fragments)
        if role == TimeRole:
            return hms(hit.start)
        if role == HeadingRole:
            return heading(hit)
        if role == ChapterRole:
            return getattr(hit, "chapter", None) or ""
        return None

    # paging: the view asks for more when it reaches the end
    def canFetchMore(self, parent=QModelIndex()) -> bool:
        return not parent.isValid() and self.more is not None and len(self._hits) < self.total

    def fetchMore(self, parent=QModelIndex()) -> None:
        if not self.canFetchMore(parent):
            return
        extra = self.more(len(self._hits)) or []
        if not extra:
            self.total = len(self._hits)
            return
        self.beginInsertRows(QModelIndex(), len(self._hits), len(self._hits) + len(extra) - 1)
        self._hits.extend(extra)
        self.endInsertRows()


class HitDelegate(QStyledItemDelegate):
    """Draws a hit: heading and time on one line, up to three lines of snippet below."""

    PAD = 8
    SNIPPET_LINES = 3

    def _fonts(self, option):
        base = QFont(option.font)
        bold = QFont(base)
        bold.setBold(True)
        small = QFont(base)
        small.setPointSizeF(max(7.0, base.pointSizeF() * 0.92))
        return base, bold, small

    @staticmethod
    def chapter_label(index, font: QFont, width: float) -> str:
        """The hit's chapter as drawn in a first line ``width`` wide (elided; "" for none)."""
        chapter = index.data(ChapterRole) or ""
        if not chapter:
            return ""
        return QFontMetrics(font).elidedText(chapter, Qt.TextElideMode.ElideRight, int(max(0.0, width) * CHAPTER_SHARE))

    def sizeHint(self, option, index) -> QSize:
        base, bold, small = self._fonts(option)
        h = QFontMetrics(bold).height() + 4 + QFontMetrics(base).lineSpacing() * self.SNIPPET_LINES
        return QSize(300, h + 2 * self.PAD)

    def _document(self, html_text: str, font: QFont, width: float, color) -> QTextDocument:
        doc = QTextDocument()
        doc.setDefaultFont(font)
        doc.setDocumentMargin(0)
        doc.setDefaultStyleSheet(f"body {{ color: {color.name()}; }}")
        doc.setHtml(f"<body>{html_text}</body>")
        doc.setTextWidth(width)
        return doc

    def paint(self, painter, option, index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)

        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        group = QPalette.ColorGroup.Active if opt.state & QStyle.StateFlag.State_Active else QPalette.ColorGroup.Inactive
        text_color = opt.palette.color(group, QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        base, bold, small = self._fonts(opt)
        rect = opt.rect.adjusted(self.PAD, self.PAD, -self.PAD, -self.PAD)

        painter.save()
        # first line: heading (elided) and the time on the right
        time_text = index.data(TimeRole) or ""
        fm_bold = QFontMetrics(bold)
        time_w = fm_bold.horizontalAdvance(time_text) + 6
        painter.setFont(bold)
        painter.setPen(opt.palette.color(group, QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Link))
        first = QRectF(rect.left(), rect.top(), rect.width(), fm_bold.height())
        painter.drawText(first, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), time_text)
        painter.setPen(text_color)
        chapter = self.chapter_label(index, small, rect.width() - time_w)
        if chapter:  # a small label before the time: the agenda item the hit is said in
            painter.setFont(small)
            chapter_w = QFontMetrics(small).horizontalAdvance(chapter) + 10
            painter.drawText(first.adjusted(0, 0, -time_w, 0), int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), chapter)
            time_w += chapter_w
            painter.setFont(bold)
        head = fm_bold.elidedText(index.data(HeadingRole) or "", Qt.TextElideMode.ElideRight, int(rect.width() - time_w))
        painter.drawText(first.adjusted(0, 0, -time_w, 0), int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), head)

        # snippet: rich text, matched words bold, clipped to the row
        top = first.bottom() + 4
        doc = self._document(index.data(SnippetHtmlRole) or "", base, rect.width(), text_color)
        painter.translate(rect.left(), top)
        clip = QRectF(0, 0, rect.width(), rect.bottom() - top)
        painter.setClipRect(clip)
        ctx = QAbstractTextDocumentLayout.PaintContext()
        ctx.clip = clip
        ctx.palette.setColor(QPalette.ColorRole.Text, text_color)
        doc.documentLayout().draw(painter, ctx)
        painter.restore()
