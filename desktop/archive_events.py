"""The app's one change signal: what changed in the archive, for every view to refresh from.

Action helpers emit :attr:`ArchiveEvents.changed` after a write has landed (an edit, a
speaker change, an import); the window, the library, the search panel and the speaker
panel listen to it. Nothing patches another view directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from PySide6.QtCore import QObject, Signal


@dataclass(frozen=True)
class Change:
    """What changed: ``what`` is a short word ("speakers", "transcript", "details", "import",
    "removed"); ``recording_id`` the recording concerned (None: possibly any)."""

    what: str
    recording_id: Optional[int] = None

    def concerns(self, recording_id: Optional[int]) -> bool:
        return recording_id is not None and self.recording_id in (None, recording_id)


class ArchiveEvents(QObject):
    changed = Signal(object)  # Change

    def emit_change(self, what: str, recording_id: Optional[int] = None) -> None:
        self.changed.emit(Change(what, recording_id))
