"""Portable bundles: one recording (media, corrected transcript, metadata) in one zip.

Layout of a ``.cabundle``::

    manifest.json      format, version, the file list with sizes and SHA-256 checksums
    recording.json     metadata and the current transcript (segments, words, speakers,
                       corrected and original text)
    media/<name>       the recording's media file

Importing checks everything before writing anything: names that would escape the
archive (zip-slip), unexpected files, sizes and checksums (truncated or tampered
bundles). Then it copies the media into the store and writes the catalog rows in one
transaction, and indexes the recording.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import shutil
import tempfile
import zipfile
import zlib
from pathlib import Path
from types import SimpleNamespace

from archive import media as media_store
from archive.exports import ExportError, load_transcript
from archive.recordings import index_recording, remove_recording
from archive.status import Outcome, Status

FORMAT = "council-archive-bundle"
VERSION = 1
MAX_BUNDLE_FILES = 3


class BundleError(ValueError):
    pass


def _sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_bundle(archive, recording_id: int, out: Path) -> Path:
    data = load_transcript(archive, recording_id)
    rec = data.recording
    media = archive.media_path(rec)
    if media is None or not media.exists():
        raise ExportError(f"the media file of recording {recording_id} is missing; cannot bundle it")
    record = {
        "recording": {k: getattr(rec, k) for k in ("title", "body", "kind", "date", "duration", "language", "sha256")},
        "transcript": {k: data.transcript[k] for k in ("engine", "model", "prompt", "source", "created")} if data.transcript else None,
        "segments": [
            {
                k: s[k]
                for k in ("idx", "start", "end", "text", "original_text", "speaker", "avg_logprob", "no_speech_prob", "flag")
            }
            | {"words": [{k: w[k] for k in ("start", "end", "text", "probability")} for w in s["words"]]}
            for s in data.segments
        ],
    }
    record_bytes = json.dumps(record, ensure_ascii=False, indent=1).encode("utf-8")
    media_name = "media/" + media_store.stored_name(rec.sha256, media)
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "files": {
            "recording.json": {"size": len(record_bytes), "sha256": _sha256_bytes(record_bytes)},
            media_name: {"size": media.stat().st_size, "sha256": rec.sha256},
        },
    }
    tmp = out.with_name(out.name + ".partial")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(manifest, indent=1))
        zf.writestr("recording.json", record_bytes)
        zf.write(media, media_name, compress_type=zipfile.ZIP_STORED)
    os.replace(tmp, out)
    return out


def _safe_member(name: str) -> bool:
    if not name or name.startswith(("/", "\\")) or "\\" in name or ":" in name:
        return False
    norm = posixpath.normpath(name)
    return not (norm.startswith("..") or "/../" in f"/{norm}/" or norm != name)


def read_bundle(path: Path, workdir: Path) -> tuple[dict, Path]:
    """Validate a bundle and extract its media into ``workdir``. Raises BundleError."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BundleError(f"{path}: not a readable bundle (truncated or not a zip file)") from exc
    with zf:
        names = zf.namelist()
        bad = [n for n in names if not _safe_member(n)]
        if bad:
            raise BundleError(f"{path}: refused: the bundle contains a path outside the archive ({bad[0]!r})")
        if "manifest.json" not in names:
            raise BundleError(f"{path}: refused: no manifest.json")
        try:
            manifest = json.loads(zf.read("manifest.json"))
        except (ValueError, zipfile.BadZipFile, OSError) as exc:
            raise BundleError(f"{path}: refused: unreadable manifest") from exc
        if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
            raise BundleError(f"{path}: refused: not a council-archive bundle of version {VERSION}")
        files = manifest.get("files") or {}
        expected = set(files) | {"manifest.json"}
        if set(names) != expected or len(files) > MAX_BUNDLE_FILES:
            raise BundleError(f"{path}: refused: its files do not match its manifest")
        media_names = [n for n in files if n.startswith("media/") and n.count("/") == 1]
        if "recording.json" not in files or len(media_names) != 1:
            raise BundleError(f"{path}: refused: a bundle holds recording.json and one media file")
        try:
            record_bytes = zf.read("recording.json")
            if len(record_bytes) != files["recording.json"]["size"] or _sha256_bytes(record_bytes) != files["recording.json"]["sha256"]:
                raise BundleError(f"{path}: refused: recording.json does not match its checksum (tampered or damaged)")
            media_name = media_names[0]
            target = workdir / posixpath.basename(media_name)
            digest = hashlib.sha256()
            size = 0
            with zf.open(media_name) as src, open(target, "wb") as dst:
                while block := src.read(1 << 20):
                    digest.update(block)
                    size += len(block)
                    dst.write(block)
        except (zipfile.BadZipFile, EOFError, OSError, KeyError, zlib.error) as exc:
            raise BundleError(f"{path}: refused: the bundle is truncated or damaged") from exc
        if size != files[media_name]["size"] or digest.hexdigest() != files[media_name]["sha256"]:
            raise BundleError(f"{path}: refused: the media does not match its checksum (tampered or damaged)")
        try:
            record = json.loads(record_bytes)
            record["recording"]["title"]
        except (ValueError, KeyError, TypeError) as exc:
            raise BundleError(f"{path}: refused: recording.json is not valid") from exc
        if record["recording"].get("sha256") != digest.hexdigest():
            raise BundleError(f"{path}: refused: the metadata names another media file")
    return record, target


def import_bundle(archive, path: Path) -> tuple[int, str, Outcome]:
    """Restore a bundle (caller holds the write lock). Returns (id, title, INDEXED or DUPLICATE)."""
    with tempfile.TemporaryDirectory(dir=archive.root) as tmp:
        record, media_file = read_bundle(Path(path), Path(tmp))
        meta = record["recording"]
        existing = archive.catalog.recording_by_sha(meta["sha256"])
        if existing is not None:
            return existing.id, existing.title, Outcome.DUPLICATE
        stored = media_store.store(archive.media_dir, media_file, meta["sha256"])
        catalog = archive.catalog
        try:
            with archive.db.atomic():
                rid = catalog.add_recording(
                    title=meta["title"],
                    body=meta.get("body"),
                    kind=meta.get("kind") or "meeting",
                    date=meta.get("date"),
                    source_path=str(Path(path).resolve()),
                    media_path=str(stored.relative_to(archive.root)),
                    linked=0,
                    sha256=meta["sha256"],
                    duration=meta.get("duration"),
                    language=meta.get("language"),
                    status=Status.INDEXING,
                )
                t = record.get("transcript") or {}
                tid = catalog.start_transcript(rid, t.get("engine") or "bundle", t.get("model"), t.get("prompt"), "bundle")
                for i, seg in enumerate(record.get("segments") or []):
                    words = [SimpleNamespace(start=w["start"], end=w["end"], word=w["text"], probability=w.get("probability", 1.0))
                             for w in seg.get("words") or []]
                    sid = catalog.add_segment(tid, i, SimpleNamespace(**{**seg, "words": words}))
                    if seg.get("original_text") and seg["original_text"] != seg["text"]:
                        catalog.update_segment(sid, original_text=seg["original_text"])
                catalog.finish_transcript(tid)
            index_recording(archive, rid)
            catalog.update_recording(rid, status=Status.INDEXED, progress=1.0)
        except Exception:
            rec = catalog.recording_by_sha(meta["sha256"])
            if rec is not None:
                remove_recording(archive, rec.id)
            elif stored.exists():
                stored.unlink()
            raise
    return rid, meta["title"], Outcome.INDEXED
