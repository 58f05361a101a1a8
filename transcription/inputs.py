"""Vet an input file before anything reads it.

Only regular files are read (a symlink to one is fine). A FIFO blocks its reader until
someone writes to it, and a device such as ``/dev/urandom`` never ends: either would hold
an import, and the archive's write lock, for ever. :func:`check_input` is the one test
that every input path passes (the paths given to an import, ``transcribe FILE``, every
probe); :func:`open_input` opens without blocking and checks what it opened, so a path
swapped for a FIFO after the check is refused too; :func:`read_input` reads a small file
(captions) whole, within a byte limit.

Every refusal is a typed :class:`transcription.errors.AudioError` with a one-line message.
"""

from __future__ import annotations

import errno
import os
import stat
from typing import BinaryIO

from transcription.errors import (
    FileTooLargeError,
    MediaNotFoundError,
    MediaPermissionError,
    NotMediaError,
    NotRegularFileError,
)

_SPECIAL = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)
# open without waiting for a FIFO's writer, and never take a terminal as controlling tty
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # POSIX only; Windows has no FIFO in the file system
_OPEN_FLAGS = os.O_RDONLY | _NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)


def _refused(path, exc: OSError) -> Exception:
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return MediaNotFoundError(path)
    if exc.errno in (errno.EACCES, errno.EPERM):
        return MediaPermissionError(path)
    return NotMediaError(path, exc.strerror or str(exc))  # a symlink loop, a name too long, ENXIO ...


def _require_regular(path, st: os.stat_result) -> None:
    if stat.S_ISDIR(st.st_mode):
        raise NotMediaError(path, "it is a folder")
    if not stat.S_ISREG(st.st_mode):
        kind = next((name for test, name in _SPECIAL if test(st.st_mode)), "a special file")
        raise NotRegularFileError(path, kind)


def check_input(path: str | bytes | os.PathLike) -> os.stat_result:
    """The stat of a readable regular file (through symlinks); anything else is refused."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise _refused(path, exc) from exc
    _require_regular(path, st)
    if not os.access(path, os.R_OK):
        raise MediaPermissionError(path)
    return st


def open_input(path: str | bytes | os.PathLike) -> BinaryIO:
    """Open a regular file for reading. Anything else is refused, without blocking on it."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise _refused(path, exc) from exc
    try:
        _require_regular(path, os.fstat(fd))
        if _NONBLOCK:
            os.set_blocking(fd, True)  # a regular file: reads are ordinary from here on
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_input(path: str | bytes | os.PathLike, limit: int, what: str = "this kind of file") -> bytes:
    """A small regular file's bytes; more than ``limit`` of them is refused unread."""
    with open_input(path) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise FileTooLargeError(path, f"over the {limit / 2**20:g} MB limit for {what}")
    return data
