"""The catalog on sqlite-utils: migrations, rows, transcripts kept across re-transcription."""

from __future__ import annotations

import pytest
from sqlite_utils import Database

from archive.catalog import Catalog, migrations, open_db
from archive.status import Status
from archive.alignment import align_words
from transcription.types import Segment, Word


@pytest.fixture
def catalog():
    return Catalog(open_db(memory=True))


def segment(i, text="hello there", start=None):
    start = float(i * 2) if start is None else start
    words = [Word(start + j * 0.4, start + j * 0.4 + 0.3, " " + w, 0.9) for j, w in enumerate(text.split())]
    return Segment(start, start + 1.8, text, words, avg_logprob=-0.2)


def test_migrations_create_the_schema_once():
    db = Database(memory=True)
    migrations.apply(db)
    migrations.apply(db)  # idempotent
    assert {"recordings", "transcripts", "segments", "words", "jobs"} <= set(db.table_names())
    assert not migrations.pending(db)


def test_file_catalog_uses_wal(tmp_path):
    db = open_db(tmp_path / "catalog.db")
    assert db.journal_mode == "wal"


def test_recording_transcript_segments_words(catalog):
    rid = catalog.add_recording(title="Budget hearing", body="Riverton City Council", date="2024-03-12", sha256="ab" * 32)
    tid = catalog.start_transcript(rid, "faster-whisper", "tiny.en", None, "whisper")
    for i in range(3):
        catalog.add_segment(tid, i, segment(i, f"segment number {i}"))
    assert catalog.current_transcript(rid) is None  # not finished yet
    catalog.finish_transcript(tid)
    assert catalog.current_transcript(rid)["id"] == tid
    segs = catalog.segments(tid)
    assert [s["text"] for s in segs] == ["segment number 0", "segment number 1", "segment number 2"]
    assert segs[0]["original_text"] == segs[0]["text"]
    words = catalog.words_by_segment(tid)
    assert [w["text"] for w in words[segs[1]["id"]]] == [" segment", " number", " 1"]
    assert catalog.last_segment(tid)["idx"] == 2


def test_retranscribing_keeps_the_old_transcript(catalog):
    rid = catalog.add_recording(title="t", sha256="cd" * 32)
    first = catalog.start_transcript(rid, "faster-whisper", "tiny.en", None, "whisper")
    catalog.finish_transcript(first)
    second = catalog.start_transcript(rid, "openai-whisper", "tiny.en", "Riverton", "whisper")
    catalog.finish_transcript(second)
    rows = catalog.transcripts(rid)
    assert [(r["id"], r["current"]) for r in rows] == [(first, 0), (second, 1)]


def test_sha256_is_unique(catalog):
    catalog.add_recording(title="a", sha256="ef" * 32)
    with pytest.raises(Exception):
        catalog.add_recording(title="b", sha256="ef" * 32)


def test_delete_recording_removes_everything(catalog):
    rid = catalog.add_recording(title="gone", sha256="01" * 32, status=Status.INDEXED)
    tid = catalog.start_transcript(rid, "e", "m", None, "whisper")
    catalog.add_segment(tid, 0, segment(0))
    catalog.add_job(rid, "{}")
    catalog.delete_recording(rid)
    for table in ("recordings", "transcripts", "segments", "words", "jobs"):
        assert catalog.db[table].count == 0, table


def test_user_text_is_never_sql(catalog):
    evil = "x'); DROP TABLE recordings; --"
    rid = catalog.add_recording(title=evil, body=evil, sha256="02" * 32)
    assert catalog.recording(rid).title == evil
    assert catalog.bodies() == [evil]
    assert "recordings" in catalog.db.table_names()


def test_align_words_keeps_times_of_unchanged_words():
    old = [{"text": w, "start": i * 1.0, "end": i * 1.0 + 0.8, "probability": 0.9} for i, w in enumerate(" the counsel voted yes".split(" ")[1:])]
    new = align_words(old, "The council voted yes today", 0.0, 5.0)
    assert [w["text"].strip() for w in new] == ["The", "council", "voted", "yes", "today"]
    assert new[0]["start"] == 0.0 and new[2]["start"] == 2.0 and new[3]["start"] == 3.0
    assert 1.0 <= new[1]["start"] < 2.0  # replaced word keeps the replaced word's slot
    assert new[4]["start"] >= new[3]["end"] - 1e-9  # inserted after "yes"
