"""The main window's status bar: every message expires, and one too long for the bar ends in
"…" (the whole text in its tooltip) instead of being cut off.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import QStatusBar, QStyle, QStyleOption

EXPIRE_MS = 10_000  # a message given without a timeout goes after this long


class StatusLine(QStatusBar):
    expire_ms = EXPIRE_MS

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("statusLine")
        self.messageChanged.connect(self._changed)

    def showMessage(self, text: str, timeout: int = 0) -> None:  # noqa: N802 (Qt's name)
        super().showMessage(text, timeout if timeout > 0 else self.expire_ms)

    def shown_text(self) -> str:
        """The message as the bar paints it (elided to the bar's width)."""
        width = self.contentsRect().width() - 12
        return self.fontMetrics().elidedText(self.currentMessage(), Qt.TextElideMode.ElideRight, max(0, width))

    def _changed(self, text: str) -> None:
        self.setToolTip(text if text and self.shown_text() != text else "")

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._changed(self.currentMessage())

    def paintEvent(self, event) -> None:
        text = self.currentMessage()
        if not text or self.shown_text() == text:
            super().paintEvent(event)
            return
        painter = QPainter(self)
        option = QStyleOption()
        option.initFrom(self)
        self.style().drawPrimitive(QStyle.PrimitiveElement.PE_PanelStatusBar, option, painter, self)
        painter.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        rect = self.contentsRect().adjusted(6, 0, -6, 0)
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), self.shown_text())
