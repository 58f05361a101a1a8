"""Watches: saved searches that flag new meetings (archive.watches, ``council-archive watch``).

Known text through the fake engine (real SQLite, real Whoosh, real imports); the real engine
end to end is tests/test_cli.py's."""

from __future__ import annotations

import json
import sqlite3

import pytest

from archive import watches
from archive.cli import main
from archive.importer import Importer, ImportMeta
from archive.store import Archive
from fakes import FakeTranscriber
from transcription.types import Segment, Word


def segments(*lines: str) -> list[Segment]:
    out, t = [], 0.0
    for line in lines:
        words = []
        for token in line.split():
            words.append(Word(t, t + 0.4, " " + token, 0.95))
            t += 0.5
        out.append(Segment(start=words[0].start, end=words[-1].end, text=" " + line, words=words))
        t += 1.0
    return out


@pytest.fixture
def archive_dir(tmp_path):
    return tmp_path / "archive"


@pytest.fixture
def meeting(archive_dir, make_media):
    """meeting(n, *lines, body=...) imports a distinct short recording whose words are ``lines``."""

    def add(n: int, *lines: str, body: str = "City Council") -> int:
        media = make_media(f"watch_tone_{n}.wav", "-f", "lavfi", "-i", f"sine=frequency={200 + 37 * n}:duration=2")
        with Archive(archive_dir) as archive:
            importer = Importer(archive, transcriber=FakeTranscriber(segments(*lines), duration=2.0))
            try:
                [result] = importer.import_paths([media], ImportMeta(title=f"Meeting {n}", body=body,
                                                                   date=f"2026-0{n}-01"))
            finally:
                importer.close()
        assert result.status == "indexed", result
        return result.id

    return add


def cli(archive_dir, capsys, *argv: str):
    code = main(["--archive", str(archive_dir), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def check(archive_dir, capsys) -> dict:
    code, out, _ = cli(archive_dir, capsys, "watch", "check", "--json")
    assert code == 0
    return {w["watch"]: w for w in json.loads(out)}


def test_new_hits_are_the_meetings_imported_since_the_last_look(archive_dir, meeting, capsys):
    first = meeting(1, "the casino license was discussed", "budget hearing next week")
    assert cli(archive_dir, capsys, "watch", "add", "casino", "casino")[0] == 0
    assert cli(archive_dir, capsys, "watch", "add", "planning budget", "budget", "--body", "Planning Board")[0] == 0
    assert check(archive_dir, capsys)["casino"]["new"] == 0  # a watch flags meetings from now on

    second = meeting(2, "a casino on the waterfront", "no more casino talk")
    meeting(3, "the budget of the planning board", body="Planning Board")
    found = check(archive_dir, capsys)
    assert found["casino"]["new"] == 2 and {h["recording_id"] for h in found["casino"]["hits"]} == {second}
    assert first not in {h["recording_id"] for h in found["casino"]["hits"]}
    hit = found["casino"]["hits"][0]
    assert {"citation", "link", "hit_time", "segment_end", "snippet", "title"} <= set(hit)  # search --json's hit
    assert found["planning budget"]["new"] == 1  # the filter holds: Meeting 1's budget is not the board's
    assert found["planning budget"]["hits"][0]["body"] == "Planning Board"

    code, out, _ = cli(archive_dir, capsys, "watch", "check")
    assert code == 0 and "casino: 2 new hits" in out and "Meeting 2" in out

    assert cli(archive_dir, capsys, "watch", "seen", "casino")[0] == 0
    found = check(archive_dir, capsys)
    assert found["casino"]["new"] == 0 and found["planning budget"]["new"] == 1
    assert cli(archive_dir, capsys, "watch", "seen", "--all")[0] == 0
    assert all(w["new"] == 0 for w in check(archive_dir, capsys).values())


def test_list_rename_remove_and_reindex(archive_dir, meeting, capsys):
    meeting(4, "zoning variance for the harbor")
    cli(archive_dir, capsys, "watch", "add", "zoning", "zoning", "--from", "2026-01-01", "--sounds-like")
    meeting(5, "another zoning appeal")
    assert cli(archive_dir, capsys, "watch", "rename", "zoning", "Zoning appeals")[0] == 0
    assert cli(archive_dir, capsys, "reindex")[0] == 0  # watches are catalog rows
    code, out, _ = cli(archive_dir, capsys, "watch", "list", "--json")
    [row] = json.loads(out)
    assert (row["watch"], row["query"], row["new"], row["broken"]) == ("Zoning appeals", "zoning", 1, None)
    assert row["filters"] == {"date_from": "2026-01-01", "phonetic": True}
    code, out, _ = cli(archive_dir, capsys, "watch", "list")
    assert code == 0 and "Zoning appeals" in out and "1 new" in out and "--from 2026-01-01" in out
    code, out, _ = cli(archive_dir, capsys, "export-catalog", "--format", "watches")  # they travel with the catalog
    [exported] = json.loads(out)
    assert (exported["name"], exported["query"], exported["filters"]) == ("Zoning appeals", "zoning", row["filters"])
    assert exported["created"] and exported["seen"]
    assert cli(archive_dir, capsys, "watch", "remove", "Zoning appeals")[0] == 0
    assert json.loads(cli(archive_dir, capsys, "watch", "list", "--json")[1]) == []


def rows(archive_dir) -> list:
    with sqlite3.connect(archive_dir / "catalog.db") as db:
        return db.execute("SELECT * FROM watches ORDER BY id").fetchall()


@pytest.mark.parametrize("argv, message", [
    (("add", "empty", "  "), "a watch needs a query"),
    (("add", "bad", "casino body:"), "Add a value after 'body:'"),
    (("add", "kept", "other"), "already exists"),
    (("add", "", "casino"), "watch name cannot be empty"),
    (("add", "dated", "casino", "--from", "yesterday"), "not a date"),
    (("remove", "nope"), "no watch named 'nope'"),
    (("rename", "nope", "x"), "no watch named 'nope'"),
    (("rename", "kept", "other kept"), "already exists"),
    (("seen", "nope"), "no watch named 'nope'"),
    (("seen",), "name one watch, or give --all"),
])
def test_bad_input_is_one_line_and_changes_nothing(archive_dir, meeting, capsys, argv, message):
    meeting(6, "the casino and other business")
    cli(archive_dir, capsys, "watch", "add", "kept", "casino")
    cli(archive_dir, capsys, "watch", "add", "other kept", "business")
    before = rows(archive_dir)
    code, out, err = cli(archive_dir, capsys, "watch", *argv)
    assert code != 0 and err.count("\n") == 1 and err.startswith("council-archive: error:"), err
    assert message in err
    assert rows(archive_dir) == before


def test_a_query_that_no_longer_parses_is_shown_broken_not_dropped(archive_dir, meeting, capsys):
    meeting(7, "the casino again")
    cli(archive_dir, capsys, "watch", "add", "casino", "casino")
    with sqlite3.connect(archive_dir / "catalog.db") as db:  # as if the syntax changed under a saved query
        db.execute("UPDATE watches SET query = 'casino body:' WHERE name = 'casino'")
    found = check(archive_dir, capsys)
    assert found["casino"]["new"] == 0 and "body:" in found["casino"]["broken"]
    code, out, _ = cli(archive_dir, capsys, "watch", "list")
    assert code == 0 and "BROKEN" in out and "casino" in out
    code, out, _ = cli(archive_dir, capsys, "watch", "check")
    assert code == 0 and "casino: BROKEN:" in out
    assert len(rows(archive_dir)) == 1


def test_a_removed_recording_and_its_reused_id_count_as_new(archive_dir, meeting, capsys):
    """Seen means this recording (id and SHA-256), so a new one under an old id is new."""
    rid = meeting(8, "casino hearing")
    with Archive(archive_dir) as archive:
        watches.add(archive, "casino", "casino")
        from archive import editing

        editing.remove(archive, rid)
    new_id = meeting(9, "a casino vote")
    with Archive(archive_dir) as archive:
        [state] = watches.states(archive)
        assert state.new == 1 and state.hits[0].recording_id == new_id
        assert watches.export_rows(archive.db)[0]["name"] == "casino"
