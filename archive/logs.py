"""The archive's log file: ``<archive>/council-archive.log``.

What the programs catch and carry on from (a file that could not be deleted, a failed
import's traceback, an engine that would not close) is written here, so nothing is
swallowed silently. The CLI and the desktop app call :func:`configure` once at start;
importing a module never touches logging's set-up.
"""

from __future__ import annotations

import logging
import os
import shutil
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Optional

LOG_FILE = "council-archive.log"
MAX_BYTES = 1 << 20  # then it rolls over to council-archive.log.1
BACKUPS = 2
PACKAGES = ("archive", "desktop", "index", "transcription")  # the project's loggers
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s]: %(message)s"

KEEP_FREE = 1 << 20  # below this much free space nothing more is logged

_handler: Optional[logging.Handler] = None


def _free_bytes(folder: str) -> int:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return 0


class _ArchiveLogHandler(RotatingFileHandler):
    """A rotating log file that is made on the first record, once the archive folder
    exists (a command may run before the archive is created, or with none at all)."""

    failed = False

    def emit(self, record: logging.LogRecord) -> None:
        folder = os.path.dirname(self.baseFilename)
        if self.failed or (self.stream is None and not os.path.isdir(folder)):
            return  # no archive folder to log into, or it cannot be written
        if _free_bytes(folder) < KEEP_FREE:
            return  # a (nearly) full disk: the log must not take the space the catalog needs
        super().emit(record)

    def _open(self):
        # private like the rest of the archive: only the user can read what was logged
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        return open(fd, "a", encoding=self.encoding, errors=self.errors)

    def handleError(self, record: logging.LogRecord) -> None:
        # The log cannot be written (a full disk, a read-only folder): that must neither break
        # the program nor print logging's traceback over its one-line errors. There is no
        # other place to report it, so the file log stops here.
        self.failed = True


def log_path(root: str | os.PathLike) -> Path:
    return Path(root).expanduser().resolve() / LOG_FILE


def configure(root: str | os.PathLike, level: int = logging.INFO) -> Path:
    """Send the project's log records (``level`` and up) to the archive's log file,
    in place of any archive configured before. Returns the log file's path."""
    global _handler
    path = log_path(root)
    handler = _ArchiveLogHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8",
                                 errors="backslashreplace", delay=True)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.setLevel(level)
    for name in PACKAGES:
        logger = logging.getLogger(name)
        if _handler is not None:
            logger.removeHandler(_handler)
        logger.addHandler(handler)
        if logger.level == logging.NOTSET or logger.level > level:
            logger.setLevel(level)
    if _handler is not None:
        _handler.close()
    _handler = handler
    return path


def close() -> None:
    """Stop writing to the archive's log file (e.g. before its folder goes away)."""
    global _handler
    if _handler is None:
        return
    for name in PACKAGES:
        logging.getLogger(name).removeHandler(_handler)
    _handler.close()
    _handler = None
