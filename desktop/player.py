"""The player: QMediaPlayer + QAudioOutput with play/pause, a timeline, ±5 s, speed, and the
"Follow playback" toggle the transcript obeys.

The timeline seeks to where it is clicked (not by page steps), can be dragged, and shows a
focus ring in the scheme's focus colour (desktop.palette). Space on it plays or pauses.

Video files play their sound only (no video output is attached). A seek asked for
before the media has loaded is kept and applied as soon as it has.

The QMediaPlayer and its QAudioOutput are made by C++ (a two-line QML component), not
by Python, and only when the first recording is opened. Why C++: the FFmpeg backend
tears its renderers down on its own threads, and disconnecting them from a
Python-made player calls into PySide's wrapper, which needs the GIL; if the GUI thread
holds the GIL inside a player call (stop, setSource) at that moment, both wait forever.
A C++-made player has no Python wrapper class, so its threads never need the GIL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from PySide6.QtCore import QObject, QRectF, Qt, QUrl, Signal
from PySide6.QtGui import QAction, QKeySequence, QPainter, QPen
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QSlider, QStyle, QStyleOptionSlider, QToolButton,
                               QWidget)

from desktop.palette import current
from transcription.formats import hms

SKIP_SECONDS = 5.0
SPEEDS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
_READY = (
    QMediaPlayer.MediaStatus.LoadedMedia,
    QMediaPlayer.MediaStatus.BufferingMedia,
    QMediaPlayer.MediaStatus.BufferedMedia,
    QMediaPlayer.MediaStatus.EndOfMedia,
)


_PLAYER_QML = b"import QtMultimedia\nMediaPlayer { audioOutput: AudioOutput {} }"


def create_media_player(parent: QObject) -> QMediaPlayer:
    """A QMediaPlayer with a QAudioOutput, both created on the C++ side (see the module doc)."""
    from PySide6.QtQml import QQmlComponent, QQmlEngine

    engine = QQmlEngine()
    component = QQmlComponent(engine)
    component.setData(_PLAYER_QML, QUrl())
    player = component.create()
    if not isinstance(player, QMediaPlayer):  # no QtMultimedia QML plugin: a Python-made one still plays
        engine.deleteLater()
        player = QMediaPlayer()
        player.setAudioOutput(QAudioOutput(player))
    else:
        engine.setParent(player)
    player.setParent(parent)
    return player


class Timeline(QSlider):
    """A horizontal slider that jumps to the click (then drags from there), with a visible
    focus ring."""

    MIN_WIDTH = 120

    def __init__(self, parent=None):
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setMinimumWidth(self.MIN_WIDTH)
        self.setAccessibleName("Timeline")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)  # the tooltip tells the time under the pointer

    def value_at(self, x: float) -> int:
        """The value under horizontal position ``x`` (widget coordinates)."""
        opt = QStyleOptionSlider()
        self.initStyleOption(opt)
        style = self.style()
        groove = style.subControlRect(QStyle.ComplexControl.CC_Slider, opt, QStyle.SubControl.SC_SliderGroove, self)
        handle = style.subControlRect(QStyle.ComplexControl.CC_Slider, opt, QStyle.SubControl.SC_SliderHandle, self)
        span = max(1, groove.width() - handle.width())
        offset = round(x - groove.left() - handle.width() / 2)
        return QStyle.sliderValueFromPosition(self.minimum(), self.maximum(), max(0, min(span, offset)), span,
                                              opt.upsideDown)

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.maximum() > self.minimum():
            opt = QStyleOptionSlider()
            self.initStyleOption(opt)
            hit = self.style().hitTestComplexControl(QStyle.ComplexControl.CC_Slider, opt, event.position().toPoint(), self)
            if hit != QStyle.SubControl.SC_SliderHandle:
                # move the handle under the pointer; the press below then grabs it (a drag)
                # and the release seeks there, instead of the style's page step
                self.setSliderPosition(self.value_at(event.position().x()))
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self.maximum() > self.minimum():
            at = hms(self.value_at(event.position().x()) / 1000.0)
            self.setToolTip(f"{at}: click to play from here, drag to scrub; Space plays or pauses")
        super().mouseMoveEvent(event)

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self.hasFocus():
            painter = QPainter(self)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(QPen(current().color("focus"), 2))
            painter.drawRoundedRect(QRectF(self.rect()).adjusted(1, 1, -1, -1), 4, 4)
            painter.end()


class PlayerWidget(QWidget):
    position_changed = Signal(float)  # seconds, as playback moves or after a seek
    error = Signal(str)
    follow_changed = Signal(bool)  # the "Follow playback" toggle, clicked

    def __init__(self, parent=None):
        super().__init__(parent)
        self._player: Optional[QMediaPlayer] = None  # made on first use
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
        self.play_button.setToolTip("Play / pause (Ctrl+Space; Space in the transcript and on the timeline)")
        self.forward = QToolButton()
        self.forward.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MediaSeekForward))
        self.forward.setToolTip("Forward 5 seconds (Right)")
        self.slider = Timeline()
        self.slider.setObjectName("timeline")
        self.slider.setRange(0, 0)
        self.slider.setToolTip("Click or drag to seek; Space plays or pauses")
        self.space_action = QAction("Play / pause", self.slider)
        self.space_action.setShortcut(QKeySequence(Qt.Key.Key_Space))
        self.space_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.space_action.triggered.connect(self.toggle)
        self.slider.addAction(self.space_action)
        self.time = QLabel("00:00:00 / 00:00:00")
        self.time.setObjectName("playerTime")
        self.speed = QComboBox()
        for s in SPEEDS:
            self.speed.addItem(f"{s:g}×", s)
        self.speed.setCurrentIndex(SPEEDS.index(1.0))
        self.speed.setToolTip("Playback speed")
        self.follow_button = QToolButton()
        self.follow_button.setObjectName("followPlayback")
        self.follow_button.setText("Follow")
        self.follow_button.setCheckable(True)
        self.follow_button.setChecked(True)
        self.follow_button.setToolTip("Follow playback: the transcript scrolls along with what is playing.\n"
                                      "Scrolling the transcript turns it off; click to turn it back on.")
        self.follow_button.clicked.connect(self.follow_changed)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for w in (self.back, self.play_button, self.forward):
            layout.addWidget(w)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.time)
        layout.addWidget(self.speed)
        layout.addWidget(self.follow_button)

        self.back.clicked.connect(lambda: self.skip(-SKIP_SECONDS))
        self.forward.clicked.connect(lambda: self.skip(SKIP_SECONDS))
        self.play_button.clicked.connect(self.toggle)
        self.slider.sliderPressed.connect(self._drag_start)
        self.slider.sliderReleased.connect(self._drag_end)
        self.slider.sliderMoved.connect(lambda ms: self._show_time(ms))
        self.slider.actionTriggered.connect(self._slider_action)
        self.speed.currentIndexChanged.connect(self._apply_speed)
        self.set_enabled(False)

    def set_follow(self, follow: bool) -> None:
        """Show whether the transcript follows playback (it may turn off by itself)."""
        self.follow_button.setChecked(follow)

    @property
    def player(self) -> QMediaPlayer:
        if self._player is None:
            player = create_media_player(self)
            player.positionChanged.connect(self._on_position)
            player.durationChanged.connect(self._on_duration)
            player.playbackStateChanged.connect(self._on_state)
            player.mediaStatusChanged.connect(self._on_status)
            player.errorOccurred.connect(lambda _e, msg: self.error.emit(msg))
            self._player = player
        return self._player

    def _apply_speed(self, *_) -> None:
        if self._player is not None:
            self._player.setPlaybackRate(float(self.speed.currentData()))

    # --- commands ---------------------------------------------------------------------
    def load(self, path: Optional[Path]) -> None:
        """Open a media file (paused at 0); None empties the player."""
        if path is not None and self.path == Path(path):
            return
        if path is None and self._player is None:
            self.path = None
            self.set_enabled(False)
            return
        player = self.player
        player.stop()
        self._pending_ms = None
        self.path = Path(path) if path is not None else None
        player.setSource(QUrl.fromLocalFile(str(path)) if path is not None else QUrl())
        self._apply_speed()
        self.set_enabled(path is not None)
        self._show_time(0)

    def set_enabled(self, enabled: bool) -> None:
        for w in (self.back, self.play_button, self.forward, self.slider, self.speed):
            w.setEnabled(enabled)

    def seek(self, seconds: float) -> None:
        if self._player is None:
            return  # nothing loaded
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
        if self._player is not None:
            self._player.pause()

    def stop(self) -> None:
        if self._player is not None:
            self._player.stop()

    def toggle(self) -> None:
        if self.is_playing():
            self.pause()
        else:
            self.play()

    def skip(self, delta: float) -> None:
        if self.path is not None:
            self.seek(self.seconds() + delta)

    def seconds(self) -> float:
        if self._pending_ms is not None:
            return self._pending_ms / 1000.0
        return self._player.position() / 1000.0 if self._player is not None else 0.0

    def is_playing(self) -> bool:
        return self._player is not None and self._player.playbackState() == QMediaPlayer.PlaybackState.PlayingState

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
        self._show_time(self._player.position() if self._player is not None else 0)

    def _on_state(self, state) -> None:
        icon = QStyle.StandardPixmap.SP_MediaPause if state == QMediaPlayer.PlaybackState.PlayingState else QStyle.StandardPixmap.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(icon))

    def _show_time(self, ms: int) -> None:
        total = self._player.duration() if self._player is not None else 0
        self.time.setText(f"{hms(ms / 1000.0)} / {hms(max(0, total) / 1000.0)}")

    def _drag_start(self) -> None:
        self._dragging = True

    def _drag_end(self) -> None:
        self._dragging = False
        self.seek(self.slider.value() / 1000.0)

    def _slider_action(self, action) -> None:
        # clicks on the groove and keyboard steps: seek to where the slider went
        if not self._dragging and action != QSlider.SliderAction.SliderMove:
            self.seek(self.slider.sliderPosition() / 1000.0)
