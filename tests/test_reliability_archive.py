"""Reliability, round two (issue 12), the archive's own side: the search index swapped in
atomically by ``reindex`` (3), edits that a ``kill -9`` cannot leave unsearchable and a
``check`` that compares everything the index holds (4), no export into the archive (8),
``--archive`` that changes nothing for reading commands (14), cosmetic but misleading
output (15) and private catalog and index files (16).

Real files, the real command line in real subprocesses, real SQLite and Whoosh; crashes are
real ``kill -9`` at a precise point (``tests/reliability_driver.py``), a full disk is a small
tmpfs (root only: skipped with the reason elsewhere). Each test fails on the code before
issue 12. Transcripts come from captions (no Whisper) so that words are known.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest

from test_desktop import DEMO_META, demo_copy, imported, open_window, search, settings  # noqa: F401  (fixtures)
from test_reliability import (assert_one_line_error, captioned, cli, cli_json, fill, kill9, ok, rows,  # noqa: F401
                              start_paused, tmpfs, tree_hashes, wait_for)  # (tmpfs: a fixture)

LIBRARY = ("The library budget passed.", "Snow plows on Elm.")


def archive_with(tmp_path, *stems: str, link: bool = False) -> Path:
    """An archive holding one captioned recording per stem (e.g. "first_2011-05-02")."""
    archive_dir = tmp_path / "archive"
    for i, stem in enumerate(stems):
        src = captioned(tmp_path / "src", stem, 330 + 40 * i, f"{LIBRARY[0]} Item number{i}.", LIBRARY[1])
        [r] = cli_json(archive_dir, "import", *(["--link"] if link else []), src)
        assert r["status"] == "indexed", r
    return archive_dir


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """Two captioned recordings, #1 First (2011-05-02) and #2 Second (2012-07-04), each with
    two segments: "The library budget passed. Item numberN." and "Snow plows on Elm."."""
    return archive_with(tmp_path_factory.mktemp("template"), "first_2011-05-02", "second_2012-07-04")


@pytest.fixture
def two(template, tmp_path) -> Path:
    """A copy of ``template`` to change."""
    target = tmp_path / "archive"
    shutil.copytree(template, target)
    return target


def total(archive_dir, query: str, *args) -> int:
    return cli_json(archive_dir, "search", query, *args)["total"]


def generations(archive_dir) -> list[str]:
    return sorted(p.name for p in (Path(archive_dir) / "index").iterdir() if p.is_dir())


def mode(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def tamper(archive_dir, *statements: str) -> None:
    """Change the catalog behind the archive's back (another tool, an older version, a crash)."""
    con = sqlite3.connect(Path(archive_dir) / "catalog.db")
    with con:
        for sql in statements:
            con.execute(sql)
    con.close()


# === 3. reindex builds beside the old index and swaps it in ==========================================


def long_captions(folder: Path, stem: str, cues: int) -> Path:
    """A recording with ``cues`` caption lines: an index of some hundred KB."""
    words = ("library budget snow plows elm street council motion second vote park zoning variance bakery "
             "sidewalk repair fund mayor clerk agenda item public comment hearing").split()
    src = captioned(folder, stem, 330, "x", "y", seconds=cues * 2 + 2, ext="opus")

    def at(t: float) -> str:
        return f"{int(t // 3600):02d}:{int(t % 3600 // 60):02d}:{int(t % 60):02d},{int(t * 1000 % 1000):03d}"

    text = "\n".join(f"{i + 1}\n{at(i * 2 + 0.1)} --> {at(i * 2 + 1.9)}\n"
                     f"{' '.join(words[(i * 7 + k) % len(words)] for k in range(12))} number{i}.\n" for i in range(cues))
    src.with_suffix(".srt").write_text(text)
    return src


def test_reindex_on_a_full_disk_keeps_the_old_index(tmpfs, tmp_path):
    mount = tmpfs("3M")
    archive_dir = mount / "archive"
    src = long_captions(tmp_path / "src", "long_2011-05-02", 800)
    assert cli_json(archive_dir, "import", "--link", src)[0]["status"] == "indexed"  # media stays off the tmpfs
    assert total(archive_dir, "number7") == 1
    before = tree_hashes(archive_dir / "index")
    filler = fill(mount, 400)  # room for SQLite, not for a second index
    proc = cli(archive_dir, "reindex")
    assert_one_line_error(proc, str(archive_dir), "the disk is full")
    assert tree_hashes(archive_dir / "index") == before  # not a byte of the old index changed, nothing left over
    assert total(archive_dir, "number7") == 1 and total(archive_dir, "number799") == 1
    ok(cli(archive_dir, "check"))
    filler.unlink()
    assert "re-indexed 1 recording" in ok(cli(archive_dir, "reindex")).stdout
    assert total(archive_dir, "number7") == 1
    assert generations(archive_dir) == ["gen-000001"]


def test_searches_find_everything_while_a_reindex_runs_and_after_it_is_killed(two, tmp_path):
    archive_dir = two
    marker = tmp_path / "reindexing"
    proc = start_paused("index", marker, "--archive", archive_dir, "reindex")
    try:
        wait_for(proc, marker, timeout=120)  # the new index has documents, not yet committed
        assert total(archive_dir, "library") == 2  # readers keep the old index
        assert total(archive_dir, "number1") == 1
    finally:
        if proc.poll() is None:
            kill9(proc)
    assert total(archive_dir, "library") == 2  # the kill left the old index in place
    ok(cli(archive_dir, "check"))
    assert len(generations(archive_dir)) == 1  # the half-built generation beside it ...
    ok(cli(archive_dir, "edit", "1", "--title", "Renamed"))
    assert generations(archive_dir) == []  # ... is removed by the next writer
    assert total(archive_dir, "title:renamed") == 2


def test_an_open_reader_keeps_its_index_until_the_swap_then_follows_it(two):
    from archive.search import SearchRequest, search
    from archive.store import Archive

    def titles(archive) -> list[str]:
        return sorted(h.title for h in search(archive, SearchRequest("library")).hits)

    with Archive(two) as archive:  # as the app holds it: open across the rebuild
        assert titles(archive) == ["First", "Second"]
        tamper(two, "UPDATE recordings SET title = 'Behind the back' WHERE id = 1")
        assert titles(archive) == ["First", "Second"]  # the index as it was
        ok(cli(two, "reindex"))
        assert titles(archive) == ["Behind the back", "Second"]  # the new generation, at the next search


# === 4. edits a kill -9 cannot leave unsearchable; check compares everything =================================


def test_kill_9_during_edit_is_caught_up_and_check_sees_it(two, tmp_path):
    from archive.indexing import check
    from archive.store import Archive

    archive_dir = two
    marker = tmp_path / "editing"
    proc = start_paused("index", marker, "--archive", archive_dir, "edit", "1", "--title", "Zebra", "--date", "2001-01-01")
    try:
        wait_for(proc, marker, timeout=120)  # the catalog has the edit; the index is not committed
    finally:
        if proc.poll() is None:
            kill9(proc)
    assert rows(archive_dir, "SELECT title, date FROM recordings WHERE id = 1") == [("Zebra", "2001-01-01")]
    with Archive(archive_dir) as archive:  # the archive as the kill left it (nothing caught up yet)
        report = check(archive)
    assert report.index_out_of_date == [1] and not report.clean
    # the next opening re-indexes it: the edit is searchable, the mark is gone, check agrees
    assert total(archive_dir, "title:zebra") == 2  # both its segments
    assert total(archive_dir, "library", "--from", "2001-01-01", "--to", "2001-12-31") == 1
    assert rows(archive_dir, "SELECT index_pending FROM recordings") == [(0,), (0,)]
    assert ok(cli(archive_dir, "check")).stdout.startswith("ok")


TAMPER = {  # what another tool (or a crash) changed in the catalog, not in the index
    "title": "UPDATE recordings SET title = 'Other title'",
    "body": "UPDATE recordings SET body = 'Other Council'",
    "date": "UPDATE recordings SET date = '1999-09-09'",
    "kind": "UPDATE recordings SET kind = 'radio'",
    "speaker": "UPDATE segments SET speaker = 'Mayor Ortiz' WHERE idx = 0",
    "flag": "UPDATE segments SET flag = 'repetition' WHERE idx = 1",
    "times": "UPDATE segments SET start = start + 0.5 WHERE idx = 1",
}


@pytest.mark.parametrize("field", list(TAMPER))
def test_check_compares_everything_the_index_holds(field, two):
    from archive.indexing import check, repair
    from archive.search import SearchRequest, search
    from archive.store import Archive

    tamper(two, TAMPER[field] + " AND id IN (SELECT s.id FROM segments s JOIN transcripts t ON t.id = s.transcript_id "
                                "WHERE t.recording_id = 2)" if "segments" in TAMPER[field] else TAMPER[field] + " WHERE id = 2")
    with Archive(two) as archive:
        report = check(archive)
        assert report.index_out_of_date == [2] and not report.clean, report
        with archive.writing():
            assert any("re-indexed recording 2" in line for line in repair(archive, report))
        assert check(archive).clean
        hits = search(archive, SearchRequest("library OR plows")).hits
    mine = [h for h in hits if h.recording_id == 2]
    if field == "speaker":
        assert {h.speaker for h in mine if "library" in h.text} == {"Mayor Ortiz"}  # the first segment's
    elif field == "flag":
        assert len(mine) == 1 and "library" in mine[0].text  # "Snow plows", flagged, left the index
    elif field in ("title", "body", "date", "kind"):
        assert {getattr(h, field) for h in mine} == {TAMPER[field].split("'")[1]}


# === 8. no output inside the archive ============================================================================


def out_cases(archive_dir: Path, outside: Path) -> dict:
    link = outside / "innocent.txt"
    link.symlink_to(archive_dir / "catalog.db")
    hard = outside / "hard.csv"
    os.link(archive_dir / "catalog.db", hard)
    return {
        "export onto the catalog": ("export", "1", "-o", archive_dir / "catalog.db"),
        "export as a new file": ("export", "1", "--format", "srt", "-o", archive_dir / "notes.srt"),
        "export through a symlink": ("export", "1", "-o", link),
        "docx into the index": ("export", "1", "--format", "docx", "-o", archive_dir / "index" / "x.docx"),
        "clip into media": ("clip", "1", "--start", "1", "--end", "3", "-o", archive_dir / "media" / "x.mp3"),
        "export-catalog onto the catalog": ("export-catalog", "-o", archive_dir / "catalog.db"),
        "search --export": ("search", "library", "--export", archive_dir / "hits.csv"),
        "search --export to a hard link": ("search", "library", "--export", hard),
        "bundle": ("bundle", "1", "-o", archive_dir / "media" / "x.cabundle"),
        "the archive itself": ("export", "1", "-o", archive_dir),
    }


def archive_bytes(archive_dir) -> dict:
    return {k: v for k, v in tree_hashes(archive_dir).items() if not k.endswith(".log")}


def test_no_export_lands_inside_the_archive(two, tmp_path):
    archive_dir = two
    outside = tmp_path / "outside"
    outside.mkdir()
    cases = out_cases(archive_dir, outside)
    before = archive_bytes(archive_dir)
    for case, args in cases.items():
        proc = cli(archive_dir, *args)
        line = assert_one_line_error(proc, "", "inside the archive" if "hard link" not in case else "hard link")
        assert proc.returncode == 1, (case, line)
        assert archive_bytes(archive_dir) == before, case
    assert total(archive_dir, "library") == 2
    # a clip with no -o is named in the current folder: not when that is in the archive
    proc = cli(archive_dir, "clip", "1", "--start", "1", "--end", "3", cwd=archive_dir / "media")
    assert_one_line_error(proc, "", "inside the archive")
    assert archive_bytes(archive_dir) == before
    # and outside, every one of them works
    ok(cli(archive_dir, "export", "1", "-o", outside / "t.txt"))
    ok(cli(archive_dir, "search", "library", "--export", outside / "hits.csv"))
    ok(cli(archive_dir, "clip", "1", "--start", "1", "--end", "3", cwd=outside))


def test_the_apps_exports_refuse_the_archive_folder_too(qtbot, imported, monkeypatch):
    from desktop.export_dialogs import ClipOptions

    window = imported
    archive_dir = window.archive.root
    rid = window.archive.catalog.recordings()[0].id
    window.open_recording(rid)
    before = archive_bytes(archive_dir)
    monkeypatch.setattr(window.exporting, "ask_clip_options", lambda start, end, rec=None: ClipOptions(start, end))
    for name, export in (("notes.txt", window.export_transcript_action.trigger),
                         ("media/clip.mp3", lambda: window.exporting.export_clip(1.0, 3.0, rid)),
                         ("hits.csv", window.exporting.export_results)):
        monkeypatch.setattr(window.exporting, "ask_save_path", lambda *a, name=name: str(archive_dir / name))
        if name == "hits.csv":
            search(qtbot, window, "evening")
        export()
        assert "inside the archive folder" in window.statusBar().currentMessage(), name
        assert archive_bytes(archive_dir) == before, name


# === 14. --archive DIR: only import creates an archive =============================================================


READERS = [("list",), ("search", "library"), ("show", "1"), ("check",), ("export", "1"), ("export-catalog",),
           ("vocab", "list"), ("reindex",), ("edit", "1", "--title", "X"), ("resume",)]


@pytest.mark.parametrize("target", ["shared 1777 folder", "regular file", "missing path"])
def test_commands_but_import_never_create_or_change_what_archive_points_at(target, tmp_path):
    path = tmp_path / "target"
    if target == "shared 1777 folder":
        path.mkdir()
        (path / "notes.txt").write_text("someone else's")
        os.chmod(path, 0o1777)
    elif target == "regular file":
        path.write_text("not an archive")
        os.chmod(path, 0o644)
    before = (mode(path), tree_hashes(path) if path.is_dir() else path.read_text()) if path.exists() else None
    for args in READERS:
        proc = cli(path, *args)
        assert_one_line_error(proc, str(path), "no archive at")
        assert proc.returncode == 1, args
        after = (mode(path), tree_hashes(path) if path.is_dir() else path.read_text()) if path.exists() else None
        assert after == before, args
    src = captioned(tmp_path / "src", "first_2011-05-02", 330, *LIBRARY)
    if target == "regular file":
        assert_one_line_error(cli(path, "import", src), str(path), "not a folder")
        assert path.read_text() == "not an archive" and mode(path) == 0o644
    else:
        assert cli_json(path, "import", src)[0]["status"] == "indexed"  # import may create one
        assert total(path, "library") == 1


# === 15. cosmetic but misleading ===================================================================================


def test_times_of_100_hours_and_more_print_whole(two):
    from transcription.formats import hms

    assert hms(432 * 3600 + 51 * 60 + 7.4) == "432:51:07" and hms(99 * 3600) == "99:00:00" and hms(61) == "00:01:01"
    tamper(two, "UPDATE recordings SET duration = 1558267.4",  # 432:51:07.4
           "UPDATE segments SET start = start + 360000")  # a cue 100 hours in
    assert "432:51:07" in ok(cli(two, "list")).stdout
    shown = ok(cli(two, "show", "1")).stdout
    assert "Duration  432:51:07" in shown and "[100:00:01] The library budget" in shown


def test_a_long_multibyte_title_gives_a_clip_name_that_fits(two, tmp_path):
    ok(cli(two, "edit", "1", "--title", "🏛" * 300))  # 4 bytes each
    out = tmp_path / "clips"
    out.mkdir()
    proc = ok(cli(two, "clip", "1", "--start", "1", "--end", "3", cwd=out))
    [name] = os.listdir(out)
    assert len(name.encode()) <= 255 and name.endswith(".mp3") and "🏛" in name
    assert proc.stdout.startswith(f"wrote {name}")


HOSTILE = "\x1b[2J\x1b]0;pwned\x07\x9b31m\u202eevil"


def test_control_characters_in_the_archive_never_reach_the_terminal(two, tmp_path):
    archive_dir = two
    con = sqlite3.connect(archive_dir / "catalog.db")  # as an older version or a bundle may have stored them
    with con:
        con.execute("UPDATE recordings SET title = ?, body = ?", [f"Title{HOSTILE}", f"Body{HOSTILE}"])
        con.execute("UPDATE segments SET text = text || ?, speaker = ?", [HOSTILE, f"Mayor{HOSTILE}"])
    con.close()
    raw = ok(cli(archive_dir, "list", "--json")).stdout  # JSON carries them escaped: nothing is lost
    assert not any(c in raw for c in "\x1b\x07\x9b\u202e")
    assert json.loads(raw)[0]["title"] == f"Title{HOSTILE}"
    ok(cli(archive_dir, "check", "--repair"))
    outputs = {
        "list": ok(cli(archive_dir, "list")).stdout,
        "show": ok(cli(archive_dir, "show", "1")).stdout,
        "search": ok(cli(archive_dir, "search", "library")).stdout,
        "clip": ok(cli(archive_dir, "clip", "1", "--start", "1", "--end", "3", "-o", tmp_path / "c.mp3")).stdout,
        "remove": ok(cli(archive_dir, "remove", "1")).stdout,
    }
    for name, text in outputs.items():
        assert not any(c in text for c in "\x1b\x07\x9b\u202e"), (name, text)
        assert "Title" in text, (name, text)


def test_a_blank_title_is_refused_by_import_as_by_edit(two, tmp_path):
    src = captioned(tmp_path / "src", "third_2013-01-01", 330, *LIBRARY)
    before = archive_bytes(two)
    assert_one_line_error(cli(two, "import", src, "--title", "   "), "title", "cannot be empty")
    assert_one_line_error(cli(two, "edit", "1", "--title", "   "), "title", "cannot be empty")
    assert archive_bytes(two) == before


@pytest.mark.parametrize("point", ["index", "copy"])
def test_check_during_a_live_import_says_it_is_running(point, two, tmp_path):
    archive_dir = two
    src = captioned(tmp_path / "src", "third_2013-01-01", 440, "Potholes on Maple Avenue.", "The mayor spoke.")
    marker = tmp_path / "importing"
    proc = start_paused(point, marker, "--archive", archive_dir, "import", src)
    try:
        wait_for(proc, marker, timeout=120)
        checked = ok(cli(archive_dir, "check"))  # nothing is wrong: an import is at work
        assert "resume" not in checked.stdout and "problem" not in checked.stdout, checked.stdout
        assert "note: an import or edit is running" in checked.stdout
        assert cli_json(archive_dir, "check")["busy"] is True
    finally:
        if proc.poll() is None:
            kill9(proc)
    after = cli(archive_dir, "check")  # the import is dead now: what it left is for resume (or repair)
    assert "running" not in after.stdout
    assert ("resume" in after.stdout) if point == "index" else ("half-copied media" in after.stdout)


# === 16. private catalog and index ============================================================================


def private_modes(archive_dir: Path) -> dict[str, int]:
    paths = [archive_dir / name for name in ("catalog.db", "catalog.db-wal", "catalog.db-shm")]
    paths += [archive_dir / "index", *(archive_dir / "index").rglob("*")]
    return {str(p.relative_to(archive_dir)): mode(p) for p in paths if p.exists()}


def assert_private(archive_dir: Path) -> None:
    modes = private_modes(archive_dir)
    assert "catalog.db" in modes and any(name.startswith("index/") for name in modes)
    wrong = {name: oct(m) for name, m in modes.items() if m != (0o700 if (archive_dir / name).is_dir() else 0o600)}
    assert not wrong, wrong


def test_catalog_and_index_are_private(tmp_path):
    archive_dir = tmp_path / "archive"
    src = captioned(tmp_path / "src", "private_2017-01-01", 360, "A private session.", "Nothing more.")
    ok(cli(archive_dir, "import", src, umask=0))  # even with the most permissive umask
    assert_private(archive_dir)
    ok(cli(archive_dir, "reindex", umask=0))  # a new generation of the index
    assert_private(archive_dir)
    ok(cli(archive_dir, "edit", "1", "--title", "Renamed", umask=0))  # a commit into it
    assert_private(archive_dir)
    # an archive an earlier version left readable is made private when it is opened for writing
    for path in [archive_dir / "catalog.db", *(archive_dir / "index").rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    os.chmod(archive_dir / "index", 0o755)
    ok(cli(archive_dir, "edit", "1", "--title", "Again"))
    assert_private(archive_dir)
