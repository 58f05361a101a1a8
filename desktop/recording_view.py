"""One recording: its title and details, the player, and the transcript that follows it
(while "Follow playback" is on: scrolling the transcript turns it off, one click on it back on)."""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QComboBox, QLabel, QSplitter, QStackedWidget, QVBoxLayout, QWidget

from archive.status import Status
from desktop.palette import current
from desktop.player import PlayerWidget
from desktop.chapter_panel import ChapterPanel
from desktop.speaker_panel import SpeakerPanel
from desktop.transcript_view import TranscriptView
from transcription.formats import hms


class RecordingView(QWidget):
    """Passive: the window loads a recording into it and wires its signals."""

    version_chosen = Signal(int)  # a transcript version to make current (desktop.retranscribe_actions)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.recording_id: Optional[int] = None
        self.title = QLabel()
        self.title.setObjectName("recordingTitle")
        f = self.title.font()
        f.setPointSizeF(f.pointSizeF() * 1.35)
        f.setBold(True)
        self.title.setFont(f)
        self.title.setWordWrap(True)
        self.details = QLabel()
        self.details.setObjectName("recordingDetails")
        self.details.setWordWrap(True)
        self.player = PlayerWidget()
        self.transcript = TranscriptView()
        self.speakers = SpeakerPanel()
        self.chapters = ChapterPanel()
        self.legend = QLabel()
        self.legend.setObjectName("transcriptLegend")
        self.legend.setWordWrap(True)
        lf = self.legend.font()
        lf.setPointSizeF(max(7.0, lf.pointSizeF() * 0.9))
        self.legend.setFont(lf)
        self.player.follow_changed.connect(self.transcript.set_follow)
        self.transcript.follow_changed.connect(self.player.set_follow)
        self.transcript.play_pause_requested.connect(self.player.toggle)

        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.title)
        layout.addWidget(self.details)
        self.versions = QComboBox()  # the transcript's versions (shown once there are two)
        self.versions.setObjectName("transcriptVersions")
        self.versions.setToolTip("Transcript versions: choose an earlier one to make it current again")
        self.versions.activated.connect(self._version_activated)
        self.versions.hide()
        self._current_version: Optional[int] = None
        layout.addWidget(self.versions, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.player)
        self.body = QSplitter(Qt.Orientation.Vertical)
        self.body.addWidget(self.speakers)
        self.body.addWidget(self.chapters.beside(self.transcript))  # chapters to its left, the one playing above
        self.body.setStretchFactor(1, 1)
        self.body.setChildrenCollapsible(False)
        self.body.splitterMoved.connect(self._sized_by_hand)
        self._hand_sized = False  # the person dragged the handle: keep their split
        layout.addWidget(self.body, 1)
        layout.addWidget(self.legend)

        self.placeholder = QLabel()
        self.set_placeholder(False)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.placeholder)
        self.stack.addWidget(page)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)
        self.restyle()

    def restyle(self) -> None:
        """Take the colours of the scheme in use (desktop.palette), here and in the transcript."""
        scheme = current()
        for label in (self.legend, self.placeholder):  # secondary text, readable (not greyed out)
            pal = label.palette()
            pal.setColor(QPalette.ColorRole.WindowText, scheme.color("hint"))
            label.setPalette(pal)
        self.legend.setText(
            "Click a word to hear it · Enter plays a passage · double-click a passage to correct it · "
            "click a name to rename the voice · "
            f"<span style='color:{scheme.uncertain}'>orange, dotted</span> = Whisper was unsure"
        )
        self.transcript.restyle()
        self.speakers.view.viewport().update()  # voice colours
        self.player.slider.update()

    def set_placeholder(self, archive_empty: bool) -> None:
        if archive_empty:
            text = "Drop audio or video files anywhere on this window<br>to import them into the archive."
        else:
            text = "Pick a search hit or a recording in the Library<br>to hear it here, with its transcript."
        self.placeholder.setText(f"<p style='font-size:large'>{text}</p>")

    def show_recording(self, transcript, media_path, keep_view: bool = False) -> None:
        """Show a views.Transcript; ``media_path`` None when the file is missing;
        ``keep_view``: a newer transcript of the recording shown (keeps mark and scroll)."""
        rec = transcript.recording
        self.recording_id = rec.id
        self.title.setText(rec.title)
        parts = [rec.body, rec.date, (rec.kind or "").capitalize(), hms(rec.duration) if rec.duration else None,
                 f"language: {rec.language}" if rec.language else None]  # the spoken language Whisper heard
        details = " · ".join(p for p in parts if p)
        if not transcript.complete:
            details += " · transcribing…" if rec.status != Status.FAILED else " · import failed"
        if media_path is None:
            details += " · media file missing: the transcript is still searchable"
        if rec.note:  # e.g. "hard audio: much of this transcript is uncertain"
            details += f" · {rec.note}"
        self.details.setText(details)
        if keep_view:
            self.transcript.reload(transcript)
        else:
            self.transcript.set_transcript(transcript)
        self.player.load(media_path)  # no-op when it is already loaded
        self.stack.setCurrentIndex(1)

    def set_versions(self, rows) -> None:
        """The recording's finished transcript versions: ``(number, label, current)``."""
        self.versions.blockSignals(True)
        self.versions.clear()
        for number, label, current in rows:
            self.versions.addItem(label, number)
            if current:
                self.versions.setCurrentIndex(self.versions.count() - 1)
        self.versions.blockSignals(False)
        self._current_version = next((n for n, _label, current in rows if current), None)
        self.versions.setVisible(len(rows) > 1)

    def _version_activated(self, index: int) -> None:
        number = self.versions.itemData(index)
        if number is not None and number != self._current_version:
            self.version_chosen.emit(int(number))

    def set_speakers(self, rows) -> None:
        """The speaker table of the recording shown (archive.views.speaker_table)."""
        before = self.speakers.model.rowCount()
        self.speakers.set_voices(rows)
        if len(rows) != before:
            self._fit_speakers()

    def _fit_speakers(self) -> None:
        """The panel takes the height of up to four voices, at most 40 % of the space
        it shares with the transcript, unless the person set the split."""
        total = sum(self.body.sizes())
        if self._hand_sized or total <= 0:
            return
        want = min(self.speakers.preferred_height(), int(total * 0.4), self.speakers.maximumHeight())
        self.body.setSizes([want, max(1, total - want)])

    def _sized_by_hand(self, _pos: int, _index: int) -> None:
        self._hand_sized = True

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_speakers()

    def clear(self) -> None:
        self.recording_id = None
        self.set_speakers([])
        self.set_versions([])
        self.player.load(None)
        self.transcript.set_transcript(None)
        self.stack.setCurrentIndex(0)
