"""A layout that places its widgets in a row and wraps them onto the next line when the
row is full (Qt's "Flow Layout" example), so filters fit a narrow window without being cut.

Each item keeps at least its minimum size hint; items marked with :meth:`FlowLayout.add_stretching`
share a line's spare width.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLayout, QSizePolicy, QWidgetItem


class FlowLayout(QLayout):
    def __init__(self, parent=None, spacing: int = 6):
        super().__init__(parent)
        self._items: list = []
        self._stretch: set = set()
        self.setSpacing(spacing)
        self.setContentsMargins(0, 0, 0, 0)

    def add_stretching(self, widget) -> None:
        """Add ``widget``; it grows into a line's spare width."""
        self.addWidget(widget)
        self._stretch.add(id(self._items[-1]))

    # --- QLayout ----------------------------------------------------------------------
    def addItem(self, item) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int):
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int):
        if 0 <= index < len(self._items):
            item = self._items.pop(index)
            self._stretch.discard(id(item))
            return item
        return None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._place(QRect(0, 0, width, 0), apply=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._place(rect, apply=True)

    def sizeHint(self) -> QSize:
        return self.minimumSize()

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize().expandedTo(self._hint(item)))
        m = self.contentsMargins()
        return size + QSize(m.left() + m.right(), m.top() + m.bottom())

    # --- placing ----------------------------------------------------------------------
    @staticmethod
    def _hint(item) -> QSize:
        hint = item.sizeHint()
        if isinstance(item, QWidgetItem) and item.widget() is not None:
            w = item.widget()
            if w.sizePolicy().horizontalPolicy() == QSizePolicy.Policy.Ignored:
                hint = QSize(w.minimumSizeHint().width(), hint.height())
        return hint.expandedTo(item.minimumSize())

    def _lines(self, width: int) -> list[list]:
        lines: list[list] = [[]]
        used = 0
        for item in self._items:
            if item.isEmpty():
                continue
            w = min(self._hint(item).width(), width)
            if lines[-1] and used + self.spacing() + w > width:
                lines.append([])
                used = 0
            used += (self.spacing() if lines[-1] else 0) + w
            lines[-1].append(item)
        return [line for line in lines if line]

    def _place(self, rect: QRect, apply: bool) -> int:
        m = self.contentsMargins()
        area = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        y = area.y()
        for line in self._lines(area.width()):
            widths = [min(self._hint(i).width(), area.width()) for i in line]
            spare = area.width() - sum(widths) - self.spacing() * (len(line) - 1)
            growing = [k for k, i in enumerate(line) if id(i) in self._stretch]
            for k in growing:
                widths[k] += spare // len(growing)
            height = max(self._hint(i).height() for i in line)
            x = area.x()
            for item, w in zip(line, widths):
                if apply:
                    item.setGeometry(QRect(QPoint(x, y), QSize(w, height)))
                x += w + self.spacing()
            y += height + self.spacing()
        return max(0, y - self.spacing() - rect.y()) + m.bottom()
