"""Reliability of bundles (issue 12 items 1, 5, 7, 13 and 15; issue 11: voices travel with a bundle).

Every bundle here is a real one, written by the app's own ``write_bundle`` from a real
archive (real media made with ffmpeg, captions as its transcript, voices rows as the
diarization stage stores them), then tampered with ``zipfile`` the way an attacker
would: checksums and sizes in the manifest made to match whatever was changed. Crashes
are real ``kill -9`` of the real command line (``tests/reliability_driver.py``), a full
disk a real small tmpfs (root only; skipped otherwise).
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import struct
import subprocess
import sys
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

from archive import bundle, bundle_restore, voices
from archive.bundle import VERSION, write_bundle
from archive.importer import Importer
from archive.recordings import index_recording
from archive.status import Outcome
from archive.store import Archive
from archive.transcripts import read_transcript
from transcription.diarize import fake_voiceprint

from test_reliability import (  # noqa: F401  (tmpfs is a fixture)
    ERROR, ROOT, _env, assert_one_line_error, captioned, check_ok, cli, cli_json, error_lines, fill, index_ids, kill9,
    media_files, ok, rows, start_paused, tmpfs, wait_for,
)

ARCHIVE_FILES = {"catalog.db", "catalog.db-wal", "catalog.db-shm", "index", "media", ".write.lock", "council-archive.log"}


# --- a real archive and its real bundles ---------------------------------------------------------


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _add_voices(archive, rid: int) -> None:
    """Two voices as the diarization stage stores them: one named by a person, one a roster suggestion."""
    db = archive.db
    tid = archive.catalog.current_transcript(rid)["id"]
    first, second = archive.catalog.segments(tid)
    with archive.writing(), db.atomic():
        archive.catalog.update_segment(first["id"], speaker="Speaker 1")
        archive.catalog.update_segment(second["id"], speaker="Speaker 2", source=0, speaker_set=0, language="es")
        db["transcripts"].update(tid, {"diarized": 1})
        for label, name, suggested, score, key, talk in (("Speaker 1", "Mayor Donovan", 0, None, "mayor", 3.0),
                                                        ("Speaker 2", "Clerk Ames", 1, 0.93, "clerk", 3.5)):
            db["voices"].insert({"recording_id": rid, "label": label, "name": name, "suggested": suggested, "score": score,
                                 "talk_time": talk, "turns": 1, "embedding": voices.to_blob(fake_voiceprint(key) * 3)})
        db["speaker_turns"].insert_all([{"recording_id": rid, "start": 1.0, "end": 4.0, "label": "Speaker 1"},
                                        {"recording_id": rid, "start": 4.5, "end": 8.0, "label": "Speaker 2"}])
    with archive.writing():
        index_recording(archive, rid)


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> dict:
    """An archive with two captioned recordings (the first with voices) and a bundle of each."""
    d = tmp_path_factory.mktemp("bundles")
    files = [captioned(d / "src", "budget_2019-03-04", 330, "The budget passed tonight.", "Snow plows on Elm Street."),
             captioned(d / "src", "library_2020-01-02", 440, "The library opens on Sundays.", "Potholes on Maple.")]
    with Archive(d / "archive") as archive:
        importer = Importer(archive)
        assert [r.status for r in importer.import_paths(files)] == ["indexed", "indexed"]
        _add_voices(archive, 1)
        good = write_bundle(archive, 1, d / "budget.cabundle")
        other = write_bundle(archive, 2, d / "library.cabundle")
    return {"dir": d, "archive": d / "archive", "good": good, "other": other}


def parts(bundle: Path) -> tuple[dict, dict, str, bytes]:
    with zipfile.ZipFile(bundle) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        name = next(n for n in zf.namelist() if n.startswith("media/"))
        return manifest, json.loads(zf.read("recording.json")), name, zf.read(name)


def tampered(good: Path, out: Path, *, record=None, media=None, manifest=None, symlink=False) -> Path:
    """``good`` changed as an attacker would, its manifest made to match: ``record(rec)`` and
    ``media(data)`` return the new recording.json (an object, or raw bytes) and media."""
    man, rec, name, data = parts(good)
    if media is not None:
        data = media(data)
        rec["recording"]["sha256"] = _sha(data)
    if record is not None:
        rec = record(rec)
    rec_bytes = rec if isinstance(rec, bytes) else json.dumps(rec, ensure_ascii=False).encode()
    man["files"] = {"recording.json": {"size": len(rec_bytes), "sha256": _sha(rec_bytes)},
                    name: {"size": len(data), "sha256": _sha(data)}}
    if manifest is not None:
        manifest(man)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(man))
        zf.writestr("recording.json", rec_bytes)
        info = zipfile.ZipInfo(name)
        if symlink:
            info.external_attr = (0o120777 << 16)
        zf.writestr(info, data, compress_type=zipfile.ZIP_STORED)
    return out


def patch_headers(bundle: Path, name: str, *, method: int | None = None, flag: int = 0) -> Path:
    """Set a member's compression method or general-purpose flags in its local header and
    in the central directory, as another zip tool would have written them."""
    data = bytearray(bundle.read_bytes())
    with zipfile.ZipFile(bundle) as zf:
        info = zf.getinfo(name)
        start_dir = zf.start_dir
    local, pos = info.header_offset, start_dir
    while data[pos:pos + 4] == b"PK\x01\x02":
        n, m, k = struct.unpack("<HHH", data[pos + 28:pos + 34])
        if data[pos + 46:pos + 46 + n].decode() == name:
            central = pos
        pos += 46 + n + m + k
    for offset, flags_at, method_at in ((local, 6, 8), (central, 8, 10)):
        data[offset + flags_at:offset + flags_at + 2] = struct.pack("<H", struct.unpack(
            "<H", data[offset + flags_at:offset + flags_at + 2])[0] | flag)
        if method is not None:
            data[offset + method_at:offset + method_at + 2] = struct.pack("<H", method)
    bundle.write_bytes(bytes(data))
    return bundle


def zeros_bundle(good: Path, out: Path, member: str, size: int, declared: int | None = None) -> Path:
    """``good`` with ``member`` replaced by ``size`` zero bytes, deflated (a zip bomb); the
    manifest declares ``declared`` bytes for it (default: the truth)."""
    man, _, name, data = parts(good)
    with zipfile.ZipFile(good) as zf:
        record_bytes = zf.read("recording.json")
    target = name if member == "media" else member
    man["files"][target]["size"] = size if declared is None else declared
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(man))
        for entry, payload in (("recording.json", record_bytes), (name, data)):
            if entry != target:
                zf.writestr(entry, payload, compress_type=zipfile.ZIP_STORED if entry == name else zipfile.ZIP_DEFLATED)
                continue
            info = zipfile.ZipInfo(entry)
            info.compress_type = zipfile.ZIP_DEFLATED
            with zf.open(info, "w", force_zip64=True) as dst:
                block = (b" " if entry == "recording.json" else b"\0") * (1 << 20)
                for _ in range(size >> 20):
                    dst.write(block)
    return out


def state(archive_dir: Path) -> dict:
    """What an archive holds, in every place a bundle import could leave something."""
    return {
        "recordings": rows(archive_dir, "SELECT id, title, status FROM recordings ORDER BY id"),
        "jobs": rows(archive_dir, "SELECT recording_id, state FROM jobs ORDER BY id"),
        "segments": rows(archive_dir, "SELECT count(*) FROM segments")[0][0],
        "voices": rows(archive_dir, "SELECT count(*) FROM voices")[0][0],
        "roster": rows(archive_dir, "SELECT name, offered FROM roster ORDER BY name"),
        "media": media_files(archive_dir),
        "index": index_ids(archive_dir),
        "root": sorted(set(os.listdir(archive_dir)) - ARCHIVE_FILES),  # a staging folder, a tmpXXXX ...
    }


def import_batch(archive_dir: Path, *paths: Path):
    with Archive(archive_dir) as archive:
        importer = Importer(archive)
        try:
            return importer.import_paths(list(paths))
        finally:
            importer.close()


# === item 1 (and 15): crafted metadata, transcripts, entries and media =============================


def _set(path: str, value):
    def change(rec):
        target = rec
        keys = path.split(".")
        for key in keys[:-1]:
            target = target[int(key)] if isinstance(target, list) else target[key]
        target[int(keys[-1]) if isinstance(target, list) else keys[-1]] = value
        return rec
    return change


CRAFTED = {
    # case: (how the good bundle is changed, what the one error line says)
    "duration 'abc'": (dict(record=_set("recording.duration", "abc")), "recording.duration must be a number, not 'abc'"),
    "kind 'evil'": (dict(record=_set("recording.kind", "evil")), "recording.kind must be one of meeting, radio, other"),
    "date 'yesterday'": (dict(record=_set("recording.date", "yesterday")), "recording.date must be YYYY-MM-DD"),
    "date 2011-13-45": (dict(record=_set("recording.date", "2011-13-45")), "recording.date must be YYYY-MM-DD"),
    "empty title": (dict(record=_set("recording.title", "")), "recording.title cannot be empty"),
    "blank title": (dict(record=_set("recording.title", "   ")), "recording.title cannot be empty"),
    "null title": (dict(record=_set("recording.title", None)), "recording.title must be text, not null"),
    "escape sequence in the title": (dict(record=_set("recording.title", "\x1b]0;owned\x07\x1b[2JBudget")),
                                     "recording.title cannot hold control characters"),
    "escape sequence in the body": (dict(record=_set("recording.body", "Council\x1b[31m")),
                                    "recording.body cannot hold control characters"),
    "segments that are not objects": (dict(record=_set("segments", [1, "two"])), "segments[0] must be an object"),
    "a list where an object belongs": (dict(record=_set("recording", ["Budget"])), "recording must be an object, not a list"),
    "text where numbers belong": (dict(record=_set("segments.0.start", "abc")), "segments[0].start must be a number"),
    "a word's time as text": (dict(record=_set("segments.1.words", [{"start": "1:00", "end": 5.0, "text": "Snow"}])),
                              "segments[1].words[0].start must be a number, not '1:00'"),
    "words not a list": (dict(record=_set("segments.0.words", "hello")), "segments[0].words must be a list"),
    "a segment ending before it starts": (dict(record=_set("segments.0.end", 0.5)), "segments[0].end cannot come before"),
    "a voiceprint that is not base64": (dict(record=_set("voices.0.embedding", "%%%")), "voices[0].embedding must be base64"),
    "recording.json not JSON": (dict(record=lambda rec: b"{\"recording\": "), "recording.json is not valid JSON"),
    "recording.json nested 100000 deep": (dict(record=lambda rec: b"[" * 100_000), "recording.json is not valid JSON"),
    "non-audio media": (dict(media=lambda data: b"These are the minutes, not audio.\n" * 40),
                        "its media: not an audio or video file"),
    "truncated media": (dict(media=lambda data: data[: len(data) // 2]), "its media: audio is corrupt or truncated"),
    "a manifest that understates the media": (dict(manifest=lambda man: next(
        f for n, f in man["files"].items() if n.startswith("media/")).update(size=1000)),
        "bytes in the zip, 1000 in its manifest"),
    "a symbolic link as media": (dict(media=lambda data: b"/etc/passwd", symlink=True), "holds a symbolic link"),
    "a newer bundle version": (dict(manifest=lambda man: man.update(version=VERSION + 1)), f"a bundle of version {VERSION + 1}"),
}
ZIP_CASES = {
    "unsupported compression": (dict(method=9), "uses a compression method bundles do not use (9)"),
    "an encrypted entry": (dict(flag=0x1), "the bundle is encrypted"),
}


def crafted(source, tmp_path, case: str) -> tuple[Path, str]:
    if case in ZIP_CASES:
        change, reason = ZIP_CASES[case]
        out = Path(shutil.copy(source["good"], tmp_path / "crafted.cabundle"))
        return patch_headers(out, "recording.json", **change), reason
    change, reason = CRAFTED[case]
    return tampered(source["good"], tmp_path / "crafted.cabundle", **change), reason


@pytest.mark.parametrize("case", [*CRAFTED, *ZIP_CASES])
def test_a_crafted_bundle_is_refused_in_one_line_and_the_batch_goes_on(case, source, tmp_path):
    bad, reason = crafted(source, tmp_path, case)
    archive_dir = tmp_path / "archive"
    first, refused, last = import_batch(archive_dir, source["other"], bad, source["good"])
    assert first.status == Outcome.INDEXED, first
    assert refused.status == Outcome.FAILED and refused.id is None, refused
    assert refused.error.startswith(f"{bad}: refused:") and reason in refused.error, refused.error
    assert "\n" not in refused.error and "\x1b" not in refused.error
    assert last.status == Outcome.INDEXED, last  # the rest of the batch imports
    after = state(archive_dir)
    assert [r[1] for r in after["recordings"]] == ["Library", "Budget"] and after["index"] == {1, 2}
    assert len(after["media"]) == 2 and not [f for f in after["media"] if f.startswith(".")]
    assert after["root"] == [] and after["jobs"] == [(1, "done"), (2, "done")]


def test_the_command_line_refuses_each_crafted_bundle_in_one_line_and_every_reader_still_works(source, tmp_path):
    bad = []
    for i, case in enumerate([*CRAFTED, *ZIP_CASES]):
        (tmp_path / str(i)).mkdir()
        bad.append(crafted(source, tmp_path / str(i), case))
    archive_dir = tmp_path / "archive"
    proc = cli(archive_dir, "import", source["other"], *[p for p, _ in bad])
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    lines = error_lines(proc)
    assert len(lines) == len(bad), proc.stderr
    for (path, reason), line in zip(bad, lines):
        assert f"{ERROR} {path}: refused:" in line and reason in line, (reason, line)
    assert "\x1b" not in proc.stdout + proc.stderr
    assert f"1 indexed, {len(bad)} failed" in proc.stdout
    # "duration: abc" no longer breaks the readers of every recording
    assert [r["status"] for r in cli_json(archive_dir, "list")] == ["indexed"]
    ok(cli(archive_dir, "list"))
    assert "library opens" in ok(cli(archive_dir, "show", "1")).stdout.lower()
    assert "library opens" in ok(cli(archive_dir, "export", "1", "--format", "txt")).stdout.lower()
    ok(cli(archive_dir, "clip", "1", "--start", "1", "--end", "3", "-o", tmp_path / "clip.mp3"))
    check_ok(archive_dir)


def test_import_and_edit_share_the_metadata_rules(source, tmp_path):
    archive_dir = tmp_path / "archive"
    media = source["dir"] / "src" / "library_2020-01-02.wav"
    for flag, value, says in (("--title", "   ", "--title cannot be empty"),
                              ("--title", "Budget\x1b[2J", "--title cannot hold control characters"),
                              ("--body", "\x1b]0;owned\x07", "--body cannot hold control characters"),
                              ("--date", "yesterday", "--date must be YYYY-MM-DD, not 'yesterday'")):
        proc = cli(archive_dir, "import", media, flag, value)
        lines = error_lines(proc)
        assert proc.returncode == 2 and len(lines) == 1 and lines[0].startswith(f"{ERROR} {says}"), proc.stderr
        assert "\x1b" not in proc.stderr
    assert not archive_dir.exists() or rows(archive_dir, "SELECT count(*) FROM recordings") == [(0,)]
    assert cli_json(archive_dir, "import", media, "--title", "  Library  ")[0]["title"] == "Library"
    for flag, value, says in (("--title", "   ", "title cannot be empty"),
                              ("--title", "Budget\x1b[2J", "title cannot hold control characters"),
                              ("--date", "2011-13-45", "date must be YYYY-MM-DD, not '2011-13-45'")):
        proc = cli(archive_dir, "edit", "1", flag, value)
        lines = error_lines(proc)
        assert proc.returncode == 1 and len(lines) == 1 and lines[0].startswith(f"{ERROR} {says}"), proc.stderr
    assert rows(archive_dir, "SELECT title, date FROM recordings") == [("Library", "2020-01-02")]


def test_escape_sequences_in_transcript_text_are_removed_not_shown(source, tmp_path):
    def hostile(rec):
        rec["segments"][0]["text"] = "The budget\x1b[2J\x1b]0;owned\x07 passed tonight."
        rec["segments"][0]["speaker"] = "Speaker\x1b[31m 1"
        rec["voices"][0]["label"] = "Speaker\x9b 1"
        return rec

    bundle = tampered(source["good"], tmp_path / "escapes.cabundle", record=hostile)
    archive_dir = tmp_path / "archive"
    assert cli_json(archive_dir, "import", bundle)[0]["status"] == "indexed"
    assert rows(archive_dir, "SELECT text FROM segments WHERE idx = 0") == [("The budget passed tonight.",)]
    shown = ok(cli(archive_dir, "show", "1")).stdout
    assert "\x1b" not in shown and "\x9b" not in shown and "The budget passed tonight." in shown
    with Archive(archive_dir) as archive:
        assert read_transcript(archive.catalog, 1).segments[0]["speaker"] == "Mayor Donovan"
    assert cli_json(archive_dir, "search", "budget")["total"] == 1


# === item 7: zip bombs ===========================================================================

BOMB = 300 << 20  # bytes a 2 MB-ish bundle unpacks to
FILE_LIMIT = 64 << 20  # the import may write no file larger than this (RLIMIT_FSIZE: SIGXFSZ beyond it)


def _limited_cli(archive_dir, *args):
    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_LIMIT, FILE_LIMIT))

    cmd = [sys.executable, "-m", "desktop.launcher", "--archive", str(archive_dir), *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=ROOT, env=_env(), preexec_fn=limit)


@pytest.mark.parametrize("declared", [1000, None])  # the bomb declared 1,000 bytes; or the truth
def test_a_zip_bomb_in_the_media_is_refused_before_a_byte_is_written(declared, source, tmp_path):
    bomb = zeros_bundle(source["good"], tmp_path / "bomb.cabundle", "media", BOMB, declared)
    assert bomb.stat().st_size < 2 << 20
    archive_dir = tmp_path / "archive"
    ok(cli(archive_dir, "import", source["other"]))
    before = state(archive_dir)
    proc = _limited_cli(archive_dir, "import", bomb)
    # the refusal comes from the zip's directory; writing more than FILE_LIMIT would fail (EFBIG)
    assert_one_line_error(proc, str(bomb), f"claims to unpack {BOMB} bytes from")
    assert proc.returncode == 1
    assert state(archive_dir) == before
    check_ok(archive_dir)


@pytest.mark.parametrize("case", ["ratio", "size"])
def test_an_oversized_recording_json_is_refused_without_reading_it(case, source, tmp_path, monkeypatch):
    if case == "ratio":  # 300 MB of spaces in a 300 kB member
        bomb, says = zeros_bundle(source["good"], tmp_path / "bomb.cabundle", "recording.json", BOMB), "claims to unpack"
        assert bomb.stat().st_size < 2 << 20
    else:  # a plausible recording.json, larger than the archive reads
        monkeypatch.setattr(bundle, "MAX_RECORD_BYTES", 1 << 20)
        words = [{"start": i / 10, "end": i / 10 + 0.1, "text": f"w{i:x}", "probability": 0.9} for i in range(20000)]
        bomb = tampered(source["good"], tmp_path / "big.cabundle", record=_set("segments.0.words", words))
        says = "recording.json is too large"
    archive_dir = tmp_path / "archive"
    tracemalloc.start()
    try:
        [result] = import_batch(archive_dir, bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.status == Outcome.FAILED and says in result.error, result.error
    assert peak < 32 << 20, f"{peak / 1e6:.0f} MB of memory for a refused bundle"
    assert state(archive_dir)["recordings"] == []


# === item 5: kill -9 during a bundle import ========================================================


def import_killed_at(point: str, archive_dir: Path, bundle_path: Path, tmp_path: Path) -> dict:
    """Import ``bundle_path`` with the real command line, SIGKILL it at ``point``; what it left."""
    marker = tmp_path / "paused"
    proc = start_paused(point, marker, "--archive", archive_dir, "import", bundle_path)
    try:
        wait_for(proc, marker, timeout=120)
    finally:
        if proc.poll() is None:
            kill9(proc)
    return state(archive_dir)


@pytest.mark.slow
@pytest.mark.parametrize("recover", ["resume", "import"])
def test_kill_9_while_indexing_a_bundle_then_recover(recover, source, tmp_path):
    archive_dir = tmp_path / "archive"
    killed = import_killed_at("index", archive_dir, source["good"], tmp_path)
    assert killed["recordings"] == [(1, "Budget", "indexing")] and killed["jobs"] == [(1, "running")]
    assert killed["index"] == set() and killed["root"] == [] and len(killed["media"]) == 1
    if recover == "resume":
        out = cli_json(archive_dir, "resume")
    else:
        out = cli_json(archive_dir, "import", source["good"])
    assert [(r["id"], r["status"]) for r in out] == [(1, "indexed")], out
    after = state(archive_dir)
    assert after["recordings"] == [(1, "Budget", "indexed")] and after["jobs"] == [(1, "done")]
    assert after["index"] == {1} and after["root"] == [] and after["media"] == killed["media"]
    assert after["segments"] == 2 and after["voices"] == 2
    assert cli_json(archive_dir, "search", "budget")["total"] == 1
    check_ok(archive_dir)
    again = cli_json(archive_dir, "import", source["good"])
    assert again == [{"id": 1, "title": "Budget", "status": "duplicate",
                      "error": "already in the archive as recording 1 ('Budget')"}]
    assert "duplicate #1 Budget (already in the archive as recording 1 ('Budget'))" in ok(
        cli(archive_dir, "import", source["good"])).stdout


@pytest.mark.slow
def test_kill_9_while_copying_a_bundles_media_then_recover(source, tmp_path):
    archive_dir = tmp_path / "archive"
    killed = import_killed_at("copy", archive_dir, source["good"], tmp_path)
    assert killed["recordings"] == [] and killed["root"] == []
    assert len(killed["media"]) == 1 and killed["media"][0].endswith(".partial")  # the half copy, in the store
    proc = cli(archive_dir, "check")
    assert proc.returncode == 1 and f"problem: half-copied media left by a crash: {killed['media'][0]}" in proc.stdout
    assert cli_json(archive_dir, "resume") == []
    assert state(archive_dir)["media"] == []  # the next writer deleted the half copy
    assert [r["status"] for r in cli_json(archive_dir, "import", source["good"])] == ["indexed"]
    after = state(archive_dir)
    assert after["recordings"] == [(1, "Budget", "indexed")] and after["root"] == []
    assert len(after["media"]) == 1 and not after["media"][0].startswith(".")
    check_ok(archive_dir)


# === item 13: a full disk is a full disk, not a damaged bundle ====================================


@pytest.fixture(scope="module")
def long_bundle(source) -> Path:
    """A bundle of a 30-second recording (~1 MB of media)."""
    d = source["dir"] / "long"
    media = captioned(d / "src", "long_2021-02-03", 500, "The long meeting began.", "Number30 on the agenda.", seconds=30)
    with Archive(d / "archive") as archive:
        importer = Importer(archive)
        assert [r.status for r in importer.import_paths([media])] == ["indexed"]
        return write_bundle(archive, 1, d / "long.cabundle")


@pytest.mark.parametrize("leave_kb", [64, 900])
def test_a_full_disk_says_the_disk_is_full(leave_kb, long_bundle, source, tmpfs, tmp_path):
    mount = tmpfs("4M")
    archive_dir = mount / "archive"
    assert cli_json(archive_dir, "import", source["other"])[0]["status"] == "indexed"
    before = state(archive_dir)
    filler = fill(mount, leave_kb)
    proc = cli(archive_dir, "import", long_bundle)
    line = assert_one_line_error(proc, str(long_bundle), "the disk is full")
    assert "truncated" not in line and "damaged" not in line
    assert state(archive_dir) == before  # nothing half-made: no .partial, no row, no staging folder
    check_ok(archive_dir)
    filler.unlink()
    assert cli_json(archive_dir, "import", long_bundle)[0]["status"] == "indexed"
    check_ok(archive_dir)


def test_a_disk_that_fills_up_during_the_copy_says_the_disk_is_full(long_bundle, source, tmpfs, tmp_path, monkeypatch):
    mount = tmpfs("4M")
    archive_dir = mount / "archive"
    assert [r.status for r in import_batch(archive_dir, source["other"])] == ["indexed"]
    before = state(archive_dir)
    filler = fill(mount, 600)
    monkeypatch.setattr(bundle_restore, "_check_room", lambda archive, bundle: None)  # let the copy itself hit ENOSPC
    [result] = import_batch(archive_dir, long_bundle)
    assert result.status == Outcome.FAILED and "cannot write to the archive: the disk is full" in result.error, result
    assert str(long_bundle) in result.error and "damaged" not in result.error
    assert state(archive_dir) == before
    filler.unlink()
    assert [r.status for r in import_batch(archive_dir, long_bundle)] == ["indexed"]


# === issue 11: voices travel with a bundle ==========================================================


def _voice_rows(archive_dir) -> list:
    return rows(archive_dir, "SELECT label, name, suggested, score, talk_time, turns, embedding FROM voices ORDER BY label")


def _transcript(archive_dir, rid: int) -> list:
    with Archive(archive_dir) as archive:
        data = read_transcript(archive.catalog, rid)
    return [(s["start"], s["end"], s["text"], s["label"], s["speaker"], s["suggested"], s["source"], s["speaker_set"],
             s["language"]) for s in data.segments]


def test_voices_travel_with_a_bundle_and_are_offered_to_the_roster(source, tmp_path):
    with zipfile.ZipFile(source["good"]) as zf:
        assert json.loads(zf.read("manifest.json"))["version"] == VERSION == 3
    archive_dir = tmp_path / "colleague"
    assert cli_json(archive_dir, "import", source["good"])[0]["status"] == "indexed"
    assert _voice_rows(archive_dir) == rows(source["archive"], "SELECT label, name, suggested, score, talk_time, turns, "
                                                               "embedding FROM voices WHERE recording_id = 1 ORDER BY label")
    assert rows(archive_dir, "SELECT start, end, label FROM speaker_turns ORDER BY start") == rows(
        source["archive"], "SELECT start, end, label FROM speaker_turns WHERE recording_id = 1 ORDER BY start")
    assert _transcript(archive_dir, 1) == _transcript(source["archive"], 1)
    assert [s[4] for s in _transcript(archive_dir, 1)] == ["Mayor Donovan", "Clerk Ames"]
    assert _transcript(archive_dir, 1)[1][8] == "es"  # a passage's own language travels (compared whole above)
    assert rows(archive_dir, "SELECT diarized FROM transcripts") == [(1,)]
    # the confirmed name is offered (not used for naming until accepted); the suggestion is not
    [(name, offered, blob, recordings)] = rows(archive_dir, "SELECT name, offered, voiceprint, recordings FROM roster")
    assert (name, offered, recordings) == ("Mayor Donovan", 1, 1)
    np.testing.assert_allclose(voices.from_blob(blob), fake_voiceprint("mayor"), atol=1e-6)  # a unit vector
    assert rows(archive_dir, "SELECT roster_id FROM voices WHERE name = 'Mayor Donovan'") == [(1,)]
    with Archive(archive_dir) as archive:
        assert voices.roster(archive.db, offered=False) == []
    assert cli_json(archive_dir, "search", "budget", "--speaker", "Mayor Donovan")["total"] == 1
    check_ok(archive_dir)


def test_a_roster_entry_of_the_same_name_is_never_overwritten(source, tmp_path):
    archive_dir = tmp_path / "colleague"
    ok(cli(archive_dir, "import", source["other"]))
    mine = voices.to_blob(fake_voiceprint("another mayor"))
    with Archive(archive_dir) as archive:
        archive.db["roster"].insert({"name": "mayor donovan", "voiceprint": mine, "talk_time": 60.0, "recordings": 2,
                                     "offered": 0})
    assert cli_json(archive_dir, "import", source["good"])[0]["status"] == "indexed"
    assert rows(archive_dir, "SELECT name, voiceprint, talk_time, recordings, offered FROM roster") == [
        ("mayor donovan", mine, 60.0, 2, 0)]
    assert rows(archive_dir, "SELECT name, roster_id FROM voices ORDER BY label") == [("Mayor Donovan", None),
                                                                                     ("Clerk Ames", None)]


def test_a_version_1_bundle_without_voices_still_imports(source, tmp_path):
    def version_1(rec):
        for seg in rec["segments"]:
            for key in ("source", "speaker_set"):
                seg.pop(key)
            seg["speaker"] = {"Speaker 1": "Mayor Donovan"}.get(seg["speaker"])
        rec["transcript"].pop("diarized")
        del rec["voices"], rec["turns"]
        return rec

    old = tampered(source["good"], tmp_path / "old.cabundle", record=version_1, manifest=lambda m: m.update(version=1))
    archive_dir = tmp_path / "archive"
    assert cli_json(archive_dir, "import", old)[0]["status"] == "indexed"
    # a speaker of a version 1 bundle was set by a person (or captions): diarizing never changes it
    assert [s[3:5] + s[7:8] for s in _transcript(archive_dir, 1)] == [("Mayor Donovan", "Mayor Donovan", 1),
                                                                     (None, None, 0)]
    assert rows(archive_dir, "SELECT count(*) FROM voices") == [(0,)] and rows(archive_dir, "SELECT * FROM roster") == []
    assert cli_json(archive_dir, "search", "budget", "--speaker", "Mayor Donovan")["total"] == 1
    check_ok(archive_dir)
