"""Portable bundles: one recording (media, corrected transcript, speakers, metadata) in one zip.

Layout of a ``.cabundle``::

    manifest.json      format, version, the file list with sizes and SHA-256 checksums
    recording.json     metadata, the current transcript (segments with their raw speaker
                       labels, words, corrected and original text), and since version 2 the
                       recording's voices (with their voiceprints) and speaker turns, and
                       since version 3 its agenda, chapters (hand-set starts marked) and votes
    media/<name>       the recording's media file

:func:`open_bundle` checks everything it can before anything is written: names that
would escape the archive (zip-slip), symbolic links, encryption, compression methods,
sizes (the manifest's against the zip's directory, and a sane compression ratio, so a
zip bomb is refused before a byte is inflated), checksums, and ``recording.json`` under
the archive's one set of rules (:func:`archive.schema.bundle_record`).
:mod:`archive.bundle_restore` then streams the media into the store and commits the rows.
Version 1 bundles (no voices) still open.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import stat
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

from archive import media as media_store
from archive import chapter_bundle, schema, voices
from archive.exports import ExportError, load_transcript
from archive.outputs import output_path

FORMAT = "council-archive-bundle"
VERSION = 3
READABLE = (1, 2, 3)  # versions this code opens (3: agenda, chapters and votes)
MAX_BUNDLE_FILES = 3
MAX_MANIFEST_BYTES = 64 << 10
MAX_RECORD_BYTES = 32 << 20  # recording.json: a 12-hour meeting with every word is ~12 MB
MAX_RATIO = 100  # a compressed member may not claim to inflate more than this (JSON gives ~5-15)
SMALL = 1 << 20  # members this small skip the ratio check
COMPRESSIONS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)  # what write_bundle uses
# what a damaged zip raises while it is read
READ_ERRORS = (zipfile.BadZipFile, EOFError, OSError, KeyError, zlib.error, NotImplementedError, RuntimeError)


class BundleError(ValueError):
    pass


def _sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- writing --------------------------------------------------------------------------------


def bundle_record(archive, recording_id: int) -> tuple[dict, Path]:
    """recording.json's content for a recording, and its media file."""
    data = load_transcript(archive, recording_id)
    rec = data.recording
    media = archive.media_path(rec)
    if media is None or not media.exists():
        raise ExportError(f"the media file of recording {recording_id} is missing; cannot bundle it")
    t = data.transcript
    record = {
        "recording": {k: getattr(rec, k) for k in ("title", "body", "kind", "date", "duration", "language", "sha256")},
        "transcript": {k: t[k] for k in ("engine", "model", "prompt", "source", "created", "diarized")} if t else None,
        "segments": [
            {k: s[k] for k in ("idx", "start", "end", "text", "original_text", "avg_logprob", "no_speech_prob", "flag",
                               "source", "speaker_set")}
            | {"speaker": s["label"], "language": s.get("language")}  # the stored label: the voices below say who it is
            | {"words": [{k: w[k] for k in ("start", "end", "text", "probability")} for w in s["words"]]}
            for s in data.segments
        ],
        "voices": [
            {k: v[k] for k in ("label", "name", "score", "talk_time", "turns")}
            | {"suggested": bool(v["suggested"]), "embedding": schema.embedding_text(voices.from_blob(v["embedding"]))}
            for v in voices.voices(archive.db, recording_id)
        ],
        "turns": [
            {k: t[k] for k in ("start", "end", "label")}
            for t in archive.db["speaker_turns"].rows_where("recording_id = ?", [recording_id], order_by="start")
        ],
        **chapter_bundle.record(archive.db, recording_id),
    }
    return record, media


def write_bundle(archive, recording_id: int, out: Path) -> Path:
    out = output_path(archive, out)  # never into the archive itself
    record, media = bundle_record(archive, recording_id)
    sha = record["recording"]["sha256"]
    record_bytes = json.dumps(record, ensure_ascii=False, indent=1).encode("utf-8")
    media_name = "media/" + media_store.stored_name(sha, media)
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "files": {
            "recording.json": {"size": len(record_bytes), "sha256": _sha256_bytes(record_bytes)},
            media_name: {"size": media.stat().st_size, "sha256": sha},
        },
    }
    tmp = out.with_name(out.name + ".partial")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(manifest, indent=1))
        zf.writestr("recording.json", record_bytes)
        zf.write(media, media_name, compress_type=zipfile.ZIP_STORED)
    os.replace(tmp, out)
    return out


# --- reading and checking ---------------------------------------------------------------------


@dataclass
class Bundle:
    """A bundle whose manifest and recording.json passed every check; its media is not read yet."""

    path: Path
    record: dict  # archive.schema.bundle_record's result
    media_name: str
    media_size: int
    media_sha256: str
    zf: zipfile.ZipFile

    def media_stream(self) -> "MediaStream":
        return MediaStream(self)


@contextmanager
def open_bundle(path: Path) -> Iterator[Bundle]:
    """Open and check a bundle (raises :class:`BundleError` with one line)."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise BundleError(f"{path}: not a readable bundle (truncated or not a zip file)") from exc
    with zf:
        yield _checked(path, zf)


def _refuse(path: Path, why: str) -> BundleError:
    return BundleError(f"{path}: refused: {why}")


def _safe_member(name: str) -> bool:
    if not name or name.startswith(("/", "\\")) or "\\" in name or ":" in name:
        return False
    norm = posixpath.normpath(name)
    return not (norm.startswith("..") or "/../" in f"/{norm}/" or norm != name)


def _check_members(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    """What the zip's central directory says, checked before any member is read."""
    names = [i.filename for i in infos]
    bad = [n for n in names if not _safe_member(n)]
    if bad:
        raise _refuse(path, f"the bundle contains a path outside the archive ({bad[0]!r})")
    if len(set(names)) != len(names):
        raise _refuse(path, "the bundle holds two files of the same name")
    for info in infos:
        if stat.S_ISLNK(info.external_attr >> 16):
            raise _refuse(path, f"the bundle holds a symbolic link ({info.filename!r}), not a file")
        if info.flag_bits & 0x1:
            raise _refuse(path, f"the bundle is encrypted ({info.filename!r})")
        if info.compress_type not in COMPRESSIONS:
            raise _refuse(path, f"{info.filename!r} uses a compression method bundles do not use ({info.compress_type})")
        stored = info.compress_type == zipfile.ZIP_STORED
        if (stored and info.file_size != info.compress_size) or (
            not stored and info.file_size > SMALL and info.file_size > info.compress_size * MAX_RATIO
        ):
            raise _refuse(path, f"{info.filename!r} claims to unpack {info.file_size} bytes from {info.compress_size} "
                                "(a zip bomb, or a damaged bundle)")


def _read_member(path: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    if info.file_size > limit:
        raise _refuse(path, f"{info.filename} is too large ({info.file_size} bytes; at most {limit})")
    try:
        with zf.open(info) as src:
            data = src.read(limit + 1)
    except READ_ERRORS as exc:
        raise _refuse(path, "the bundle is truncated or damaged") from exc
    if len(data) > limit:
        raise _refuse(path, f"{info.filename} is too large")
    return data


def _manifest_files(path: Path, manifest) -> dict:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _refuse(path, "not a council-archive bundle")
    if manifest.get("version") not in READABLE:
        raise _refuse(path, f"a bundle of version {manifest.get('version')!r}; this version of Council Archive "
                            f"reads versions {', '.join(map(str, READABLE))}")
    files = manifest.get("files")
    if not isinstance(files, dict) or not all(
        isinstance(f, dict) and type(f.get("size")) is int and f["size"] >= 0 and isinstance(f.get("sha256"), str)
        for f in files.values()
    ):
        raise _refuse(path, "its manifest is not valid")
    return files


def _checked(path: Path, zf: zipfile.ZipFile) -> Bundle:
    infos = zf.infolist()
    _check_members(path, infos)
    by_name = {i.filename: i for i in infos}
    if "manifest.json" not in by_name:
        raise _refuse(path, "no manifest.json")
    try:
        manifest = json.loads(_read_member(path, zf, by_name["manifest.json"], MAX_MANIFEST_BYTES))
    except (ValueError, RecursionError) as exc:
        raise _refuse(path, "unreadable manifest") from exc
    files = _manifest_files(path, manifest)
    if set(by_name) != set(files) | {"manifest.json"} or len(files) > MAX_BUNDLE_FILES:
        raise _refuse(path, "its files do not match its manifest")
    media_names = [n for n in files if n.startswith("media/") and n.count("/") == 1]
    if "recording.json" not in files or len(media_names) != 1:
        raise _refuse(path, "a bundle holds recording.json and one media file")
    for name, entry in files.items():
        if by_name[name].file_size != entry["size"]:
            raise _refuse(path, f"{name} is {by_name[name].file_size} bytes in the zip, {entry['size']} in its manifest "
                                "(tampered or damaged)")
    record_bytes = _read_member(path, zf, by_name["recording.json"], MAX_RECORD_BYTES)
    if _sha256_bytes(record_bytes) != files["recording.json"]["sha256"]:
        raise _refuse(path, "recording.json does not match its checksum (tampered or damaged)")
    try:
        raw = json.loads(record_bytes)
    except (ValueError, RecursionError) as exc:
        raise _refuse(path, "recording.json is not valid JSON") from exc
    del record_bytes
    try:
        record = schema.bundle_record(raw) | chapter_bundle.checked(raw)
    except schema.SchemaError as exc:
        raise _refuse(path, f"recording.json: {exc}") from exc
    media_name = media_names[0]
    if record["recording"]["sha256"] != files[media_name]["sha256"]:
        raise _refuse(path, "the metadata names another media file")
    return Bundle(path, record, media_name, files[media_name]["size"], files[media_name]["sha256"], zf)


class MediaStream:
    """The bundle's media as a file object: at most its manifest's size is read, hashed
    on the way; a damaged zip raises :class:`BundleError` (never an ``OSError``, which
    says that writing failed)."""

    def __init__(self, bundle: Bundle):
        self.bundle = bundle
        self.digest = hashlib.sha256()
        self.size = 0
        self._src: BinaryIO | None = None

    def __enter__(self) -> "MediaStream":
        try:
            self._src = self.bundle.zf.open(self.bundle.media_name)
        except READ_ERRORS as exc:
            raise _refuse(self.bundle.path, "the bundle is truncated or damaged") from exc
        return self

    def __exit__(self, *exc) -> None:
        if self._src is not None:
            self._src.close()

    def read(self, n: int = -1) -> bytes:
        budget = self.bundle.media_size - self.size + 1  # one byte more shows a lie
        try:
            block = self._src.read(budget if n is None or n < 0 else min(n, budget))
        except READ_ERRORS as exc:
            raise _refuse(self.bundle.path, "the bundle is truncated or damaged") from exc
        self.size += len(block)
        if self.size > self.bundle.media_size:
            raise _refuse(self.bundle.path, "the media is larger than its manifest says (tampered or damaged)")
        self.digest.update(block)
        return block

    def check(self) -> None:
        if self.size != self.bundle.media_size or self.digest.hexdigest() != self.bundle.media_sha256:
            raise _refuse(self.bundle.path, "the media does not match its checksum (tampered or damaged)")
