"""Help → Search Syntax (the query language, from the one text the README also shows) and
Help → Keyboard Shortcuts (read from the window's actions: desktop.shortcuts)."""

from __future__ import annotations

from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QHeaderView, QTableWidget,
                               QTableWidgetItem, QTextBrowser, QVBoxLayout)

from archive.query_help import QUERY_LANGUAGE
from desktop.shortcuts import Shortcut


class _HelpDialog(QDialog):
    """A body above a Close button."""

    def __init__(self, title: str, name: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName(name)

    def _lay_out(self, body) -> None:
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(body)
        layout.addWidget(buttons)


class QueryHelpDialog(_HelpDialog):
    def __init__(self, parent=None):
        super().__init__("Search syntax", "queryHelp", parent)
        self.text = QTextBrowser()
        self.text.setOpenExternalLinks(False)
        self.text.setMarkdown(QUERY_LANGUAGE)
        self._lay_out(self.text)
        self.resize(760, 560)


class ShortcutsDialog(_HelpDialog):
    """One row per key: the keys, what they do, where they work."""

    def __init__(self, shortcuts: list[Shortcut], parent=None):
        super().__init__("Keyboard shortcuts", "shortcutsHelp", parent)
        self.table = QTableWidget(len(shortcuts), 3)
        self.table.setHorizontalHeaderLabels(["Keys", "Does", "Where"])
        for row, s in enumerate(shortcuts):
            for col, text in enumerate((s.keys, s.action, s.where)):
                self.table.setItem(row, col, QTableWidgetItem(text))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self._lay_out(self.table)
        self.resize(640, 520)

    def rows(self) -> list[tuple[str, str, str]]:
        return [tuple(self.table.item(r, c).text() for c in range(3)) for r in range(self.table.rowCount())]
