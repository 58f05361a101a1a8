"""The import queue panel: one row per file with its stage, a progress bar, where it runs
("this computer", or the Ray cluster's nodes: ``ImportEvent.where``), ETA and Cancel.

Passive: Cancel emits ``cancel_requested(job_id)``, Resume on a cancelled or failed row
``resume_requested(key)``; the window's import actions decide. A batch (the rows since the
queue was last idle) ends with one summary line, "2 of 3 imported, 1 failed", also emitted
as ``batch_finished(text)``. Failed and cancelled rows keep their own look until dismissed;
when idle with nothing left to look at, the panel collapses to its summary line, and it opens
again as soon as a file is queued.
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
NEEDS_LOOK = (Outcome.FAILED, Outcome.CANCELLED)  # kept in view until dismissed; Resume offered
BUSY = (PROBING, STORING, Status.DIARIZING, Status.INDEXING)  # no measurable progress: a busy bar
WORK = (Status.TRANSCRIBING, Status.DIARIZING)  # the stages a cluster does; the row says where
THIS_COMPUTER = "this computer"
STAGE_TEXT = {
    Status.QUEUED: "Waiting",
    PROBING: "Checking the file",
    STORING: "Copying into the archive",
    Status.TRANSCRIBING: "Transcribing",
    Status.DIARIZING: "Finding speakers",
    Status.INDEXING: "Indexing",
    Outcome.INDEXED: "Indexed ✓",
    Outcome.DUPLICATE: "Already in the archive",
    Outcome.FAILED: "Failed",
    Outcome.CANCELLED: "Cancelled",
    Outcome.STOPPED: "Stopped: resumes next time",
}
MAX_HEIGHT = 16777215  # QWIDGETSIZE_MAX


def eta_text(seconds: float) -> str:
    if seconds < 60:
        return "less than a minute left"
    minutes = int(round(seconds / 60))
    if minutes < 60:
        return f"about {minutes} min left"
    return f"about {minutes // 60} h {minutes % 60:02d} min left"


def outcome_color(stage: str, dark: bool) -> Optional[str]:
    """The text colour of a failed or cancelled row (and library cell): red, grey; AA on the
    palette's base colour."""
    if stage == Outcome.FAILED:
        return "#ff8a80" if dark else "#b00020"
    if stage == Outcome.CANCELLED:
        return "#bdbdbd" if dark else "#595959"
    return None


def is_dark(widget: QWidget) -> bool:
    return widget.palette().base().color().lightnessF() < 0.5


def row_message(stage: str, message: Optional[str], path: Optional[str]) -> str:
    """A row's status line: the stage, then the archive's message without what the row already
    shows (the file's own path, or the stage said again)."""
    text = STAGE_TEXT.get(stage, stage.capitalize())
    if not message:
        return text
    if path and message.startswith(f"{path}: "):
        message = message[len(path) + 2:]
    if message.lower().startswith(text.lower()):
        return message[0].upper() + message[1:]
    return f"{text}: {message}"


class QueueRow(QWidget):
    cancel_clicked = Signal()
    resume_clicked = Signal()
    dismiss_clicked = Signal()

    def __init__(self, label: str, parent=None):
        super().__init__(parent)
        self.stage: str = Status.QUEUED
        self.path: Optional[str] = None  # the file, once an event named it
        self.recording_id: Optional[int] = None  # its recording, once it has one
        self._t0: Optional[float] = None
        self._p0 = 0.0
        self.name = QLabel(label)
        self.name.setMinimumWidth(120)
        self.name.setMaximumWidth(320)
        self.name.setToolTip(label)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setValue(0)
        self.bar.setTextVisible(False)
        self.bar.setMaximumHeight(14)
        self.where = QLabel("")  # where it is transcribed, from its first TRANSCRIBING event on
        self.where.setAccessibleName("Where it runs")
        self.status = QLabel(STAGE_TEXT[Status.QUEUED])
        self.status.setMinimumWidth(200)
        self.cancel = QToolButton()
        self.cancel.setText("Cancel")
        self.cancel.setToolTip("Stop this import. In its first seconds nothing is kept; later, what was "
                               "transcribed is kept and Resume continues it (you are asked first).")
        self.cancel.clicked.connect(self.cancel_clicked)
        self.resume = QToolButton()
        self.resume.setText("Resume")
        self.resume.clicked.connect(self.resume_clicked)
        self.resume.hide()
        self.dismiss = QToolButton()
        self.dismiss.setText("✕")
        self.dismiss.setAccessibleName("Dismiss")
        self.dismiss.setToolTip("Dismiss this row")
        self.dismiss.clicked.connect(self.dismiss_clicked)
        self.dismiss.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 1, 4, 1)
        layout.addWidget(self.name)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.where)
        layout.addWidget(self.status, 1)
        layout.addWidget(self.cancel)
        layout.addWidget(self.resume)
        layout.addWidget(self.dismiss)

    def update_stage(self, stage: str, progress: float = 0.0, message: Optional[str] = None,
                     where: Optional[str] = None) -> None:
        """``where``: the cluster nodes doing this stage (None: this computer)."""
        self.stage = stage
        if stage in WORK:  # kept once the work is done: where it was transcribed
            self.where.setText(where or THIS_COMPUTER)
            self.where.setToolTip(f"{'Finding speakers' if stage == Status.DIARIZING else 'Transcribing'} on "
                                  + (f"the Ray cluster: {where}" if where else THIS_COMPUTER))
        self.bar.setRange(0, 0 if stage in BUSY else 1000)  # 0..0: a busy bar
        text = row_message(stage, message if stage in FINAL or stage == Status.QUEUED else None, self.path)
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
        final = stage in FINAL
        self.bar.setVisible(stage not in NEEDS_LOOK and stage != Outcome.STOPPED)  # no leftover part-filled bar
        self.cancel.setVisible(not final)
        self.resume.setVisible(stage in NEEDS_LOOK)
        self.resume.setToolTip("Continue from where it was cancelled" if stage == Outcome.CANCELLED
                               else "Import this file again")
        self.dismiss.setVisible(final)
        color = outcome_color(stage, is_dark(self))
        self.status.setStyleSheet(f"color: {color}; font-weight: bold;" if stage == Outcome.FAILED
                                  else f"color: {color};" if color else "")
        self.status.setText(text)
        self.status.setToolTip(message or "")


class ImportQueuePanel(QWidget):
    cancel_requested = Signal(int)  # job id
    resume_requested = Signal(object)  # a row's key
    batch_finished = Signal(str)  # the batch's summary, "2 of 3 imported, 1 failed"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: dict = {}  # key -> QueueRow
        self._jobs: dict = {}  # key -> job id
        self._batch: dict = {}  # key -> final stage, of the rows since the queue was last idle
        self.collapsed = False
        self.summary = QLabel("No imports running")
        self.summary.setWordWrap(False)
        self.toggle = QToolButton()
        self.toggle.clicked.connect(lambda: self.set_collapsed(not self.collapsed))
        self.clear_button = QPushButton("Clear finished")
        self.clear_button.clicked.connect(self.clear_finished)
        self._header = header = QHBoxLayout()
        header.addWidget(self.summary, 1)
        header.addWidget(self.toggle)
        header.addWidget(self.clear_button)
        self.list = QWidget()
        self.list_layout = QVBoxLayout(self.list)
        self.list_layout.setContentsMargins(0, 0, 0, 0)
        self.list_layout.setSpacing(0)
        self.list_layout.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self.list)
        self.scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.addLayout(header)
        layout.addWidget(self.scroll, 1)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.set_collapsed(False)

    # --- rows -------------------------------------------------------------------------
    def row(self, key, job_id: int, label: str) -> QueueRow:
        row = self.rows.get(key)
        if row is None:
            if not self.active_count():
                self._batch = {}  # a new batch begins
            row = QueueRow(label)
            row.cancel_clicked.connect(lambda jid=job_id: self.cancel_requested.emit(jid))
            row.resume_clicked.connect(lambda k=key: self.resume_requested.emit(k))
            row.dismiss_clicked.connect(lambda k=key: self.dismiss(k))
            self.list_layout.insertWidget(self.list_layout.count() - 1, row)
            self.rows[key] = row
            self._jobs[key] = job_id
            self._batch[key] = None
            self.set_collapsed(False)  # activity: open again
        return row

    def update_row(self, key, job_id: int, label: str, stage: str, progress: float = 0.0,
                   message: Optional[str] = None, path: Optional[str] = None,
                   recording_id: Optional[int] = None, where: Optional[str] = None) -> QueueRow:
        row = self.row(key, job_id, label)
        row.path = path or row.path
        row.recording_id = recording_id if recording_id is not None else row.recording_id
        was_active = self.active_count()
        row.update_stage(stage, progress, message, where)
        self._ended(key, stage, was_active)
        return row

    def finish_job(self, job_id: int, stage: str, message: Optional[str] = None) -> None:
        """Close every row of a job that has not reached a final stage yet."""
        was_active = self.active_count()
        for key, jid in list(self._jobs.items()):
            row = self.rows.get(key)
            if jid == job_id and row is not None and row.stage not in FINAL:
                row.update_stage(stage, 1.0 if stage == Outcome.INDEXED else 0.0, message)
                self._batch[key] = stage
        self._ended(None, None, was_active)

    def job_of(self, key) -> Optional[int]:
        return self._jobs.get(key)

    def dismiss(self, key) -> None:
        row = self.rows.pop(key, None)
        self._jobs.pop(key, None)
        if row is not None:
            row.setParent(None)
            row.deleteLater()
        self._update_summary()
        if not self.active_count() and not self.needs_look():
            self.set_collapsed(True)

    def clear_finished(self) -> None:
        for key in [k for k, r in self.rows.items() if r.stage in FINAL]:
            self.dismiss(key)

    def active_count(self) -> int:
        return sum(r.stage not in FINAL for r in self.rows.values())

    def needs_look(self) -> list:
        """The failed and cancelled rows still shown."""
        return [r for r in self.rows.values() if r.stage in NEEDS_LOOK]

    # --- the summary line and collapsing ---------------------------------------------
    def _ended(self, key, stage, was_active: int) -> None:
        if key is not None and stage in FINAL:
            self._batch[key] = stage
        self._update_summary()
        if was_active and not self.active_count():
            self.batch_finished.emit(self.summary.text())
            if not self.needs_look():
                self.set_collapsed(True)

    def batch_summary(self) -> str:
        stages = [s for s in self._batch.values() if s is not None]
        count = {o: stages.count(o) for o in Outcome}
        text = f"{count[Outcome.INDEXED]} of {len(stages)} imported"
        for outcome, words in ((Outcome.FAILED, "failed"), (Outcome.CANCELLED, "cancelled"),
                               (Outcome.DUPLICATE, "already in the archive"), (Outcome.STOPPED, "stopped")):
            if count[outcome]:
                text += f", {count[outcome]} {words}"
        return text + "."

    def _update_summary(self) -> None:
        active = self.active_count()
        if active:
            self.summary.setText(f"Importing: {active} file{'s' if active != 1 else ''} to go. "
                                 "You can keep searching meanwhile.")
        elif any(s is not None for s in self._batch.values()):
            self.summary.setText(self.batch_summary())
        else:
            self.summary.setText("No imports running")
        failed = self.needs_look() and any(r.stage == Outcome.FAILED for r in self.rows.values())
        color = outcome_color(Outcome.FAILED, is_dark(self)) if failed and not active else None
        self.summary.setStyleSheet(f"color: {color}; font-weight: bold;" if color else "")

    def set_collapsed(self, collapsed: bool) -> None:
        """Collapsed: only the summary line shows (the dock takes one line)."""
        self.collapsed = collapsed
        self.scroll.setVisible(not collapsed)
        self.toggle.setText("Show files" if collapsed else "Hide files")
        self.toggle.setEnabled(bool(self.rows) or not collapsed)
        margins = self.layout().contentsMargins()
        self.setMaximumHeight(self._header.sizeHint().height() + margins.top() + margins.bottom() if collapsed
                              else MAX_HEIGHT)


def short_name(path: str) -> str:
    return Path(path).name or path
