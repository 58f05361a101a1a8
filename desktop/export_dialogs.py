"""Small dialogs and helpers for exporting: the clip options dialog and the save filters.

Passive: the dialog only collects values; the main window runs ``archive.clips.make_clip``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QLabel

from transcription.formats import hms

CHAPTERS_EXT = "chapters.vtt"  # a chapters track ends so, beside the subtitles' .vtt
TRANSCRIPT_FILTERS = (
    ("Plain text", "txt"),
    ("SubRip subtitles", "srt"),
    ("WebVTT subtitles", "vtt"),
    ("JSON (words and times)", "json"),
    ("Word document", "docx"),
    ("CSV spreadsheet", "csv"),
    ("WebVTT chapters track", CHAPTERS_EXT),  # export --format chapters: players show it as a chapter menu
)
RESULT_FILTERS = (("CSV spreadsheet", "csv"), ("JSON Lines", "jsonl"))
CLIP_FORMATS = ("mp3", "wav", "m4a")
CLIP_FILTERS = (("MP3 audio", "mp3"), ("WAV audio", "wav"), ("M4A (AAC) audio", "m4a"))
DEFAULT_PAD = 0.5


def filter_string(filters: Sequence[tuple[str, str]]) -> str:
    """``(label, ext)`` pairs as a QFileDialog filter string."""
    return ";;".join(f"{label} (*.{ext})" for label, ext in filters)


def ext_of_filter(selected: str, filters: Sequence[tuple[str, str]]) -> Optional[str]:
    for label, ext in filters:
        if selected == f"{label} (*.{ext})":
            return ext
    return None


def with_extension(path: str, selected_filter: str, filters: Sequence[tuple[str, str]]) -> str:
    """The chosen path with the chosen filter's extension when it has none of the filters' ones."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix in {ext for _, ext in filters}:
        return path
    ext = ext_of_filter(selected_filter, filters) or filters[0][1]
    return f"{path}.{ext}"


def transcript_format(path: Path) -> str:
    """The export format a chosen file name asks for (archive.exports.TRANSCRIPT_FORMATS)."""
    if path.name.lower().endswith(f".{CHAPTERS_EXT}"):
        return "chapters"
    return path.suffix.lower().lstrip(".")


@dataclass(frozen=True)
class ClipOptions:
    start: float
    end: float
    pad: float = DEFAULT_PAD
    fmt: str = "mp3"


class ClipDialog(QDialog):
    """Start, end, padding and format of an audio clip (prefilled from a selection or a hit)."""

    def __init__(self, start: float, end: float, duration: Optional[float] = None, title: str = "",
                 pad: float = DEFAULT_PAD, fmt: str = "mp3", parent=None):
        super().__init__(parent)
        self.setWindowTitle("Export clip")
        limit = float(duration) if duration else 24 * 3600.0
        self.start = self._spin(start, limit)
        self.end = self._spin(end, limit)
        self.pad = QDoubleSpinBox()
        self.pad.setRange(0.0, 30.0)
        self.pad.setDecimals(2)
        self.pad.setSingleStep(0.25)
        self.pad.setSuffix(" s")
        self.pad.setValue(pad)
        self.format = QComboBox()
        for f in CLIP_FORMATS:
            self.format.addItem(f, f)
        self.format.setCurrentIndex(max(0, self.format.findData(fmt)))
        self.length = QLabel()
        for spin in (self.start, self.end, self.pad):
            spin.valueChanged.connect(self._update)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        if title:
            form.addRow(QLabel(f"<b>{title}</b>"))
        form.addRow("Start", self.start)
        form.addRow("End", self.end)
        form.addRow("Padding (each side)", self.pad)
        form.addRow("Format", self.format)
        form.addRow("", self.length)
        form.addRow(self.buttons)
        self._update()

    @staticmethod
    def _spin(value: float, limit: float) -> QDoubleSpinBox:
        spin = QDoubleSpinBox()
        spin.setRange(0.0, limit)
        spin.setDecimals(2)
        spin.setSingleStep(0.5)
        spin.setSuffix(" s")
        spin.setValue(max(0.0, min(float(value), limit)))
        return spin

    def _update(self, *_) -> None:
        o = self.options()
        ok = o.end > o.start
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)
        self.length.setText(f"{hms(o.start)} – {hms(o.end)}, about {max(0.0, o.end - o.start + 2 * o.pad):.1f} s with padding"
                            if ok else "The end must come after the start.")

    def options(self) -> ClipOptions:
        return ClipOptions(self.start.value(), self.end.value(), self.pad.value(), self.format.currentData() or "mp3")
