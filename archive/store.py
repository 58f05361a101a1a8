"""One archive is one folder: ``catalog.db`` (SQLite), ``index/`` (Whoosh), ``media/``.

:class:`Archive` opens the three and hands them to the services (importer, search,
editing, exports). Readers (the GUI, ``search``) never take the write lock; the one
writer (the import pipeline, or an edit) holds it while it writes.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

from sqlite_utils import Database

from archive.catalog import Catalog, Recording, open_db
from archive.locking import write_lock

log = logging.getLogger(__name__)

# Below this much free space SQLite cannot even make its shared-memory file (-shm).
DISK_FULL_BYTES = 256 * 1024


class ArchiveError(RuntimeError):
    """A problem with the archive folder itself (permissions, disk, not an archive)."""


class IndexNeedsRebuild(ArchiveError):
    """The search index was built by another version: rebuild it from the catalog."""


def disk_full(path: str | os.PathLike) -> bool:
    """True when the file system holding ``path`` has (next to) no space left."""
    try:
        return shutil.disk_usage(path).free < DISK_FULL_BYTES
    except OSError:
        return False


def open_catalog_read_only(path: str | os.PathLike):
    """Open a catalog for reading where it cannot be written: a folder the user may not
    write, a read-only file system, a full disk. Nothing is migrated.

    A WAL database needs its ``-shm`` file; where that file neither exists nor can be
    made, no connection is open on the database (the first one makes it), so the file
    is opened ``immutable``.
    """
    uri = Path(path).resolve().as_uri()
    error: Optional[Exception] = None
    for flags in ("mode=ro", "immutable=1"):
        conn = sqlite3.connect(f"{uri}?{flags}", uri=True, timeout=30, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("SELECT count(*) FROM recordings").fetchone()
        except sqlite3.Error as exc:
            conn.close()
            error = exc
            continue
        return Database(conn)
    raise error  # type: ignore[misc]


class Archive:
    CATALOG = "catalog.db"
    INDEX = "index"
    MEDIA = "media"
    LOCK = ".write.lock"

    def __init__(self, root: str | os.PathLike, *, create: bool = True):
        self.root = Path(root).expanduser().resolve()
        if not self.root.exists():
            if not create:
                raise ArchiveError(f"no archive at {self.root}")
            try:
                self.root.mkdir(parents=True, mode=0o700)
            except OSError as exc:
                raise ArchiveError(f"cannot create the archive folder {self.root}: {exc.strerror}") from exc
        self.read_only_reason: Optional[str] = None
        if not os.access(self.root, os.W_OK):
            self.read_only = True
            self.read_only_reason = "is read-only"
        else:
            self.read_only = False
            try:
                os.chmod(self.root, 0o700)  # private by default: only the user can look inside
            except OSError:
                log.warning("cannot make the archive folder %s private", self.root, exc_info=True)
        catalog_path = self.root / self.CATALOG
        try:
            if self.read_only:
                self.db = open_catalog_read_only(catalog_path)
            else:
                self.db = open_db(catalog_path)
        except Exception as exc:
            full = disk_full(self.root)
            # Readers (list, search, show, check) still work on a full disk or a catalog
            # that cannot be written; every write then fails with one clear line.
            db = None
            if not self.read_only and catalog_path.exists() and "locked" not in str(exc):
                try:
                    db = open_catalog_read_only(catalog_path)
                except Exception:
                    log.warning("cannot open the catalog in %s read-only either", self.root, exc_info=True)
                    db = None
            if db is None:
                detail = f"{exc} (the disk is full)" if full else f"{exc}"
                raise ArchiveError(f"cannot open the catalog in {self.root}: {detail}") from exc
            self.db = db
            self.read_only = True
            self.read_only_reason = "is on a full disk" if full else f"cannot be written ({exc})"
            log.warning("the catalog in %s %s: opened it read-only", self.root, self.read_only_reason)
        self.catalog = Catalog(self.db)
        self.media_dir = self.root / self.MEDIA
        self._index = None

    @property
    def index(self):
        """The Whoosh index, opened on first use (readers that never search skip it).

        Raises :class:`IndexNeedsRebuild` for an index another version built: the
        archive never rebuilds it by itself (``archive.opening.ensure_index`` does).
        """
        if self._index is None:
            # index/ loads Whoosh and numpy: imported on first use, so catalog-only work starts fast
            from index import IndexVersionError, SearchIndex

            try:
                self._index = SearchIndex(self.root / self.INDEX)
            except IndexVersionError as exc:
                raise IndexNeedsRebuild(
                    "The search index was built by an older version of Council Archive; "
                    "rebuild it with: council-archive reindex"
                ) from exc
        return self._index

    def reset_index(self):
        """Replace the index with a new, empty one (``reindex`` then fills it)."""
        from index import SearchIndex  # see ``index`` above

        if self._index is not None:
            self._index.close()
        self._index = SearchIndex.create(self.root / self.INDEX)
        return self._index

    @contextmanager
    def writing(self, timeout: float = 10.0) -> Iterator["Archive"]:
        """Hold the archive's single-writer lock (ArchiveBusyError after ``timeout``)."""
        if self.read_only:
            if self.read_only_reason == "is on a full disk":
                raise ArchiveError(f"the disk holding the archive {self.root} is full: free some space and try again")
            raise ArchiveError(f"the archive folder {self.root} {self.read_only_reason or 'is read-only'}")
        with write_lock(str(self.root / self.LOCK), timeout=timeout):
            yield self

    def media_path(self, rec: Recording) -> Optional[Path]:
        if not rec.media_path:
            return None
        path = Path(rec.media_path)
        return path if path.is_absolute() else self.root / path

    def close(self) -> None:
        if self._index is not None:
            self._index.close()
            self._index = None
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
