"""Every spoken word kept: speech Whisper doubted is kept, indexed and shown as uncertain;
speech Whisper passed over is heard again; loops and stock phrases stay out of the index.

The fast tests use the fake engine (tests/fakes.py: the demo script, known text) on the
real catalog, index and command line; the slow ones run Whisper on a radio version of
the demo meeting (tests/degrade.py) and assert only robust facts (coverage, counts,
hits in the right segment), never particular words.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

import degrade
from fakes import FakeTranscriber, demo_segments

from archive import views
from archive.cli import main as cli_main
from archive.importer import Importer, ImportMeta
from archive.opening import open_archive
from archive.recordings import recording_doc
from archive.search import SearchRequest, search
from archive.transcripts import HARD_AUDIO, read_transcript, transcript_note
from archive.catalog import NO_SPEECH
from transcription import audio
from transcription.engines.faster_whisper import (
    NARROW_BAND_VAD_THRESHOLD, VAD_PARAMETERS, FasterWhisperEngine, tight_speech, vad_parameters)
from transcription.engines.gaps import REACH, fill_gaps, reach_speech
from transcription.engines.openai_whisper import _over_silence
from transcription.segmenting import sentences
from transcription.transcriber import split_at_pauses
from transcription.guards import HALLUCINATION, REPETITION, guard, is_repetition_loop, whisper_doubted
from transcription.types import Segment, TranscribeOptions, Word

META = ImportMeta(title="Radio check", body="Riverton City Council", date="2024-03-05", kind="radio")
DOUBT = dict(no_speech_prob=0.72, avg_logprob=-1.3)  # what Whisper's no-speech rule used to skip


def seg(text: str, start: float = 0.0, end: float = 2.0, **kw) -> Segment:
    return Segment(start, end, text, **{"no_speech_prob": 0.05, "avg_logprob": -0.3, "compression_ratio": 1.2, **kw})


# --- the guards ------------------------------------------------------------------------


def test_speech_whisper_doubted_is_kept_unflagged_and_marked():
    [out] = guard([seg("I move that the city leave the regional camera program", **DOUBT)])
    assert out.flag is None and out.doubtful


def test_loops_and_stock_phrases_stay_flagged_however_doubtful():
    out = list(guard([seg("Thank you for watching!", **DOUBT), seg("You", **DOUBT),
                      seg("the the the the the the the", **DOUBT)]))
    assert [s.flag for s in out] == [HALLUCINATION, HALLUCINATION, REPETITION]
    assert not any(s.doubtful for s in out)


def test_whisper_doubts_only_when_both_signs_agree():
    assert whisper_doubted(0.72, -1.3)
    assert not whisper_doubted(0.72, -0.5)  # unsure there was speech, sure of the words
    assert not whisper_doubted(0.2, -1.5)
    assert not whisper_doubted(None, None)  # captions


def test_openai_engine_drops_doubted_text_only_where_the_vad_hears_nothing():
    doubted = seg("and the bus on the field", 10.0, 12.0, **DOUBT)
    assert _over_silence(doubted, [(0.0, 5.0), (20.0, 25.0)])
    assert not _over_silence(doubted, [(11.5, 14.0)])
    assert not _over_silence(dataclasses.replace(doubted, avg_logprob=-0.2), [])


# --- speech passed over, heard again -----------------------------------------------------


def test_untouched_speech_is_heard_again_in_its_place():
    heard = []

    def listen(start, end):
        heard.append((round(start, 3), round(end, 3)))
        return [seg("again", start, end)]

    segments = [seg("one", 0.0, 2.0), seg("two", 5.0, 7.0)]
    speech = [(0.1, 1.9), (2.8, 3.4), (3.5, 4.0), (5.2, 6.8), (8.0, 9.0)]
    out = list(fill_gaps(segments, speech, listen))
    # the two untouched spans between the segments are one run; padding stops at neighbours
    assert heard == [(2.6, 4.2), (7.8, 9.2)]
    assert [s.text for s in out] == ["one", "again", "two", "again"]


def test_speech_a_segment_touches_or_too_short_is_not_heard_again():
    heard = []
    segments = [seg("one", 0.0, 2.0), seg("two", 4.0, 6.0)]
    speech = [(1.5, 2.6), (3.0, 3.2), (5.5, 6.5)]
    out = list(fill_gaps(segments, speech, lambda a, b: heard.append((a, b)) or []))
    assert heard == [] and [s.text for s in out] == ["one", "two"]


def test_the_uncovered_part_of_speech_a_segment_touches_is_heard_again_from_a_second():
    heard = []
    segments = [seg("one", 0.0, 2.0), seg("two", 5.0, 7.0), seg("three", 7.5, 9.0)]
    # Whisper's "two" starts a hair before the end of the speech it passed over;
    # "three" leaves 0.5 s of its speech uncovered (loose timing, not lost speech)
    speech = [(2.5, 5.02), (6.9, 7.0), (7.0, 9.5)]
    list(fill_gaps(segments, speech, lambda a, b: heard.append((round(a, 3), round(b, 3))) or []))
    assert heard == [(2.3, 5.0)]


def test_speech_the_second_listen_passes_over_is_heard_once_more_in_smaller_pieces():
    heard = []

    def listen(start, end):
        heard.append((round(start, 3), round(end, 3)))
        return [seg(text, a, b) for text, a, b in answers.pop(0)]

    segments = [seg("one", 0.0, 2.0), seg("two", 9.0, 10.0)]
    speech = [(2.5, 3.5), (3.6, 4.4), (4.5, 5.5), (6.0, 7.0), (7.2, 8.5)]
    # the second listen hears only the middle: the pieces either side are heard once more
    answers = [[("middle", 4.4, 5.6)], [("first", 2.5, 4.3)], [("last", 6.0, 8.4)]]
    out = list(fill_gaps(segments, speech, listen))
    assert heard == [(2.3, 8.7), (2.3, 4.4), (5.8, 8.7)]
    assert [s.text for s in out] == ["one", "first", "middle", "last", "two"]
    # the second listen hears nothing: each piece alone (the whole run again is the same audio)
    heard.clear()
    answers = [[], [], [("alone", 3.6, 4.4)], [], [], []]
    out = list(fill_gaps(segments, speech, listen))
    assert heard == [(2.3, 8.7), (2.3, 3.7), (3.4, 4.6), (4.3, 5.7), (5.8, 7.2), (7.0, 8.7)]
    assert [s.text for s in out] == ["one", "alone", "two"]


def test_filling_gaps_is_lazy():
    def endless():
        i = 0
        while True:
            yield seg(f"line {i}", 2.0 * i, 2.0 * i + 1)
            i += 1

    it = fill_gaps(endless(), [(1.2, 1.8)], lambda a, b: [seg("heard", a, b)])
    assert [next(it).text for _ in range(3)] == ["line 0", "heard", "line 1"]


def spoken(text: str, start: float, end: float) -> Segment:
    """A segment whose times are its words' (as faster-whisper gives them), words evenly spaced."""
    tokens = text.split()
    step = (end - start) / len(tokens)
    words = [Word(round(start + i * step, 3), round(start + (i + 1) * step - 0.05, 3), " " + t)
             for i, t in enumerate(tokens)]
    return seg(text, words[0].start, words[-1].end, words=words)


def times(segments):
    return [(s.start, s.end) for s in segments]


def test_segment_edges_reach_the_speech_their_words_stop_short_of():
    one, two = spoken("We will vote.", 1.2, 3.0), spoken("The motion carries.", 6.0, 8.0)
    words = [dataclasses.replace(w) for w in one.words + two.words]
    out = list(reach_speech([one, two], [(1.0, 3.2), (5.7, 8.3)]))
    assert times(out) == [(1.0, 3.2), (5.7, 8.3)]
    assert [w for s in out for w in s.words] == words  # hit times and highlighting unchanged


def test_segment_edges_move_no_further_than_the_reach():
    one = spoken("We will vote.", 1.0 + REACH + 0.1, 3.0)
    out = list(reach_speech([one], [(1.0, 3.0 + REACH + 0.15)]))
    assert times(out) == times([one])


def test_segment_edges_never_reach_into_another_segment_or_other_speech():
    # the next segment starts inside the speech the first one ends in: the first stops there
    one, two = spoken("Second the motion.", 1.0, 2.5), spoken("All in favour?", 2.6, 4.0)
    out = list(reach_speech([one, two], [(0.9, 2.8), (2.9, 4.2)]))
    assert times(out) == [(0.9, 2.6), (2.6, 4.2)]
    # words in the pause between two stretches of speech reach into neither
    three = spoken("Aye.", 10.0, 10.6)
    out = list(reach_speech([three], [(9.5, 9.9), (10.65, 11.0)]))
    assert times(out) == times([three])


def test_reaching_the_speech_is_lazy_and_survives_sentences():
    def endless():
        i = 0
        while True:
            yield spoken(f"Line {i}. Then more words here.", 10.0 * i + 0.2, 10.0 * i + 6.0)
            i += 1

    it = sentences(split_at_pauses(reach_speech(endless(), [(10.0 * i, 10.0 * i + 6.2) for i in range(3)])))
    first, second = next(it), next(it)
    assert (first.start, second.end) == (0.0, 6.2)  # the outer edges kept through re-cutting
    assert first.words[0].start == 0.2 and second.words[-1].end == 5.95


# --- the archive: indexed, shown, noted -----------------------------------------------------


def import_fake(root, demo, segments) -> int:
    with open_archive(root) as archive:
        importer = Importer(archive, transcriber=FakeTranscriber(list(guard(segments))))
        [result] = importer.import_paths([demo["path"]], META)
    assert result.status == "indexed", result
    return result.id


def hits(root, query: str):
    with open_archive(root) as archive:
        return search(archive, SearchRequest(query=query)).hits


def cli(capsys, root, *args) -> str:
    assert cli_main(["--archive", str(root), *args]) == 0
    return capsys.readouterr().out


def test_doubtful_speech_is_searchable_and_shown_uncertain(tmp_path, demo, capsys):
    segments = demo_segments()
    doubtful = next(i for i, s in enumerate(segments) if "Harbor Street" in s.text)
    segments[doubtful] = dataclasses.replace(segments[doubtful], **DOUBT)
    loop = doubtful + 2
    segments[loop] = dataclasses.replace(segments[loop], text=" zebra zebra zebra zebra zebra zebra", words=[])
    rid = import_fake(tmp_path / "archive", demo, segments)

    [hit] = [h for h in hits(tmp_path / "archive", "harbor") if abs(h.segment_start - segments[doubtful].start) < 0.01]
    assert not hits(tmp_path / "archive", "zebra")  # the loop never reaches the index

    with open_archive(tmp_path / "archive") as archive:
        rows = views.transcript(archive, rid).segments
        rec = archive.catalog.recording(rid)
    assert all(w.uncertain for w in rows[doubtful].words) and rows[doubtful].words
    assert not any(w.uncertain for r in rows if r.idx != doubtful for w in r.words)
    assert rows[loop].flag == REPETITION
    assert rec.note is None  # one doubtful line is not a hard recording

    shown = cli(capsys, tmp_path / "archive", "show", str(rid))
    [line] = [ln for ln in shown.splitlines() if "[uncertain]" in ln]
    assert "Harbor Street" in line
    assert "zebra" in shown and "[repetition: not indexed]" in shown


def test_a_mostly_doubtful_recording_is_noted_hard_audio(tmp_path, demo, capsys):
    segments = [dataclasses.replace(s, **DOUBT) if i % 4 else s for i, s in enumerate(demo_segments())]
    rid = import_fake(tmp_path / "archive", demo, segments)
    with open_archive(tmp_path / "archive") as archive:
        data = read_transcript(archive.catalog, rid)
        indexed = {s.segment_id for s in recording_doc(archive.catalog, data.recording).segments}
    assert data.recording.note == HARD_AUDIO
    assert indexed == {s["id"] for s in data.segments if not s["flag"]}  # doubtful text indexed
    assert sum(s["doubtful"] for s in data.segments) > len(data.segments) / 2
    assert "(hard audio)" in cli(capsys, tmp_path / "archive", "list")
    assert f"Note      {HARD_AUDIO}" in cli(capsys, tmp_path / "archive", "show", str(rid))


def test_transcript_notes_by_the_time_that_is_doubtful():
    def row(start, end, flag=None, doubted=False):
        probs = DOUBT if doubted else {"no_speech_prob": 0.1, "avg_logprob": -0.2}
        return {"start": start, "end": end, "flag": flag, **probs}

    assert transcript_note([]) == NO_SPEECH
    assert transcript_note([row(0, 5, flag=HALLUCINATION)]) == NO_SPEECH
    assert transcript_note([row(0, 6, doubted=True), row(6, 10)]) == HARD_AUDIO
    assert transcript_note([row(0, 4, doubted=True), row(4, 10)]) is None
    # a flagged segment is neither speech nor doubt
    assert transcript_note([row(0, 3, doubted=True), row(3, 5), row(5, 30, flag=REPETITION)]) == HARD_AUDIO


# --- the VAD on narrow-band audio --------------------------------------------------------------


def test_narrow_band_audio_gets_the_lower_vad_threshold_and_more_of_its_speech(demo, tmp_path):
    clean = audio.decode(str(demo["path"]))
    narrow = audio.decode(str(degrade.make(demo["path"], "narrow", tmp_path)))
    assert "threshold" not in vad_parameters(clean)
    assert vad_parameters(narrow)["threshold"] == NARROW_BAND_VAD_THRESHOLD
    truth = tight_speech(clean, vad_parameters(clean))
    found = tight_speech(narrow, vad_parameters(narrow))
    at_default = tight_speech(narrow, VAD_PARAMETERS)
    recall = degrade.overlap(found, truth) / degrade.total(truth)
    assert recall >= 0.95 and recall > degrade.overlap(at_default, truth) / degrade.total(truth)


# --- real Whisper on radio audio -------------------------------------------------------------


@pytest.fixture(scope="module")
def radio_archive(tmp_path_factory, demo):
    """The demo meeting as hard radio (narrow band, noise as loud as the speech, hum,
    clipping), imported through the real engine."""
    folder = tmp_path_factory.mktemp("radio")
    radio = degrade.make(demo["path"], "radio", folder)
    root = folder / "archive"
    with open_archive(root) as archive:
        importer = Importer(archive, options=TranscribeOptions(workers=1))
        try:
            [result] = importer.import_paths([radio], META)
        finally:
            importer.close()
    assert result.status == "indexed", result
    return root, radio, result.id


@pytest.mark.slow
def test_radio_speech_is_covered_and_loops_stay_out_of_the_index(radio_archive):
    root, radio, rid = radio_archive
    with open_archive(root) as archive:
        data = read_transcript(archive.catalog, rid)
        indexed = {s.segment_id for s in recording_doc(archive.catalog, data.recording).segments}
    speech = degrade.vad_speech(audio.decode(str(radio)))
    stored = [Segment(s["start"], s["end"], s["text"]) for s in data.segments]
    # Whisper's no-speech rule alone kept about 70 % here; the goal is 95 %. Whisper samples
    # where it is unsure, from the same seed in every transcription, so a run gives the same
    # text every time; with other seeds (other draws, as another CPU's arithmetic may give)
    # the same code covered 96.1 % to 99.3 % (bench/speech_coverage.py --seeds, docs/benchmarks.md)
    assert degrade.coverage(stored, speech) >= 0.95
    assert indexed == {s["id"] for s in data.segments if not s["flag"]}
    assert not any(is_repetition_loop(s["text"]) for s in data.segments if s["id"] in indexed)


@pytest.mark.slow
def test_doubtful_radio_speech_is_searchable_in_its_segment(radio_archive):
    root, _, rid = radio_archive
    with open_archive(root) as archive:
        segments = read_transcript(archive.catalog, rid).segments
    doubtful = [s for s in segments if s["doubtful"]]
    assert doubtful, "at 0 dB SNR Whisper doubts some of the speech"
    words = {s["id"]: {w.lower() for w in re.findall(r"[A-Za-z]{4,}", s["text"])} for s in segments if not s["flag"]}
    checked = 0
    for s in doubtful:
        rare = [w for w in words[s["id"]] if sum(w in ws for ws in words.values()) == 1]
        if rare:
            assert s["id"] in {h.segment_id for h in hits(root, rare[0])}, (rare[0], s["text"])
            checked += 1
    assert checked, [s["text"] for s in doubtful]



@pytest.mark.slow
def test_radio_gives_the_same_text_whatever_was_transcribed_before(radio_archive):
    """Whisper samples where it is unsure (temperatures above 0). The sampling starts from
    the same seed for every transcription, so the same audio gives the same segments in any
    process, whatever it sampled before (other chunks, other recordings)."""
    samples = audio.decode(str(radio_archive[1]))
    rate, options = audio.SAMPLE_RATE, TranscribeOptions(workers=1)
    engine = FasterWhisperEngine(options)

    def heard(start: float, end: float):
        segments, _ = engine.transcribe_array(samples[int(start * rate): int(end * rate)], options, offset=start)
        return [(s.start, s.end, s.text, [(w.start, w.end, w.word) for w in s.words]) for s in segments]

    once = heard(40.0, 60.0)
    assert engine.model.model.sampled, "at 0 dB SNR Whisper falls back to sampling"
    assert heard(80.0, 100.0)  # more sampling in between
    assert heard(40.0, 60.0) == once  # unseeded, this piece came out different every time
