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
from archive.locking import lock_held, write_lock

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
        """Open the archive at ``root``; with ``create``, make one there if there is none
        (only an import, or the app, creates an archive). Without it, a folder that holds
        no archive is refused and left as it is."""
        self.root = Path(root).expanduser().resolve()
        catalog_path = self.root / self.CATALOG
        if not create and not catalog_path.is_file():
            raise ArchiveError(f"no archive at {self.root}")
        if not self.root.exists():
            try:
                self.root.mkdir(parents=True, mode=0o700)
            except OSError as exc:
                raise ArchiveError(f"cannot create the archive folder {self.root}: {exc.strerror}") from exc
        elif not self.root.is_dir():
            raise ArchiveError(f"{'cannot create an' if create else 'no'} archive at {self.root}: it is not a folder")
        self.read_only_reason: Optional[str] = None
        if not os.access(self.root, os.W_OK):
            self.read_only = True
            self.read_only_reason = "is read-only"
        else:
            self.read_only = False
            self._make_private()
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

    @contextmanager
    def building_index(self):
        """A new, empty search index to fill, beside the current one (which readers keep
        using); it replaces the current one atomically when the block ends without
        error, and is removed on error. The caller holds the write lock."""
        from index import SearchIndex  # see ``index`` above

        with SearchIndex.building(self.root / self.INDEX) as fresh:
            yield fresh
        # self._index, if open, follows the new generation at its next use

    def writer_busy(self) -> bool:
        """True while another import or edit holds the write lock (nothing waits)."""
        return lock_held(str(self.root / self.LOCK))

    def _make_private(self) -> None:
        """Only the user may read the archive: its folders 0700, the catalog (and SQLite's
        -wal and -shm, which take the catalog's mode) and the index 0600. Done on every
        writable open, so archives made by earlier versions become private too."""
        from index.generations import make_private  # light: no Whoosh

        catalog = self.root / self.CATALOG
        try:
            os.chmod(self.root, 0o700)
            if not catalog.exists():  # SQLite would make it with the umask's mode
                os.close(os.open(catalog, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            for path in (catalog, *(self.root / f"{self.CATALOG}{suffix}" for suffix in ("-wal", "-shm"))):
                if path.is_file() and path.stat().st_mode & 0o777 != 0o600:
                    os.chmod(path, 0o600)
            if (self.root / self.MEDIA).is_dir():
                os.chmod(self.root / self.MEDIA, 0o700)
        except OSError:
            log.warning("cannot make the archive %s private", self.root, exc_info=True)
        if (self.root / self.INDEX).is_dir():
            make_private(self.root / self.INDEX)

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
