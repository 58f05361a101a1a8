"""From catalog rows to the search index, and the checks that keep them in step.

The catalog is the source of truth: :func:`reindex` rebuilds the index from it, and
:func:`check` compares catalog, index and media and says what disagrees.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass, field
from typing import Iterator, Optional

from archive import media
from archive.alignment import align_words, words_fit
from archive.recordings import recording_doc
from archive.status import Status
from archive.store import ArchiveError, disk_full

ORPHANED = "orphaned-media"  # repair moves media no recording refers to here (never deletes it)

CHECK_FIELDS = ("index_without_catalog", "catalog_without_media", "media_without_catalog", "index_out_of_date", "not_indexed")


def reindex(archive, progress=None) -> int:
    """Rebuild the whole index from the catalog (caller holds the write lock). Returns the
    number of recordings indexed.

    The new index is built beside the current one, which readers keep searching, and
    swapped in only when it is complete; a failure (a full disk) leaves the current one
    as it was and raises ArchiveError with one line."""
    recs = [r for r in archive.catalog.recordings() if archive.catalog.current_transcript(r.id)]
    try:
        with archive.building_index() as index, index.writer() as writer:
            for i, rec in enumerate(recs, 1):
                writer.add_recording(recording_doc(archive.catalog, rec))
                if progress:
                    progress(i, len(recs))
    except OSError as exc:
        full = exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)) or disk_full(archive.root)
        reason = "the disk is full" if full else (exc.strerror or str(exc))
        raise ArchiveError(f"cannot rebuild the search index of {archive.root} (the old one is kept): {reason}") from exc
    archive.catalog.mark_index_pending(archive.catalog.index_pending(), False)
    for rec in recs:
        if rec.status != Status.INDEXED:
            archive.catalog.update_recording(rec.id, status=Status.INDEXED, progress=1.0, error=None)
    return len(recs)


@dataclass
class CheckReport:
    index_without_catalog: list[int] = field(default_factory=list)
    catalog_without_media: list[int] = field(default_factory=list)
    media_without_catalog: list[str] = field(default_factory=list)
    index_out_of_date: list[int] = field(default_factory=list)
    not_indexed: list[int] = field(default_factory=list)
    partial_media: list[str] = field(default_factory=list)
    # not an inconsistency, but worth saying: imports a crash left for `resume`, or that
    # a live import (``busy``: a writer holds the lock) is still making
    unfinished: list[int] = field(default_factory=list)
    busy: bool = False

    @property
    def clean(self) -> bool:
        return not any(getattr(self, f) for f in (*CHECK_FIELDS, "partial_media"))

    def lines(self) -> Iterator[str]:
        labels = {
            "index_without_catalog": "in the index but not in the catalog: recording",
            "catalog_without_media": "media file missing for recording",
            "media_without_catalog": "media file not in the catalog:",
            "index_out_of_date": "index differs from the catalog (text, speakers, times, title, body, date or kind) "
                                 "for recording",
            "not_indexed": "transcribed but missing from the index: recording",
            "partial_media": "half-copied media left by a crash:",
        }
        for name, label in labels.items():
            for item in getattr(self, name):
                yield f"{label} {item}"

    def notes(self) -> Iterator[str]:
        if self.busy:
            yield "an import or edit is running (the archive's write lock is held): check again when it finishes"
        for rid in self.unfinished:
            if self.busy:
                yield f"recording {rid} is not finished yet"
            else:
                yield f"import of recording {rid} is unfinished: run `council-archive resume {rid}` to finish it"

    def to_dict(self) -> dict:
        fields = (*CHECK_FIELDS, "partial_media", "unfinished", "busy")
        return {f: getattr(self, f) for f in fields} | {"clean": self.clean}


def check(archive) -> CheckReport:
    """Compare catalog, index and media. Every recording's index documents are compared
    field by field with what the catalog makes of it (:func:`recording_doc`), and a
    recording an interrupted edit left marked is out of date whatever the comparison says."""
    report = CheckReport(busy=archive.writer_busy())
    catalog = archive.catalog
    recs = {r.id: r for r in catalog.recordings()}
    pending = set(catalog.index_pending())
    indexed_ids = archive.index.recording_ids()
    report.index_without_catalog = sorted(indexed_ids - set(recs))
    stored = set()
    for rec in recs.values():
        path = archive.media_path(rec)
        if path is None or not path.exists():
            report.catalog_without_media.append(rec.id)
        elif not rec.linked:
            stored.add(path.name)
        if rec.status != Status.INDEXED:
            report.unfinished.append(rec.id)
            continue
        doc = recording_doc(catalog, rec)
        if rec.id not in indexed_ids:
            if doc.segments:
                report.not_indexed.append(rec.id)
            continue
        if rec.id in pending or not archive.index.holds(doc):
            report.index_out_of_date.append(rec.id)
    if archive.media_dir.exists():
        for entry in sorted(os.listdir(archive.media_dir)):
            if not entry.startswith(".") and entry not in stored:
                report.media_without_catalog.append(entry)
    if not report.busy:  # else the live import's copy in progress
        report.partial_media = [p.name for p in media.partial_files(archive.media_dir)]
    return report


def repair(archive, report: Optional[CheckReport] = None) -> list[str]:
    """Fix what can be fixed without losing corrections. Returns what was done."""
    report = report or check(archive)
    done = []
    if report.index_without_catalog or report.index_out_of_date or report.not_indexed:
        stale = sorted(set(report.index_out_of_date) | set(report.not_indexed))
        with archive.index.writer() as writer:
            for rid in report.index_without_catalog:
                writer.delete_recording(rid)
                done.append(f"removed recording {rid} from the index (not in the catalog)")
            for rid in stale:
                realigned = _realign_words(archive, rid)
                writer.add_recording(recording_doc(archive.catalog, archive.catalog.recording(rid)))
                done.append(f"re-indexed recording {rid} from the catalog"
                            + (f" (word times re-aligned to the text of {realigned} segment(s))" if realigned else ""))
        archive.catalog.mark_index_pending(stale, False)
    for name in report.partial_media:
        (archive.media_dir / name).unlink(missing_ok=True)
        done.append(f"deleted half-copied media {name}")
    missing = set(report.catalog_without_media)
    for name in report.media_without_catalog:
        rid = _relink(archive, name, missing)
        if rid is not None:
            missing.discard(rid)
            done.append(f"recording {rid} points at its media {name} again")
            continue
        target = archive.root / ORPHANED / name
        target.parent.mkdir(exist_ok=True, mode=0o700)
        os.replace(archive.media_dir / name, target)
        done.append(f"moved unreferenced media {name} to {ORPHANED}/ (import it again to catalog it, or delete it)")
    for rid in sorted(missing):
        if _restore_media(archive, rid):
            done.append(f"copied recording {rid}'s media back in from its source file")
        else:
            done.append(f"recording {rid} has no media: its transcript stays searchable; re-import the file to restore audio")
    return done


def _realign_words(archive, rid: int) -> int:
    """The text is the truth (what people read and correct); word times are derived from
    it. Where a segment's text was changed without its words (by hand, by another tool),
    the words are re-aligned to the text, keeping the times of the words that did not
    change, exactly as a correction does. Returns how many segments were re-aligned."""
    catalog = archive.catalog
    transcript = catalog.current_transcript(rid)
    if transcript is None:
        return 0
    words = catalog.words_by_segment(transcript["id"])
    n = 0
    for seg in catalog.segments(transcript["id"]):
        old = words.get(seg["id"], [])
        if old and not words_fit(seg["text"] or "", old):
            catalog.replace_words(seg["id"], align_words(old, seg["text"] or "", seg["start"], seg["end"]))
            n += 1
    return n


def _relink(archive, name: str, missing: set[int]) -> Optional[int]:
    """A stored file named after a recording whose media is missing is that recording's media."""
    rec = archive.catalog.recording_by_sha(name.split(".", 1)[0])
    if rec is None or rec.id not in missing or rec.linked:
        return None
    path = archive.media_dir / name
    if media.sha256_of(path) != rec.sha256:
        return None
    archive.catalog.update_recording(rec.id, media_path=str(path.relative_to(archive.root)))
    return rec.id


def _restore_media(archive, rid: int) -> bool:
    """Copy a recording's media back into the store from its source, if that is still the same file."""
    rec = archive.catalog.recording(rid)
    if rec is None or rec.linked or not rec.source_path or not os.path.isfile(rec.source_path):
        return False
    try:
        if media.sha256_of(rec.source_path) != rec.sha256:
            return False
        stored = media.store(archive.media_dir, rec.source_path, rec.sha256)
    except OSError:
        return False
    archive.catalog.update_recording(rid, media_path=str(stored.relative_to(archive.root)))
    return True
