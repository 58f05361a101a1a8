"""One writer per archive, across processes: an advisory file lock.

The lock is held by the open file description, so the operating system releases it
when the holder dies (``kill -9`` included): a lock can never be left stale.
"""

from __future__ import annotations

import logging
import os
import time
from contextlib import contextmanager
from typing import Iterator

log = logging.getLogger(__name__)

if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


class ArchiveBusyError(RuntimeError):
    def __init__(self, root: str):
        super().__init__(f"the archive at {root} is busy: another import or edit is writing to it; try again when it finishes")


@contextmanager
def write_lock(lock_path: str, timeout: float = 10.0, poll: float = 0.1) -> Iterator[None]:
    """Hold the archive's write lock; wait up to ``timeout`` seconds, then ArchiveBusyError."""
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + timeout
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                raise ArchiveBusyError(os.path.dirname(lock_path))
            time.sleep(poll)
        try:
            try:  # the holder's pid, for people; the lock itself needs no bytes on disk
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
            except OSError:  # e.g. a full disk: still a valid lock
                log.warning("cannot write the pid into %s", lock_path, exc_info=True)
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


def lock_held(lock_path: str) -> bool:
    """True when a writer holds the lock now. Takes it for an instant if it is free (a
    writer that starts meanwhile waits, as for any writer); never creates the lock file."""
    try:
        fd = os.open(lock_path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        if not _try_lock(fd):
            return True
        _unlock(fd)
        return False
    finally:
        os.close(fd)
