"""How a speaker looks in the app: one stable colour per voice, and suggested names marked.

The colour is keyed on the voice's *label* ("Speaker 2"), not on its name, so a voice keeps
its colour when it is named or renamed. The colours are the scheme's (desktop.palette: light
or dark), each readable at WCAG AA on the transcript and on its selection.
"""

from __future__ import annotations

import zlib
from typing import Optional

from PySide6.QtGui import QColor

from desktop.palette import current


def voice_color(key: Optional[str]) -> QColor:
    """The colour of a voice: "Speaker N" takes the N-th colour, any other key a fixed one."""
    key = key or ""
    head, _, tail = key.rpartition(" ")
    n = int(tail) - 1 if head and tail.isdigit() else zlib.crc32(key.encode())
    voices = current().voices
    return QColor(voices[n % len(voices)])


def shown_name(name: str, suggested: bool) -> str:
    """A suggested (unconfirmed) name carries a question mark."""
    return f"{name}?" if suggested else name


def voice_title(shown: str, label: Optional[str]) -> str:
    """A voice in a list or a menu: "Ana Rivera (Speaker 2)", or just its label."""
    return shown if not label or shown == label else f"{shown} ({label})"


def name_tooltip(name: str, label: Optional[str], suggested: bool, score: Optional[float] = None) -> str:
    voice = f" ({label})" if label and label != name else ""
    if suggested:
        how = f", match score {score:.2f}" if score is not None else ""
        return (f"Suggested: this voice{voice} sounds like “{name}” in the roster{how}.\n"
                "Click to confirm, reject or rename it.")
    return f"{name}{voice}: click to rename this voice, merge it or move this passage."
