"""The archive end to end: real engine, real SQLite file, real Whoosh index, real CLI.

One archive is built per module: the project's demo meeting imported through the real
faster-whisper engine, plus three caption-only recordings of other bodies and years
(captions are real input too: archives already hold them for much of their video).
"""

from __future__ import annotations

import itertools
import json
import re
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from transcription.audio import ffmpeg_exe
from heard import agreeing_runs, heard_words, occurrences, phrase_near, script_words

pytestmark = pytest.mark.slow


def cli(archive_dir, *args, timeout=600, check=True):
    proc = subprocess.run(
        [sys.executable, "-m", "desktop.launcher", "--archive", str(archive_dir), *args],
        capture_output=True, text=True, timeout=timeout,
    )
    if check:
        assert proc.returncode == 0, f"{args}: rc={proc.returncode}\n{proc.stderr}"
    return proc


def cli_json(archive_dir, *args, **kw):
    return json.loads(cli(archive_dir, *args, "--json", **kw).stdout)


SRT = """1
00:00:01,000 --> 00:00:04,000
{a}

2
00:00:04,500 --> 00:00:08,000
{b}
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory, demo):
    root = tmp_path_factory.mktemp("arch")
    archive_dir = root / "archive"
    src = root / "src"
    src.mkdir()
    # three other recordings, from captions, in other bodies and years
    captions = {
        "springfield_2011-05-02": ("Springfield City Council", "meeting",
                                   "The council voted to opt out of Secure Communities.",
                                   "Councilor Rivera asked about the library budget."),
        "springfield_2013-11-18": ("Springfield City Council", "meeting",
                                   "Public comment on the snow removal budget.",
                                   "The library hours will be extended on Saturdays."),
        "wxyz_2012-07-04": ("WXYZ Radio", "radio",
                            "Tonight on the radio, the mayor talks about potholes.",
                            "Residents on Maple Avenue want the potholes fixed."),
    }
    for n, (stem, (body, kind, a, b)) in enumerate(captions.items()):
        tone = src / f"{stem}.wav"
        subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi",
                        "-i", f"sine=frequency={300 + 50 * n}:duration=9", str(tone)], check=True)
        (src / f"{stem}.srt").write_text(SRT.format(a=a, b=b))
        out = cli_json(archive_dir, "import", str(tone), "--body", body, "--kind", kind)
        assert out[0]["status"] == "indexed", out
    demo_copy = src / "riverton_2024-03-12.opus"
    demo_copy.write_bytes(Path(demo["path"]).read_bytes())
    t0 = time.monotonic()
    out = cli_json(archive_dir, "import", str(demo_copy), "--title", demo["title"], "--body", demo["body"])
    assert out[0]["status"] == "indexed", out
    return {"dir": archive_dir, "src": src, "demo_copy": demo_copy, "demo_id": out[0]["id"], "seconds": time.monotonic() - t0}


def search(built, *args):
    return cli_json(built["dir"], "search", *args)


def test_list_shows_all_recordings(built, demo):
    rows = cli_json(built["dir"], "list")
    assert len(rows) == 4
    demo_row = next(r for r in rows if r["id"] == built["demo_id"])
    assert demo_row["status"] == "indexed" and demo_row["body"] == demo["body"]
    assert demo_row["date"] == "2024-03-12"  # from the file name
    assert demo_row["duration"] == pytest.approx(demo["duration"], abs=0.5)
    assert set(demo_row) == {"id", "title", "body", "date", "kind", "duration", "status", "language", "languages"}
    assert demo_row["languages"] == ["en"] and demo_row["language"] == "en"  # English-only tiny.en: "en"


def test_show_prints_the_transcript(built):
    out = cli(built["dir"], "show", str(built["demo_id"])).stdout
    assert "Riverton" in out and "[00:00:0" in out
    data = cli_json(built["dir"], "show", str(built["demo_id"]))
    assert data["transcript"]["engine"] == "faster-whisper" and len(data["segments"]) > 10


def test_hit_time_is_the_spoken_word(built, demo):
    # phrases where the real transcript agrees with the script, whatever else Whisper heard
    heard = heard_words(built["dir"], built["demo_id"])[built["demo_id"]]
    runs = agreeing_runs(script_words(demo), heard, n=3)
    assert len(runs) >= 20, f"the transcript agrees with the script in only {len(runs)} places"
    errors = []
    for run in runs[::3]:
        res = search(built, f'"{run.phrase}"')
        starts = [h["start"] for h in res["hits"] if h["recording_id"] == built["demo_id"]]
        assert starts and all(h["start"] >= h["segment_start"] for h in res["hits"]), run
        # the hit is exactly where the words were heard, and that is where they were spoken
        assert min(abs(t - run.heard_start) for t in starts) < 0.01, (run, starts)
        errors.append(min(abs(t - run.script_start) for t in starts))
    assert max(errors) <= 1.5, sorted(errors)[-3:]
    assert sorted(errors)[len(errors) // 2] <= 0.5, errors


def test_plain_words_are_and(built):
    res = search(built, "library budget")
    assert {h["title"] for h in res["hits"]} == {"Springfield"}
    assert res["total"] == 1


def test_phrase_is_exact(built):
    assert search(built, '"opt out of secure communities"')["total"] == 1
    assert search(built, '"secure out of opt communities"')["total"] == 0


def test_boolean_queries(built):
    either = {h["date"] for h in search(built, "potholes OR snow")["hits"]}
    assert either == {"2012-07-04", "2013-11-18"}
    assert {h["date"] for h in search(built, "budget NOT library")["hits"]} >= {"2013-11-18"}
    assert "2011-05-02" not in {h["date"] for h in search(built, "budget -library")["hits"]}


def test_prefix_and_fuzzy(built):
    heard = heard_words(built["dir"], built["demo_id"])[built["demo_id"]]
    longest = max((w.word for w in heard if w.word.isalpha()), key=len)
    assert any(h["recording_id"] == built["demo_id"] for h in search(built, longest[:5] + "*")["hits"])
    riv = search(built, "Rivvera~")  # misspelt name
    assert riv["total"] >= 1 and "Rivera" in riv["hits"][0]["text"]


def test_field_and_date_filters(built, demo):
    radio = search(built, "potholes", "--kind", "radio")
    assert radio["total"] >= 1 and all(h["kind"] == "radio" for h in radio["hits"])
    assert search(built, "potholes", "--kind", "meeting")["total"] == 0
    body = search(built, 'budget body:"Springfield City Council"')
    assert body["total"] >= 2 and all(h["body"] == "Springfield City Council" for h in body["hits"])
    assert {h["date"][:4] for h in search(built, "budget", "--from", "2013-01-01")["hits"]} <= {"2013", "2024"}
    assert search(built, "library date:2011")["total"] == 1
    assert search(built, "library", "--to", "2012-12-31")["total"] == 1


def test_sort_by_date(built):
    hits = search(built, "budget", "--sort", "date")["hits"]
    dates = [h["date"] for h in hits]
    assert dates == sorted(dates, reverse=True) and len(set(dates)) >= 2


def test_phrase_across_a_segment_boundary(built):
    show = cli_json(built["dir"], "show", str(built["demo_id"]))
    segs = [s for s in show["segments"] if not s["flag"]]
    found = 0
    for a, b in zip(segs, segs[1:]):
        tail, head = a["text"].split()[-2:], b["text"].split()[:2]
        phrase = " ".join(re.sub(r"[^\w\s']", " ", " ".join(tail + head)).lower().split())
        if len(phrase.split()) < 4:
            continue
        res = search(built, f'"{phrase}"')
        assert res["total"] >= 1, f"phrase across segments {a['id']}/{b['id']} not found: {phrase!r}"
        hit = next(h for h in res["hits"] if h["segment_start"] == a["start"])
        assert a["start"] <= hit["start"] <= a["end"]
        found += 1
    assert found >= 5


def test_reimport_is_a_no_op(built):
    before = sqlite3.connect(built["dir"] / "catalog.db").execute("select count(*) from segments").fetchone()[0]
    out = cli_json(built["dir"], "import", str(built["demo_copy"]))
    assert out[0]["status"] == "duplicate" and out[0]["id"] == built["demo_id"]
    after = sqlite3.connect(built["dir"] / "catalog.db").execute("select count(*) from segments").fetchone()[0]
    assert before == after
    assert len(cli_json(built["dir"], "list")) == 4


def strip_ties(res) -> list[tuple]:
    """The hits in order; a run of hits with exactly the same score has no order of its own
    (the index breaks ties by document number, which a rebuild renumbers): sorted."""
    out = []
    for _, run in itertools.groupby(res["hits"], key=lambda h: round(h["score"], 9)):
        out += sorted((h["recording_id"], h["start"], h["snippet"]) for h in run)
    return out


def test_reindex_gives_the_same_results(built):
    queries = ['"the program costs us"', "budget", "potholes OR snow", "sidew*", "Rivvera~"]
    before = [search(built, q) for q in queries]
    assert "re-indexed 4 recordings" in cli(built["dir"], "reindex").stdout
    after = [search(built, q) for q in queries]
    assert [strip_ties(r) for r in before] == [strip_ties(r) for r in after]
    assert cli(built["dir"], "check").stdout.startswith("ok")


def test_edit_and_human_search_output(built):
    cli(built["dir"], "edit", str(built["demo_id"]), "--title", "Regular Meeting (March)")
    # a word heard only once, a minute or more into the meeting
    heard = heard_words(built["dir"], built["demo_id"])[built["demo_id"]]
    once = [w for w in heard if 65 <= w.start < 115 and len(w.word) >= 6 and w.word.isalpha()
            and occurrences(built["dir"], w.word) == 1]
    assert once, "no distinctive word heard between 1:05 and 1:55"
    out = cli(built["dir"], "search", once[0].word).stdout
    assert "Regular Meeting (March)" in out and "2024-03-12" in out and f"*{once[0].word}*" in out.lower()
    assert "00:01:" in out  # HH:MM:SS of a hit a minute in


def test_bad_inputs_in_a_batch(built, tmp_path):
    fake = tmp_path / "fake.mp3"
    fake.write_text("not audio")
    empty = tmp_path / "empty.wav"
    empty.touch()
    good = tmp_path / "short_2015-01-01.wav"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi",
                    "-i", "sine=frequency=700:duration=4", str(good)], check=True)
    (tmp_path / "short_2015-01-01.srt").write_text(SRT.format(a="Snow plows on Elm Street.", b="That is all."))
    proc = cli(built["dir"], "import", str(fake), str(empty), str(good), "/no/such.mp3", "--json", check=False)
    assert proc.returncode == 1
    out = {Path(r["title"] or "x").name: r for r in json.loads(proc.stdout)}
    statuses = sorted(r["status"] for r in json.loads(proc.stdout))
    assert statuses == ["failed", "failed", "failed", "indexed"]
    assert len(cli_json(built["dir"], "list")) == 5
    assert search(built, '"snow plows"')["total"] == 1
    assert cli(built["dir"], "check").returncode == 0
    new = next(r for r in cli_json(built["dir"], "list") if r["date"] == "2015-01-01")
    cli(built["dir"], "remove", str(new["id"]))
    assert search(built, '"snow plows"')["total"] == 0


def test_malformed_query_is_one_friendly_line(built):
    for q in ['"unbalanced', "NOT", "body:", "(", "x" * 5000]:
        proc = cli(built["dir"], "search", q, check=False)
        assert "Traceback" not in proc.stderr, q
        if proc.returncode:
            assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, (q, proc.stderr)


def test_killed_import_resumes(tmp_path, demo):
    archive_dir = tmp_path / "a"
    src = tmp_path / "meeting_2024-03-12.opus"
    src.write_bytes(Path(demo["path"]).read_bytes())
    cmd = [sys.executable, "-m", "desktop.launcher", "--archive", str(archive_dir), "import", str(src), "--workers", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db_path = archive_dir / "catalog.db"
    deadline = time.monotonic() + 300
    segments = 0
    while time.monotonic() < deadline and proc.poll() is None:
        if db_path.exists():
            try:
                segments = sqlite3.connect(db_path).execute("select count(*) from segments").fetchone()[0]
            except sqlite3.OperationalError:
                segments = 0
            if segments >= 5:
                break
        time.sleep(0.2)
    assert proc.poll() is None, "import finished before it could be killed"
    proc.kill()
    proc.wait()
    con = sqlite3.connect(db_path)
    status = con.execute("select status from recordings").fetchone()[0]
    committed = con.execute("select count(*) from segments").fetchone()[0]
    assert status == "transcribing" and committed >= 5
    con.close()
    # the same command again resumes the interrupted recording
    out = cli_json(archive_dir, "import", str(src))
    assert out[0]["status"] == "indexed"
    con = sqlite3.connect(db_path)
    rows = con.execute("select idx, start from segments order by idx").fetchall()
    assert [r[0] for r in rows] == list(range(len(rows)))  # no gaps, no duplicates
    starts = [r[1] for r in rows]
    assert starts == sorted(starts)
    assert con.execute("select count(*) from transcripts").fetchone()[0] == 1
    assert cli(archive_dir, "check").stdout.startswith("ok")
    # the last words said (after the kill) are searchable, once, where they were heard
    last = next(l for l in demo["lines"] if l["text"].startswith("Thank you all."))
    phrase, heard_at = phrase_near(heard_words(archive_dir)[out[0]["id"]], last["start"], n=4)
    res = cli_json(archive_dir, "search", f'"{phrase}"')
    assert res["total"] == occurrences(archive_dir, phrase) >= 1
    assert min(abs(h["start"] - last["start"]) for h in res["hits"]) < 10
