"""Restoring a checked bundle into the archive, like any import: resumable, never doubled.

:func:`restore` (the caller holds the write lock) opens and checks the bundle
(:func:`archive.bundle.open_bundle`), then

1. streams its media into the store through a ``.partial`` file (as a file import
   copies: a crash leaves only that, which the next writer and ``check --repair``
   delete), with a byte budget, its checksum verified and the copy probed like any
   import: it must be real audio;
2. commits the recording, its transcript, voices, speaker turns and an open import
   job in one transaction.

The importer then indexes it through that job (:meth:`archive.importer.Importer._process`),
so a run killed while indexing is finished by ``resume`` or by importing the bundle
again. Each named voice's voiceprint is offered to the roster (``roster.offered = 1``:
not used to name voices until a person accepts it); a roster entry of that name is
never overwritten.
"""

from __future__ import annotations

import errno
import json
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Callable, Optional

from archive import media as media_store
from archive import chapter_bundle, voices
from archive.bundle import Bundle, BundleError, open_bundle
from archive.catalog import now
from archive.status import Status
from transcription.audio import check_complete, probe
from transcription.diarize import merge_voiceprints
from transcription.errors import AudioError

log = logging.getLogger(__name__)

JOB_OPTIONS = {"engine": "bundle"}  # the job only indexes: the transcript came with the bundle
SPARE_BYTES = 1 << 20  # room the catalog and index need beside the media


@dataclass
class Restored:
    id: int
    title: str
    job: Optional[dict]  # the import job that indexes it
    duplicate: bool = False  # already in the archive, finished: nothing was added


def restore(archive, path: Path, on_store: Callable[[], None] = lambda: None) -> Restored:
    """Check a bundle and commit it, ready to index (caller holds the write lock).

    Raises :class:`BundleError` for a bad bundle, ``OSError``/``sqlite3.Error`` when the
    archive cannot be written (a full disk); nothing is left behind either way.
    """
    catalog = archive.catalog
    with open_bundle(Path(path)) as bundle:
        meta = bundle.record["recording"]
        existing = catalog.recording_by_sha(meta["sha256"])
        if existing is not None:  # finished: a duplicate; else an import a crash cut short, finished now
            return Restored(existing.id, existing.title, catalog.job_for(existing.id),
                            duplicate=existing.status == Status.INDEXED)
        _check_room(archive, bundle)
        on_store()
        info = {}

        def verify(copy: Path) -> None:
            stream.check()
            info["duration"] = _probe(bundle, copy)

        with bundle.media_stream() as stream:
            stored = media_store.store_stream(archive.media_dir, stream, bundle.media_name, meta["sha256"], verify)
    try:
        rid = _commit(archive, bundle, stored, info["duration"])
    except BaseException:
        stored.unlink(missing_ok=True)  # no row refers to it: no recording has this checksum
        raise
    return Restored(rid, meta["title"], catalog.job_for(rid))


def _check_room(archive, bundle: Bundle) -> None:
    """Say the disk is full before copying what cannot fit."""
    need = bundle.media_size + SPARE_BYTES
    try:
        free = shutil.disk_usage(archive.root).free
    except OSError:
        log.warning("cannot tell the free space of %s", archive.root, exc_info=True)
        return
    if free < need:
        raise OSError(errno.ENOSPC, f"the bundle needs {need / 1e6:.1f} MB, {free / 1e6:.1f} MB are free")


def _probe(bundle: Bundle, copy: Path) -> Optional[float]:
    """The media must be real audio, as for any import. Its duration, from the media itself."""
    try:
        media_info = probe(copy)
        check_complete(copy, media_info)
    except AudioError as exc:
        detail = f" ({exc.detail})" if exc.detail else ""
        raise BundleError(f"{bundle.path}: refused: its media: {exc.reason}{detail}".replace("\n", " ")) from exc
    return media_info.duration or None


def _commit(archive, bundle: Bundle, stored: Path, duration: Optional[float]) -> int:
    """The recording, its transcript, voices and turns, and its open job: one transaction."""
    record = bundle.record
    meta, t = record["recording"], record["transcript"]
    catalog, db = archive.catalog, archive.db
    with db.atomic():
        rid = catalog.add_recording(
            title=meta["title"],
            body=meta["body"],
            kind=meta["kind"],
            date=meta["date"],
            source_path=str(bundle.path.resolve()),
            media_path=str(stored.relative_to(archive.root)),
            linked=0,
            sha256=meta["sha256"],
            duration=duration or meta["duration"],
            language=meta["language"],
            status=Status.INDEXING,
        )
        catalog.add_job(rid, json.dumps(JOB_OPTIONS))  # before the transcript: it is this job's
        tid = catalog.start_transcript(rid, t["engine"] or "bundle", t["model"], t["prompt"], "bundle")
        for i, seg in enumerate(record["segments"]):
            words = [SimpleNamespace(start=w["start"], end=w["end"], word=w["text"], probability=w["probability"])
                     for w in seg["words"]]
            sid = catalog.add_segment(tid, i, SimpleNamespace(**{**seg, "words": words}))
            # a speaker in a transcript never diarized was given by a person or by captions
            # (all of them, in a version 1 bundle): diarizing it later must not change it
            given = 1 if seg["speaker"] and not t["diarized"] else 0
            catalog.update_segment(sid, original_text=seg["original_text"], source=seg["source"],
                                   speaker_set=seg["speaker_set"] or given)
        catalog.finish_transcript(tid)
        db["transcripts"].update(tid, {"diarized": t["diarized"]})
        _add_voices(db, rid, record["voices"])
        db["speaker_turns"].insert_all({"recording_id": rid, **turn} for turn in record["turns"])
        chapter_bundle.restore(db, rid, record)  # the import's chapters step keeps hand-set starts
    return rid


def _add_voices(db, rid: int, items: list[dict]) -> None:
    stamp = now()
    for v in items:
        offered = _offer(db, v, stamp) if v["name"] and not v["suggested"] and v["embedding"] is not None else None
        db["voices"].insert({
            **{k: v[k] for k in ("label", "name", "suggested", "score", "talk_time", "turns")},
            "recording_id": rid,
            "roster_id": offered,
            "embedding": None if v["embedding"] is None else voices.to_blob(v["embedding"]),
            "created": stamp,
            "updated": stamp,
        })


def _offer(db, voice: dict, stamp: str) -> Optional[int]:
    """A named voice's voiceprint, offered to the roster unless a voice of that name is there."""
    if db.execute("SELECT 1 FROM roster WHERE name = ? COLLATE NOCASE", [voice["name"]]).fetchone():
        return None
    return db["roster"].insert({
        "name": voice["name"],
        "voiceprint": voices.to_blob(merge_voiceprints([voice["embedding"]])),
        "talk_time": voice["talk_time"],
        "recordings": 1,
        "offered": 1,
        "created": stamp,
        "updated": stamp,
    }).last_pk
