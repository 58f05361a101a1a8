"""Opening an archive: the one place that decides to rebuild its search index.

:class:`archive.store.Archive` only says that its index needs rebuilding (an older
version built it); :func:`open_archive` rebuilds it from the catalog, the source of
truth, before anything searches. The CLI, the desktop app and tests open archives here.
"""

from __future__ import annotations

import os

from archive.indexing import reindex
from archive.store import Archive, IndexNeedsRebuild

REBUILD_LOCK_TIMEOUT = 60.0  # seconds to wait for another writer before rebuilding


def ensure_index(archive: Archive) -> bool:
    """Open the archive's index, rebuilding it from the catalog if another version built
    it. Returns True if it was rebuilt. Raises IndexNeedsRebuild where it cannot be
    written (a read-only archive), ArchiveBusyError if the writer lock stays taken."""
    try:
        archive.index
        return False
    except IndexNeedsRebuild:
        if archive.read_only:
            raise
    with archive.writing(timeout=REBUILD_LOCK_TIMEOUT):
        reindex(archive)
    return True


def open_archive(root: str | os.PathLike, *, create: bool = True) -> Archive:
    """Open (or, with ``create``, make) the archive at ``root`` with a current index.

    A read-only archive opens with its index as it is: reading the catalog still works,
    and searching says the index needs rebuilding.
    """
    archive = Archive(root, create=create)
    if archive.read_only:
        return archive
    try:
        ensure_index(archive)
    except BaseException:
        archive.close()
        raise
    return archive
