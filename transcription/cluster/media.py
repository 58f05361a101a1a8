"""Media on its way to the workers: read once here and sent through Ray's object store,
or named by a path the workers can open when they share a filesystem.

The client side is :class:`MediaSender` (one per connection: the transcriber and the
diarizer of one file share its bytes); the worker side is :class:`LocalCopy`, which
writes the bytes to a private temporary file once per node process, for ffmpeg to
seek in.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Optional

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Media:
    """What a worker needs to open one file: its bytes (``data``: ``[ObjectRef]``, in a list
    so Ray hands the reference over as it is and the worker fetches it only when it has
    no copy yet) or a ``path`` it can open itself; ``key`` names the file's content."""

    key: tuple  # the content's fingerprint
    suffix: str = ""
    path: Optional[str] = None
    data: Optional[list] = None


@dataclass(frozen=True)
class MediaShare:
    """The workers see the client's folder ``local`` at ``remote`` (``--shared-path``)."""

    local: str
    remote: str

    def remote_path(self, path: str) -> Optional[str]:
        """Where a worker finds ``path``; None when it lies outside the shared folder."""
        try:
            rel = Path(path).resolve().relative_to(Path(self.local).resolve())
        except ValueError:
            return None
        return str(PurePosixPath(self.remote, *rel.parts))


SAMPLE = 1 << 20  # bytes read from each end of a file to recognise it


def fingerprint(path: str) -> tuple:
    """The file's size and a hash of its first and last MiB: the same recording under
    another name (the file the import was given, and its copy in the archive's store)."""
    size = os.path.getsize(path)
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        digest.update(fh.read(SAMPLE))
        if size > SAMPLE:
            fh.seek(max(SAMPLE, size - SAMPLE))
            digest.update(fh.read(SAMPLE))
    return size, digest.hexdigest()


class MediaSender:
    """Hands out :class:`Media` for paths, reading each recording once while it is in use:
    the last ``keep`` are kept (the files planned ahead, the one transcribed, the one whose
    speakers are found), whatever name each is sent under."""

    def __init__(self, share: Optional[MediaShare] = None, keep: int = 2):
        self.share = share
        self.keep = keep
        self._sent: dict[tuple, Media] = {}
        self._lock = threading.Lock()  # the import's thread and the ones planning the next files

    def send(self, path: str) -> Media:
        import ray

        path = os.fspath(path)
        key = fingerprint(path)
        with self._lock:
            if key in self._sent:
                return self._sent[key]
            remote = self.share.remote_path(path) if self.share else None
            if remote is not None:
                handle = Media(key, Path(path).suffix, path=remote)
            else:
                handle = Media(key, Path(path).suffix, data=[ray.put(Path(path).read_bytes())])
            while len(self._sent) >= self.keep:
                self._sent.pop(next(iter(self._sent)))  # its object is freed once no task holds it
            self._sent[key] = handle
            return handle

    def handles(self) -> list[Media]:
        """What is being sent now (the files in use)."""
        with self._lock:
            return list(self._sent.values())

    def clear(self) -> None:
        with self._lock:
            self._sent.clear()


PREFIX = "council-archive-worker-"


def _private_dir() -> str:
    """This process's folder for media copies; a folder left by a worker that was killed
    (its process gone) is removed first."""
    root = Path(tempfile.gettempdir())
    for old in root.glob(PREFIX + "*"):
        pid = old.name[len(PREFIX):]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    path = root / f"{PREFIX}{os.getpid()}"
    path.mkdir(exist_ok=True)
    return str(path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class LocalCopy:
    """A worker's copy of the file it is working on (one at a time), in a folder of its
    process's own (removed by the next worker on that machine once this process is gone:
    Ray ends actors without running their clean-up)."""

    def __init__(self):
        self._dir: Optional[str] = None
        self._key: Optional[str] = None
        self._path: Optional[str] = None

    def path(self, media: Media) -> str:
        if media.path is not None:
            if not os.path.exists(media.path):
                raise FileNotFoundError(f"{media.path}: not found on this worker (check --shared-path)")
            return media.path
        if media.key != self._key:
            import ray

            data = ray.get(media.data[0])
            if self._dir is None:
                self._dir = _private_dir()
            if self._path is not None:
                os.unlink(self._path)
            self._path, self._key = os.path.join(self._dir, "media" + media.suffix), None
            with open(self._path, "wb") as out:
                out.write(data)
            self._key = media.key
        return self._path
