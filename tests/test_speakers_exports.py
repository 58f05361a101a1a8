"""Speakers everywhere a quote leaves the archive: citations, the clipboard, clip tags,
SRT, VTT (<v Name>), DOCX, TXT, JSON and CSV exports, and the search-results dataset.

A real archive (SQLite, Whoosh, the import pipeline) with the fake Whisper engine and
FakeDiarizer, so the words and who says them are known; a voice is then named, and
every output must carry the name, never the label it replaced.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess

import pytest

from archive import speakers
from archive.clips import make_clip
from archive.exports import export_transcript, write_results
from archive.importer import Importer
from archive.search import SearchRequest, search
from archive.status import Outcome
from archive.store import Archive
from archive.views import hit_quote, transcript
from fakes import FakeTranscriber
from transcription.diarize import FakeDiarizer
from transcription.types import Segment, Word

TURNS = [(0.0, 3.0, "chair"), (3.2, 6.5, "clerk")]


def _segment(*words) -> Segment:
    ws = [Word(s, e, f" {w}", 0.9) for w, s, e in words]
    return Segment(start=ws[0].start, end=ws[-1].end, text="".join(w.word for w in ws), words=ws, avg_logprob=-0.2)


# one Whisper segment that holds both voices: the split gives each its own passage
SCRIPT = [_segment(("sidewalks", 0.5, 1.2), ("need", 1.3, 1.6), ("repair", 1.7, 2.6),
                   ("motion", 3.5, 4.0), ("carries", 4.1, 4.8))]


@pytest.fixture
def voiced(tmp_path, make_media):
    audio = make_media("speakers-exports.wav", "-f", "lavfi", "-i", "sine=frequency=440:duration=8")
    with Archive(tmp_path / "archive") as archive:
        importer = Importer(archive, transcriber=FakeTranscriber(SCRIPT, duration=8.0), diarizer=FakeDiarizer(TURNS))
        [result] = importer.import_paths([audio])
        assert result.status == Outcome.INDEXED, result
        rid = result.id
        archive.catalog.update_recording(rid, title="Regular meeting", body="Riverton City Council", date="2011-05-02")
        speakers.name_voice(archive, rid, "Speaker 1", "Mayor Morgan")
        yield archive, rid


def test_every_transcript_format_names_the_voice(voiced, tmp_path):
    archive, rid = voiced
    vtt = export_transcript(archive, rid, "vtt", None)
    assert "<v Mayor Morgan>" in vtt and "<v Speaker 2>" in vtt and "<v Speaker 1>" not in vtt
    srt = export_transcript(archive, rid, "srt", None)
    assert "Mayor Morgan: sidewalks need repair" in srt
    txt = export_transcript(archive, rid, "txt", None)
    assert "Mayor Morgan: sidewalks need repair" in txt and "Speaker 2: motion carries" in txt
    rows = list(csv.DictReader(io.StringIO(export_transcript(archive, rid, "csv", None))))
    assert [(r["speaker"], r["text"]) for r in rows] == [("Mayor Morgan", "sidewalks need repair"),
                                                         ("Speaker 2", "motion carries")]
    segments = json.loads(export_transcript(archive, rid, "json", None))["segments"]
    assert [(s["speaker"], s["speaker_label"], s["speaker_suggested"]) for s in segments] == [
        ("Mayor Morgan", "Speaker 1", False), ("Speaker 2", "Speaker 2", False)]
    out = tmp_path / "meeting.docx"
    export_transcript(archive, rid, "docx", out)
    from docx import Document

    text = "\n".join(p.text for p in Document(str(out)).paragraphs)
    assert "Mayor Morgan: sidewalks need repair" in text


def test_citations_the_dataset_and_clip_tags_name_the_voice(voiced, tmp_path):
    archive, rid = voiced
    [hit] = search(archive, SearchRequest("sidewalks")).hits
    assert hit.speaker == "Mayor Morgan"
    assert hit_quote(hit).startswith("\u201csidewalks need repair\u201d \u2014 Mayor Morgan, Riverton City Council")
    view = transcript(archive, rid)
    assert view.quote([1]).startswith("\u201cmotion carries\u201d \u2014 Speaker 2, Riverton City Council")
    out = tmp_path / "hits.jsonl"
    assert write_results(archive, search(archive, SearchRequest("sidewalks OR carries")).hits, out) == 2
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert {r["speaker"] for r in rows} == {"Mayor Morgan", "Speaker 2"}
    assert all(r["speaker"] in r["citation"] for r in rows)
    clip, cite = make_clip(archive, rid, 0.5, 2.6, out=tmp_path / "clip.mp3")
    assert "Mayor Morgan" in cite
    from transcription.audio import ffmpeg_exe

    probe = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(clip), "-f", "ffmetadata", "-"],
                           capture_output=True, text=True)
    assert "Mayor Morgan" in probe.stdout


def test_a_renamed_voice_is_renamed_in_every_output(voiced):
    archive, rid = voiced
    speakers.roster_rename(archive, "Mayor Morgan", "Mayor Helen Morgan")
    assert "<v Mayor Helen Morgan>" in export_transcript(archive, rid, "vtt", None)
    [hit] = search(archive, SearchRequest("sidewalks")).hits
    assert hit.speaker == "Mayor Helen Morgan"
    assert not search(archive, SearchRequest('speaker:"Mayor Morgan" sidewalks')).hits
