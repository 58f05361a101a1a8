"""Speaker changes as QUndoCommands: each one calls archive services forward and back.

A :class:`ServiceCommand` holds two plain functions:

* ``do(archive) -> state`` makes the change (e.g. ``speakers.merge_voices``) and returns what
  is needed to reverse it;
* ``undo(archive, state)`` reverses it with another service call (rename back, unmerge, join
  a split), so corrections made meanwhile are kept.

Both run on the archive's one writer (the import worker, ``submit``), one after the other
in the order asked, so an undo always finds the state its redo left. A command whose write
failed becomes a no-op and leaves the stack at the next undo or redo.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Optional

from PySide6.QtGui import QUndoCommand

log = logging.getLogger(__name__)

Do = Callable[[Any], Any]  # archive -> state
Undo = Callable[[Any, Any], Any]  # archive, state -> None
Submit = Callable[[str, Callable[[Any], Any], "ServiceCommand"], Any]  # label, call(archive), command -> Job


class ServiceCommand(QUndoCommand):
    def __init__(self, submit: Submit, text: str, do: Do, undo: Undo, recording_id: Optional[int] = None):
        super().__init__(text)
        self.submit = submit
        self._do, self._undo = do, undo
        self.recording_id = recording_id
        self.state: Any = None
        self.failed = False

    def redo(self) -> None:
        if not self.failed:
            self.submit(self.text(), self._run_do, self)

    def undo(self) -> None:
        if not self.failed:
            self.submit(f"Undo {self.text()[:1].lower()}{self.text()[1:]}", self._run_undo, self)

    # on the writer thread -------------------------------------------------------------
    def _run_do(self, archive) -> Any:
        self.state = self._do(archive)
        return self.state

    def _run_undo(self, archive) -> Any:
        return self._undo(archive, self.state)

    # back on the GUI thread -----------------------------------------------------------
    def write_failed(self) -> None:
        """The write behind this command failed: nothing to undo or redo any more."""
        log.info("speaker command %r failed; it leaves the undo stack", self.text())
        self.failed = True
        self.setObsolete(True)
