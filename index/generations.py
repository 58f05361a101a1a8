"""An index folder holds generations of one search index; a rebuild swaps in a new one atomically.

Layout of the folder given to :class:`index.SearchIndex`::

    CURRENT          the name of the generation readers open ("gen-000002"), replaced
                     with os.replace: readers see the old generation or the new one, never none
    gen-000002/      a complete Whoosh index
    gen-000001/      an older generation: removed by the next writer (see :func:`clean`)

Without ``CURRENT`` the folder itself holds the index (how every index starts, and how
earlier versions left it): that is generation "" until the first rebuild.

A rebuild (:func:`building`) fills a new generation beside the current one and only
then points ``CURRENT`` at it; if it fails (a full disk), the new generation is removed
and the current one stays as it was. Generations are not removed at the swap, where
a reader in another process may still have the old one open, but by the next writer.
Callers hold the one writer's lock (the archive's) around :func:`building` and :func:`clean`.

Every file is private (0600, folders 0700): the index holds what people said.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

log = logging.getLogger(__name__)

POINTER = "CURRENT"
INDEX_NAME = "segments"  # the Whoosh index's name: its files are segments_*, _segments_*
META_FILE = "council_index.json"
_GENERATION = re.compile(r"gen-(\d{6,})")


def _pointer(folder: Path) -> Path:
    return folder / POINTER


def current_name(folder: Path) -> str:
    """The current generation's name ("" for the folder itself)."""
    try:
        name = _pointer(folder).read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return ""
    except (OSError, UnicodeError) as exc:
        log.warning("cannot read the index pointer in %s (%s): using the folder itself", folder, exc)
        return ""
    if not _GENERATION.fullmatch(name):
        log.warning("the index pointer in %s names %r, not a generation: using the folder itself", folder, name)
        return ""
    return name


def current(folder: Path) -> Path:
    """Where the current generation lives."""
    name = current_name(folder)
    return folder / name if name else folder


def token(folder: Path) -> Optional[tuple]:
    """Changes whenever ``CURRENT`` is replaced (one stat: cheap enough for every search)."""
    try:
        st = os.stat(_pointer(folder))
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def is_index_file(name: str) -> bool:
    """A file of the Whoosh index kept directly in a folder (generation "")."""
    return name == META_FILE or name.startswith(INDEX_NAME) or name.startswith("_" + INDEX_NAME)


def _generations(folder: Path) -> list[tuple[int, str]]:
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return []
    return sorted((int(m[1]), name) for name in names if (m := _GENERATION.fullmatch(name)))


def clean(folder: Path) -> list[str]:
    """Remove every generation but the current one. Returns what was removed (what
    cannot be removed now, e.g. still open on Windows, is tried again next time)."""
    keep = current_name(folder)
    removed = []
    for _, name in _generations(folder):
        if name != keep:
            shutil.rmtree(folder / name, onerror=_log_failure)
            removed.append(name)
    if keep:  # the index that lived in the folder itself has been replaced
        for name in os.listdir(folder):
            path = folder / name
            if is_index_file(name) and path.is_file():
                try:
                    path.unlink()
                except OSError as exc:
                    log.warning("cannot remove the old index file %s: %s", path, exc)
                    continue
                removed.append(name)
    return removed


def _log_failure(function, path, exc_info) -> None:
    log.warning("cannot remove %s of an old index generation: %s", path, exc_info[1])


@contextmanager
def building(folder: Path) -> Iterator[Path]:
    """A new, empty generation folder to fill; it becomes current when the block ends
    without error. On error it is removed and the current generation stays."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    clean(folder)
    numbers = [n for n, _ in _generations(folder)]
    path = folder / f"gen-{(max(numbers) + 1 if numbers else 1):06d}"
    path.mkdir(mode=0o700)
    try:
        yield path
        make_private(path)
        _publish(folder, path.name)
    except BaseException:
        shutil.rmtree(path, onerror=_log_failure)
        raise


def _publish(folder: Path, name: str) -> None:
    tmp = folder / f"{POINTER}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(name + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, _pointer(folder))
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_folder(folder)  # the swap is made: nothing after it may undo it


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable (a crash then finds the new pointer, not the old one)."""
    if os.name == "nt":  # pragma: no cover - folders cannot be opened on Windows
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        log.warning("cannot sync the index folder %s: %s", folder, exc)


def make_private(path: Path) -> None:
    """Folders 0700 and files 0600 under ``path`` (Whoosh makes them with the umask's modes)."""
    for entry in [path, *path.rglob("*")]:
        try:
            st = entry.lstat()
            want = 0o700 if entry.is_dir() else 0o600
            if not entry.is_symlink() and st.st_mode & 0o777 != want:
                os.chmod(entry, want)
        except OSError as exc:  # gone meanwhile (Whoosh's temporary files), or not ours
            log.info("cannot make %s private: %s", entry, exc)
