"""The player: QMediaPlayer + QAudioOutput with play/pause, a seek slider, ±5 s and speed.

Video files play their sound only (no video output is attached). A seek asked for
before the media has loaded is kept and applied as soon as it has.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSlider, QStyle, QToolButton, QWidget

from transcription.formats import hms

SKIP_SECONDS = 5.0
SPEEDS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
_READY = (
    QMediaPlayer.MediaStatus.LoadedMedia,
    QMediaPlayer.MediaStatus.BufferingMedia,
    QMediaPlayer.MediaStatus.BufferedMedia,
    QMediaPlayer.MediaStatus.EndOfMedia,
)


class PlayerWidget(QWidget):
    position_changed = Signal(float)  # seconds, as playback moves or after a seek
    error = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.player = QMediaPlayer(self)
        self.audio = QAudioOutput(self)
        self.player.setAudioOutput(self.audio)
        self.path: Optional[Path] = None
        self._pending_ms: Optional[int] = None
        self._dragging = False

        style = self.style()
        self.back = QToolButton()
        self.back.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MediaSeekBackward))
        self.back.setToolTip("Back 5 seconds (Left)")
        self.play_button = QToolButton()
        self.play_button.setObjectName("playButton")
        self.play_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay))
        self.play_button.setToolTip("Play / pause (Space)")
        self.forward = QToolButton()
        self.forward.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MediaSeekForward))
        self.forward.setToolTip("Forward 5 seconds (Right)")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 0)
        self.slider.setToolTip("Seek")
        self.time = QLabel("00:00:00 / 00:00:00")
        self.time.setObjectName("playerTime")
        self.speed = QComboBox()
        for s in SPEEDS:
            self.speed.addItem(f"{s:g}×", s)
        self.speed.setCurrentIndex(SPEEDS.index(1.0))
        self.speed.setToolTip("Playback speed")

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for w in (self.back, self.play_button, self.forward):
            layout.addWidget(w)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.time)
        layout.addWidget(self.speed)

        self.back.clicked.connect(lambda: self.skip(-SKIP_SECONDS))
        self.forward.clicked.connect(lambda: self.skip(SKIP_SECONDS))
        self.play_button.clicked.connect(self.toggle)
        self.speed.currentIndexChanged.connect(lambda _: self.player.setPlaybackRate(float(self.speed.currentData())))
        self.slider.sliderPressed.connect(self._drag_start)
        self.slider.sliderReleased.connect(self._drag_end)
        self.slider.sliderMoved.connect(lambda ms: self._show_time(ms))
        self.slider.actionTriggered.connect(self._slider_action)
        self.player.positionChanged.connect(self._on_position)
        self.player.durationChanged.connect(self._on_duration)
        self.player.playbackStateChanged.connect(self._on_state)
        self.player.mediaStatusChanged.connect(self._on_status)
        self.player.errorOccurred.connect(lambda _e, msg: self.error.emit(msg))
        self.set_enabled(False)

    # --- commands ---------------------------------------------------------------------
    def load(self, path: Optional[Path]) -> None:
        """Open a media file (paused at 0); None empties the player."""
        if path is not None and self.path == Path(path):
            return
        self.player.stop()
        self._pending_ms = None
        self.path = Path(path) if path is not None else None
        self.player.setSource(QUrl.fromLocalFile(str(path)) if path is not None else QUrl())
        self.set_enabled(path is not None)
        self._show_time(0)

    def set_enabled(self, enabled: bool) -> None:
        for w in (self.back, self.play_button, self.forward, self.slider, self.speed):
            w.setEnabled(enabled)

    def seek(self, seconds: float) -> None:
        ms = max(0, int(round(seconds * 1000)))
        if self.player.duration() > 0:
            ms = min(ms, self.player.duration())
        if self.player.mediaStatus() in _READY:
            self.player.setPosition(ms)
        else:
            self._pending_ms = ms
        self._show_time(ms)
        self.position_changed.emit(ms / 1000.0)

    def play_from(self, seconds: float) -> None:
        self.seek(seconds)
        self.play()

    def play(self) -> None:
        if self.path is not None:
            self.player.play()

    def pause(self) -> None:
        self.player.pause()

    def toggle(self) -> None:
        if self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
            self.pause()
        else:
            self.play()

    def skip(self, delta: float) -> None:
        if self.path is not None:
            self.seek(self.seconds() + delta)

    def seconds(self) -> float:
        if self._pending_ms is not None:
            return self._pending_ms / 1000.0
        return self.player.position() / 1000.0

    def is_playing(self) -> bool:
        return self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState

    # --- player feedback --------------------------------------------------------------
    def _on_status(self, status) -> None:
        if status in _READY and self._pending_ms is not None:
            ms, self._pending_ms = self._pending_ms, None
            self.player.setPosition(ms)

    def _on_position(self, ms: int) -> None:
        if self._pending_ms is not None:
            return  # still loading; the wanted position is applied once it has loaded
        if not self._dragging:
            self.slider.setValue(ms)
            self._show_time(ms)
        self.position_changed.emit(ms / 1000.0)

    def _on_duration(self, ms: int) -> None:
        self.slider.setRange(0, max(0, ms))
        self.slider.setPageStep(max(1000, ms // 20))
        self._show_time(self.player.position())

    def _on_state(self, state) -> None:
        icon = QStyle.StandardPixmap.SP_MediaPause if state == QMediaPlayer.PlaybackState.PlayingState else QStyle.StandardPixmap.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(icon))

    def _show_time(self, ms: int) -> None:
        self.time.setText(f"{hms(ms / 1000.0)} / {hms(max(0, self.player.duration()) / 1000.0)}")

    def _drag_start(self) -> None:
        self._dragging = True

    def _drag_end(self) -> None:
        self._dragging = False
        self.seek(self.slider.value() / 1000.0)

    def _slider_action(self, action) -> None:
        # clicks on the groove and keyboard steps: seek to where the slider went
        if not self._dragging and action != QSlider.SliderAction.SliderMove:
            self.seek(self.slider.sliderPosition() / 1000.0)
