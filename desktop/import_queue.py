"""The import queue panel: one row per file with its stage, a progress bar, ETA and Cancel.

Passive: Cancel emits ``cancel_requested(job_id)``; the window tells the controller.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from archive.status import PROBING, STORING, Outcome, Status

# an ImportEvent's stage: PROBING and STORING, a recording Status on the way, an Outcome at the end
# (from archive.status, which is light: the window does not load the importer at start-up)
FINAL = frozenset(Outcome)
BUSY = (PROBING, STORING, Status.INDEXING)  # no measurable progress: a busy bar
STAGE_TEXT = {
    Status.QUEUED: "Waiting",
    PROBING: "Checking the file",
    STORING: "Copying into the archive",
    Status.TRANSCRIBING: "Transcribing",
    Status.INDEXING: "Indexing",
    Outcome.INDEXED: "Indexed ✓",
    Outcome.DUPLICATE: "Already in the archive",
    Outcome.FAILED: "Failed",
    Outcome.CANCELLED: "Cancelled",
    Outcome.STOPPED: "Stopped: resumes next time",
}


def eta_text(seconds: float) -> str:
    if seconds < 60:
        return "less than a minute left"
    minutes = int(round(seconds / 60))
    if minutes < 60:
        return f"about {minutes} min left"
    return f"about {minutes // 60} h {minutes % 60:02d} min left"


class QueueRow(QWidget):
    cancel_clicked = Signal()

    def __init__(self, label: str, parent=None):
        super().__init__(parent)
        self.stage: str = Status.QUEUED
        self._t0: Optional[float] = None
        self._p0 = 0.0
        self.name = QLabel(label)
        self.name.setMinimumWidth(160)
        self.name.setMaximumWidth(320)
        self.name.setToolTip(label)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setValue(0)
        self.bar.setTextVisible(False)
        self.bar.setMaximumHeight(14)
        self.status = QLabel(STAGE_TEXT[Status.QUEUED])
        self.status.setMinimumWidth(230)
        self.cancel = QToolButton()
        self.cancel.setText("Cancel")
        self.cancel.setToolTip("Stop this import and leave nothing of it in the archive")
        self.cancel.clicked.connect(self.cancel_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 1, 4, 1)
        layout.addWidget(self.name)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.cancel)

    def update_stage(self, stage: str, progress: float = 0.0, message: Optional[str] = None) -> None:
        self.stage = stage
        text = STAGE_TEXT.get(stage, stage.capitalize())
        if stage in BUSY:
            self.bar.setRange(0, 0)  # busy
        else:
            self.bar.setRange(0, 1000)
        if stage == Status.TRANSCRIBING:
            now = time.monotonic()
            if self._t0 is None:
                self._t0, self._p0 = now, progress
            self.bar.setValue(int(progress * 1000))
            text = f"Transcribing {int(progress * 100)}%"
            done = progress - self._p0
            if done > 0.01 and now - self._t0 > 1.0:
                text += f" · {eta_text((now - self._t0) * (1.0 - progress) / done)}"
        elif stage in (Outcome.INDEXED, Outcome.DUPLICATE):
            self.bar.setValue(1000)
        if stage in FINAL:
            self.cancel.setEnabled(False)
            if message:
                text += f": {message}"
        self.status.setText(text)
        self.status.setToolTip(message or "")


class ImportQueuePanel(QWidget):
    cancel_requested = Signal(int)  # job id

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: dict = {}  # key -> QueueRow
        self._jobs: dict = {}  # key -> job id
        self.summary = QLabel("No imports running")
        self.clear_button = QPushButton("Clear finished")
        self.clear_button.clicked.connect(self.clear_finished)
        header = QHBoxLayout()
        header.addWidget(self.summary, 1)
        header.addWidget(self.clear_button)
        self.list = QWidget()
        self.list_layout = QVBoxLayout(self.list)
        self.list_layout.setContentsMargins(0, 0, 0, 0)
        self.list_layout.setSpacing(0)
        self.list_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.list)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.addLayout(header)
        layout.addWidget(scroll, 1)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def row(self, key, job_id: int, label: str) -> QueueRow:
        row = self.rows.get(key)
        if row is None:
            row = QueueRow(label)
            row.cancel_clicked.connect(lambda jid=job_id: self.cancel_requested.emit(jid))
            self.list_layout.insertWidget(self.list_layout.count() - 1, row)
            self.rows[key] = row
            self._jobs[key] = job_id
        self._update_summary()
        return row

    def update_row(self, key, job_id: int, label: str, stage: str, progress: float = 0.0,
                   message: Optional[str] = None) -> QueueRow:
        row = self.row(key, job_id, label)
        row.update_stage(stage, progress, message)
        self._update_summary()
        return row

    def finish_job(self, job_id: int, stage: str, message: Optional[str] = None) -> None:
        """Close every row of a job that has not reached a final stage yet."""
        for key, jid in self._jobs.items():
            row = self.rows.get(key)
            if jid == job_id and row is not None and row.stage not in FINAL:
                row.update_stage(stage, 1.0 if stage == Outcome.INDEXED else 0.0, message)
        self._update_summary()

    def clear_finished(self) -> None:
        for key in [k for k, r in self.rows.items() if r.stage in FINAL]:
            row = self.rows.pop(key)
            self._jobs.pop(key, None)
            row.setParent(None)
            row.deleteLater()
        self._update_summary()

    def active_count(self) -> int:
        return sum(r.stage not in FINAL for r in self.rows.values())

    def _update_summary(self) -> None:
        active = self.active_count()
        if active:
            self.summary.setText(f"Importing: {active} file{'s' if active != 1 else ''} to go. "
                                 "You can keep searching meanwhile.")
        elif self.rows:
            self.summary.setText("Imports finished.")
        else:
            self.summary.setText("No imports running")


def short_name(path: str) -> str:
    return Path(path).name or path
