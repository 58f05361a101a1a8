"""One cancel token for long work, checked between segments.

Set from any thread (a GUI button, a signal handler); the import pipeline checks it
between segments and turns it into a typed :class:`archive.status.Outcome`:
``cancel()`` ends as CANCELLED (what was made is kept, its job closed: only a resume of
that recording continues it; ``cancel(discard=True)`` removes it instead), ``stop()``
ends as STOPPED (the job stays open and ``Importer.resume()`` finishes it later).
"""

from __future__ import annotations

import threading
from typing import Callable, Optional

from archive.status import Outcome


class Cancelled(Exception):
    """Raised by :meth:`CancelToken.check` once the token is set."""

    def __init__(self, outcome: Outcome):
        super().__init__(outcome.value)
        self.outcome = outcome


class CancelToken:
    def __init__(self) -> None:
        self._event = threading.Event()
        self._outcome: Optional[Outcome] = None
        self.discard = False  # cancel(discard=True): remove what was made
        self._callbacks: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    def cancel(self, discard: bool = False) -> None:
        """Stop; keep the unfinished work to resume on request, or throw it away (``discard``)."""
        with self._lock:
            if self._outcome is None:
                self.discard = discard
        self._set(Outcome.CANCELLED)

    def stop(self) -> None:
        """Stop and keep the unfinished work for ``resume``."""
        self._set(Outcome.STOPPED)

    def _set(self, outcome: Outcome) -> None:
        with self._lock:
            if self._outcome is None:
                self._outcome = outcome
            callbacks = list(self._callbacks)
        self._event.set()
        for callback in callbacks:
            callback()

    def on_set(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (from the setting thread) when the token is set, e.g. to
        stop an engine's worker processes; at once if it is set already."""
        with self._lock:
            self._callbacks.append(callback)
            already = self._outcome is not None
        if already:
            callback()

    @property
    def is_set(self) -> bool:
        return self._event.is_set()

    @property
    def outcome(self) -> Optional[Outcome]:
        """CANCELLED or STOPPED once set, else None."""
        return self._outcome

    def check(self) -> None:
        """Raise :class:`Cancelled` if the token is set."""
        if self._outcome is not None:
            raise Cancelled(self._outcome)
