"""One archive is one folder: ``catalog.db`` (SQLite), ``index/`` (Whoosh), ``media/``.

:class:`Archive` opens the three and hands them to the services (importer, search,
editing, exports). Readers (the GUI, ``search``) never take the write lock; the one
writer (the import pipeline, or an edit) holds it while it writes.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

from archive.catalog import Catalog, Recording, open_db
from archive.locking import write_lock


class ArchiveError(RuntimeError):
    """A problem with the archive folder itself (permissions, disk, not an archive)."""


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
        if not os.access(self.root, os.W_OK):
            self.read_only = True
        else:
            self.read_only = False
            try:
                os.chmod(self.root, 0o700)  # private by default: only the user can look inside
            except OSError:
                pass
        try:
            self.db = open_db(self.root / self.CATALOG)
        except Exception as exc:
            raise ArchiveError(f"cannot open the catalog in {self.root}: {exc}") from exc
        self.catalog = Catalog(self.db)
        self.media_dir = self.root / self.MEDIA
        self._index = None

    @property
    def index(self):
        """The Whoosh index, opened on first use (readers that never search skip it)."""
        if self._index is None:
            from index import SearchIndex

            self._index = SearchIndex(self.root / self.INDEX)
        return self._index

    def reset_index(self):
        from index import SearchIndex

        if self._index is not None:
            self._index.close()
        self._index = SearchIndex.create(self.root / self.INDEX)
        return self._index

    @contextmanager
    def writing(self, timeout: float = 10.0) -> Iterator["Archive"]:
        """Hold the archive's single-writer lock (ArchiveBusyError after ``timeout``)."""
        if self.read_only:
            raise ArchiveError(f"the archive folder {self.root} is read-only")
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
