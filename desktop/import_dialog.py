"""The import dialog: title, body (completed from the archive's bodies), date, kind and a
custom vocabulary for Whisper. Defaults come from the file name (archive.importer.default_meta).

The same dialog edits an existing recording's details (title, body, date, kind).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Optional, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from archive.catalog import KINDS
from archive.dates import date_from_name, date_problem
from archive.importer import ImportMeta, default_meta
from desktop.palette import current


class ImportDialog(QDialog):
    def __init__(self, paths: Sequence[str], bodies: Sequence[str] = (), default_body: str = "",
                 parent: Optional[QWidget] = None, *, meta: Optional[ImportMeta] = None,
                 edit_only: bool = False):
        super().__init__(parent)
        self.paths = [str(p) for p in paths]
        self.edit_only = edit_only
        single = len(self.paths) == 1
        if edit_only:
            self.setWindowTitle("Recording details")
            heading = "Change the details of this recording."
        else:
            self.setWindowTitle("Import")
            names = ", ".join(Path(p).name for p in self.paths[:3])
            more = f" and {len(self.paths) - 3} more" if len(self.paths) > 3 else ""
            heading = f"Import {len(self.paths)} file{'s' if not single else ''}: {names}{more}"
        self.setMinimumWidth(520)

        defaults = meta or ImportMeta(body=default_body or None)
        if single and not edit_only:
            try:
                defaults = default_meta(Path(self.paths[0]), defaults)
            except OSError as exc:  # unreadable: no defaults from the file, the fields stay empty
                logging.getLogger(__name__).warning("no defaults from %s: %s", self.paths[0], exc)

        self.title = QLineEdit(defaults.title or "")
        self.title.setObjectName("importTitle")
        if not single:
            self.title.setPlaceholderText("from each file name")
        self.body = QLineEdit(defaults.body or "")
        self.body.setObjectName("importBody")
        self.body.setPlaceholderText("e.g. Riverton City Council")
        completer = QCompleter(list(bodies), self.body)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.body.setCompleter(completer)
        self.date = QLineEdit(defaults.date or "")
        self.date.setObjectName("importDate")
        self.date.setPlaceholderText("YYYY-MM-DD" if single or edit_only else "from each file name, else its date")
        self.kind = QComboBox()
        for k in KINDS:
            self.kind.addItem(k.capitalize(), k)
        self.kind.setCurrentIndex(max(0, self.kind.findData(defaults.kind or "meeting")))
        self.vocabulary = QPlainTextEdit()
        self.vocabulary.setObjectName("importVocabulary")
        self.vocabulary.setPlaceholderText("Names and words Whisper should expect, e.g. Riverton, Councillor Patel, stormwater")
        self.vocabulary.setFixedHeight(60)
        self.error = QLabel()
        self.error.setStyleSheet(f"color: {current().error};")
        self.error.hide()

        form = QFormLayout()
        form.addRow("Title:", self.title)
        form.addRow("Body:", self.body)
        form.addRow("Date:", self.date)
        form.addRow("Kind:", self.kind)
        if not edit_only:
            form.addRow("Vocabulary:", self.vocabulary)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Save" if edit_only else "Import")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        label = QLabel(heading)
        label.setWordWrap(True)
        layout.addWidget(label)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def accept(self) -> None:
        date = self.date.text().strip()
        if date and date_from_name(date) != date:
            self.error.setText(f"The date {date}: {date_problem(date)}.")  # "…: month 13 is invalid (…)"
            self.error.show()
            return
        if self.edit_only and not self.title.text().strip():
            self.error.setText("A recording needs a title.")
            self.error.show()
            return
        super().accept()

    def meta(self) -> ImportMeta:
        return ImportMeta(
            title=self.title.text().strip() or None,
            body=self.body.text().strip() or None,
            date=self.date.text().strip() or None,
            kind=self.kind.currentData() or "meeting",
        )

    def prompt(self) -> Optional[str]:
        text = " ".join(self.vocabulary.toPlainText().split())
        return text or None
