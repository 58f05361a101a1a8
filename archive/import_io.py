"""What an import is given and what it gives back: the metadata of a file, the files a
list of paths and folders stands for (vetted in one place), one outcome per file, progress
events, and the one-line message for a write the archive refused."""

from __future__ import annotations

import dataclasses
import errno
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Optional

from archive.agenda import Agenda
from archive.captions import CAPTION_EXTENSIONS
from archive.dates import date_from_name, title_from_name
from archive.status import Outcome
from archive.store import disk_full
from transcription.audio import is_media_path
from transcription.errors import AudioError, printable
from transcription.inputs import check_input

BUNDLE_EXTENSION = ".cabundle"


@dataclass
class ImportMeta:
    title: Optional[str] = None
    body: Optional[str] = None
    date: Optional[str] = None  # YYYY-MM-DD
    kind: str = "meeting"
    # an agenda file (None: one with the media's name beside it, as for captions); read
    # before anything is written, it is an archive.agenda.Agenda from then on
    agenda: Optional[str | os.PathLike | Agenda] = None


@dataclass
class ImportResult:
    path: str
    status: Outcome
    id: Optional[int] = None
    title: Optional[str] = None
    error: Optional[str] = None

    def to_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "status": self.status, "error": self.error, "path": self.path}


@dataclass
class ImportEvent:
    """Progress of one file, for a progress bar or the GUI's queue panel."""

    path: str
    # Status.QUEUED, then PROBING and STORING, Status.TRANSCRIBING, DIARIZING and INDEXING on
    # the way, and the file's Outcome at the end
    stage: str
    progress: float = 0.0  # 0..1 within the stage (transcribing, diarizing)
    recording_id: Optional[int] = None
    duration: Optional[float] = None
    message: Optional[str] = None
    where: Optional[str] = None  # the cluster nodes working on it (None: this computer)


def default_meta(path: Path, meta: ImportMeta) -> ImportMeta:
    """Title from the file name (archive.dates.title_from_name), date from a date in the
    name, else none: undated (a file's modification date is usually the day it was copied)."""
    date = meta.date or date_from_name(path.stem)
    title = meta.title or title_from_name(printable(path.stem))
    return dataclasses.replace(meta, title=title, date=date)


def expand_inputs(paths: Iterable[str | os.PathLike]) -> Iterator[tuple[Path, Optional[str]]]:
    """Files as given; folders searched recursively for audio/video. Yields (path, error).

    The one place an import vets what it is given: only regular files (through symlinks)
    pass, since a FIFO or a device would hold the import, and the write lock, for ever."""
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.is_file() and (is_media_path(p) or p.suffix.lower() == BUNDLE_EXTENSION)
            )
            if not found:
                yield path, f"{printable(path)}: no audio or video files in this folder"
            for p in found:
                yield p, None
            continue
        try:
            check_input(path)
        except AudioError as exc:  # missing, unreadable, a FIFO, a device
            yield path, exc.message
            continue
        if path.suffix.lower() not in CAPTION_EXTENSIONS:  # a caption file is read as its media's sidecar
            yield path, None


def write_error_message(source, exc: BaseException, root=None) -> str:
    """One line for a failed write into the archive (disk full, read-only, I/O error)."""
    detail = (exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)) or type(exc).__name__
    full = (isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))) or (
        "full" in detail.lower()
    ) or (root is not None and disk_full(root))
    if full:
        return f"{source}: cannot write to the archive: the disk is full ({detail})".splitlines()[0]
    return f"{source}: cannot write to the archive ({detail})".splitlines()[0]
