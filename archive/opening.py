"""Opening an archive: the one place that decides to rebuild its search index.

:class:`archive.store.Archive` only says that its index needs rebuilding (an older
version built it); :func:`ensure_index` rebuilds it from the catalog, the source of
truth, before anything searches, the same way ``reindex`` does (a new index beside the
old one, swapped in when complete). It also re-indexes the recordings an interrupted
edit left marked. The CLI, the desktop app and tests open archives here.
"""

from __future__ import annotations

import logging
import os

from archive.indexing import reindex
from archive.locking import ArchiveBusyError
from archive.recordings import index_pending_recordings
from archive.store import Archive, IndexNeedsRebuild

log = logging.getLogger(__name__)

REBUILD_LOCK_TIMEOUT = 60.0  # seconds to wait for another writer before rebuilding


def ensure_index(archive: Archive) -> bool:
    """Open the archive's index, rebuilding it from the catalog if another version built
    it. Returns True if it was rebuilt. Raises IndexNeedsRebuild where it cannot be
    written (a read-only archive), ArchiveBusyError if the writer lock stays taken."""
    try:
        archive.index
    except IndexNeedsRebuild:
        if archive.read_only:
            raise
        with archive.writing(timeout=REBUILD_LOCK_TIMEOUT):
            reindex(archive)
        return True
    _finish_interrupted_edits(archive)
    return False


def _finish_interrupted_edits(archive: Archive) -> None:
    """Re-index what an edit killed before its index commit left marked. Only when no
    writer is at work: a live edit holds the lock (its mark is not stale), and the next
    opening does it otherwise; ``check`` reports the marks meanwhile."""
    if archive.read_only or not archive.catalog.index_pending():
        return
    try:
        with archive.writing(timeout=0):
            done = index_pending_recordings(archive)
    except ArchiveBusyError:
        log.info("recordings %s wait for re-indexing: a writer is at work", archive.catalog.index_pending())
        return
    except Exception:  # e.g. a full disk: reading goes on; the marks stay for later and for `check`
        log.warning("cannot re-index the recordings an interrupted edit left", exc_info=True)
        return
    log.warning("re-indexed recordings %s, whose edit was interrupted", done)


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
