"""Who said it, in the archive: speakers applied to transcripts (splits, ids, corrections,
person-set speakers), the roster (suggested names, confirm, reject, rename, remove),
merging, splitting and joining passages, undo, and the import's resumable speakers stage.

Fast tests use the fake Whisper engine (tests/fakes.py) and FakeDiarizer; the command
line and the real engines end to end are in tests/test_speakers_cli.py.
"""

from __future__ import annotations

import re

import pytest

from archive import speakers
from archive.cancel import CancelToken
from archive.diarizing import SpeakerOptions
from archive.editing import correct_segment, set_speaker
from archive.importer import Importer
from archive.search import SearchRequest, search
from archive.splitting import original_segments
from archive.status import Outcome, Status
from archive.store import Archive
from archive.transcripts import read_transcript
from fakes import FakeTranscriber
from transcription.diarize import MATCH_THRESHOLD, FakeDiarizer, fake_voiceprint
from transcription.types import Segment, Word

ALICE_BOB = [(0.0, 3.0, "alice"), (3.2, 6.0, "bob"), (7.0, 9.0, "alice")]


def segment(*words, start=None, end=None) -> Segment:
    ws = [Word(s, e, f" {w}", 0.9) for w, s, e in words]
    return Segment(start=ws[0].start if start is None else start, end=ws[-1].end if end is None else end,
                   text="".join(w.word for w in ws), words=ws, avg_logprob=-0.2)


def script() -> list[Segment]:
    """Three segments: the first holds two voices ("thank" has its midpoint in Bob's turn)."""
    return [
        segment(("good", 1.0, 1.4), ("evening", 1.5, 2.9), ("thank", 3.3, 3.5), ("you", 3.6, 4.0), start=0.8, end=4.2),
        segment(("so", 4.5, 5.0), ("moved", 5.2, 5.8)),
        segment(("seconded", 7.2, 7.8), ("carried", 8.0, 8.6)),
    ]


@pytest.fixture
def audio(make_media):
    """Audio files of 10 s (the fakes only need their length; each file is another recording)."""
    return lambda n=0: make_media(f"tone{n}.wav", "-f", "lavfi", "-i", f"sine=frequency={300 + 50 * n}:duration=10")


@pytest.fixture
def archive(tmp_path):
    with Archive(tmp_path / "archive") as opened:
        yield opened


def run_import(archive, path, diarizer=None, segments=None, **kw):
    importer = Importer(archive, transcriber=FakeTranscriber(segments or script(), duration=10.0), diarizer=diarizer, **kw)
    [result] = importer.import_paths([path])
    assert result.status == Outcome.INDEXED, result
    return result.id


def rows(archive, rid) -> list[dict]:
    return read_transcript(archive.catalog, rid).segments


def hits(archive, query: str) -> set[int]:
    return {h.recording_id for h in search(archive, SearchRequest(query)).hits}


# === applying speakers ==========================================================================


def test_a_segment_is_split_where_the_speaker_changes_and_keeps_its_id(archive, audio):
    path = audio()
    plain = run_import(archive, path, speakers=SpeakerOptions(enabled=False))
    before = rows(archive, plain)
    assert archive.catalog.current_transcript(plain)["diarized"] == 0 and {s["speaker"] for s in before} == {None}
    [result] = speakers.diarize_recordings(archive, [plain], FakeDiarizer(ALICE_BOB))
    assert (result.status, result.voices) == ("diarized", 2)
    after = rows(archive, plain)
    assert [(s["idx"], s["text"], s["speaker"], s["source"], s["start"], s["end"]) for s in after] == [
        (0, "good evening", "Speaker 1", 0, 0.8, 2.9),
        (1, "thank you", "Speaker 2", 0, 3.3, 4.2),
        (2, before[1]["text"], "Speaker 2", None, before[1]["start"], before[1]["end"]),
        (3, before[2]["text"], "Speaker 1", None, before[2]["start"], before[2]["end"]),
    ]
    assert [s["id"] for s in after][0::2] == [before[0]["id"], before[1]["id"]] and after[3]["id"] == before[2]["id"]
    assert [[w["text"] for w in s["words"]] for s in after[:2]] == [[" good", " evening"], [" thank", " you"]]
    assert archive.catalog.current_transcript(plain)["diarized"] == 1
    # the original segmentation is recoverable: pieces of one source, in order
    groups = original_segments(after)
    assert [" ".join(p["text"].strip() for p in g) for g in groups] == [s["text"].strip() for s in before]
    assert [g[0]["start"] for g in groups] == [s["start"] for s in before]
    # the stored turns and voices
    table = speakers.speaker_table(archive, plain)
    assert [(v.label, v.name, v.turns, v.talk_time, v.first_words) for v in table] == [
        ("Speaker 1", None, 2, 5.0, "good evening"), ("Speaker 2", None, 1, 2.8, "thank you")]
    turns = archive.db.execute("SELECT start, end, label FROM speaker_turns WHERE recording_id = ? ORDER BY start",
                               [plain]).fetchall()
    assert turns == [(0.0, 3.0, "Speaker 1"), (3.2, 6.0, "Speaker 2"), (7.0, 9.0, "Speaker 1")]


def test_labels_follow_first_appearance_and_one_voice_is_one_speaker(archive, audio):
    rid = run_import(archive, audio(), FakeDiarizer([(0.0, 4.1, "zed"), (4.1, 10.0, "amy")]))
    assert [(s["text"], s["speaker"]) for s in rows(archive, rid)] == [
        (" good evening thank you", "Speaker 1"), (" so moved", "Speaker 2"), (" seconded carried", "Speaker 2")]
    single = run_import(archive, audio(1), FakeDiarizer([(0.0, 10.0, "only")]))
    assert {s["speaker"] for s in rows(archive, single)} == {"Speaker 1"}
    assert [v.label for v in speakers.speaker_table(archive, single)] == ["Speaker 1"]


def test_a_correction_is_kept_when_its_segment_is_split(archive, audio):
    rid = run_import(archive, audio(), speakers=SpeakerOptions(enabled=False))
    first = rows(archive, rid)[0]
    correct_segment(archive, first["id"], "Good evening, thank you kindly.")
    speakers.diarize_recordings(archive, [rid], FakeDiarizer(ALICE_BOB))
    a, b = rows(archive, rid)[:2]
    assert (a["text"], a["original_text"], a["speaker"]) == ("Good evening,", "good evening", "Speaker 1")
    assert (b["text"], b["original_text"], b["speaker"]) == ("thank you kindly.", "thank you", "Speaker 2")
    assert f"{a['original_text']} {b['original_text']}" == first["original_text"].strip()  # Whisper's text, whole
    assert rid in hits(archive, "kindly")


def test_a_speaker_a_person_set_is_never_overwritten(archive, audio):
    rid = run_import(archive, audio(), speakers=SpeakerOptions(enabled=False))
    first = rows(archive, rid)[0]
    set_speaker(archive, [first["id"]], "Clerk Hale")
    assert archive.catalog.segment(first["id"])["speaker_set"] == 1
    speakers.diarize_recordings(archive, [rid], FakeDiarizer(ALICE_BOB))
    after = rows(archive, rid)
    assert (after[0]["id"], after[0]["text"], after[0]["speaker"]) == (first["id"], first["text"], "Clerk Hale")  # not split
    assert [s["speaker"] for s in after[1:]] == ["Speaker 2", "Speaker 1"]  # labels in the order the voices are heard
    assert len(after) == 3


def test_diarize_skips_what_has_speakers_and_redo_carries_names_over(archive, audio):
    rid = run_import(archive, audio(), FakeDiarizer(ALICE_BOB))
    [again] = speakers.diarize_recordings(archive, [rid], FakeDiarizer(ALICE_BOB))
    assert again.status == "skipped" and "--redo" in again.message
    speakers.name_voice(archive, rid, "Speaker 2", "Bob Brooks", roster=False)
    person = rows(archive, rid)[3]
    speakers.assign_segments(archive, [person["id"]], "Bob Brooks")  # the voice's name: stored as its label
    assert archive.catalog.segment(person["id"])["speaker"] == "Speaker 2"
    # a new diarization where Bob speaks first: he is "Speaker 1" now, and keeps his name
    [redo] = speakers.diarize_recordings(archive, [rid], FakeDiarizer([(0.0, 4.1, "bob"), (4.1, 10.0, "alice")]), redo=True)
    assert redo.status == "diarized"
    table = {v.label: v for v in speakers.speaker_table(archive, rid)}
    assert (table["Speaker 1"].name, table["Speaker 1"].suggested) == ("Bob Brooks", False)
    assert table["Speaker 2"].name is None
    after = rows(archive, rid)
    assert [(s["text"].strip(), s["speaker"]) for s in after] == [
        ("good evening thank you", "Bob Brooks"),  # the pieces of the last split joined again: one voice now
        ("so moved", "Speaker 2"), ("seconded carried", "Bob Brooks")]  # the person's choice follows Bob
    assert all(s["source"] is None for s in after)


# === the roster =================================================================================


def test_a_named_voice_is_suggested_in_the_next_recording_and_confirmed(archive, audio):
    first = run_import(archive, audio(), FakeDiarizer(ALICE_BOB))
    assert speakers.name_voice(archive, first, "Speaker 1", "  Alice   Ames ") == "Alice Ames"
    assert [e.to_dict() for e in speakers.roster_list(archive)] == [
        {"name": "Alice Ames", "talk_time": 5.0, "recordings": 1, "offered": False, "voices": 1}]
    second = run_import(archive, audio(1), FakeDiarizer([(0.0, 4.1, "carol"), (4.1, 10.0, "alice")]))
    table = speakers.speaker_table(archive, second)
    assert [(v.label, v.name, v.suggested) for v in table] == [
        ("Speaker 1", None, False), ("Speaker 2", "Alice Ames", True)]
    assert table[1].score >= MATCH_THRESHOLD
    shown = rows(archive, second)
    assert [(s["speaker"], s["label"], s["suggested"]) for s in shown][1:] == [("Alice Ames", "Speaker 2", True)] * 2
    assert hits(archive, 'speaker:"Alice Ames"') == {first, second}
    assert "Alice Ames" in archive.catalog.speakers() and "Speaker 1" in archive.catalog.speakers()
    speakers.confirm_voice(archive, second, "Speaker 2")
    assert speakers.speaker_table(archive, second)[1].suggested is False
    [entry] = speakers.roster_list(archive)
    assert (entry.recordings, entry.talk_time, entry.voices) == (2, 5.0 + 5.9, 2)


def test_a_rejected_name_is_unknown_again_and_a_wrong_name_leaves_the_roster(archive, audio):
    first = run_import(archive, audio(), FakeDiarizer(ALICE_BOB))
    speakers.name_voice(archive, first, "Speaker 1", "Alise")  # misspelt
    second = run_import(archive, audio(1), FakeDiarizer(ALICE_BOB))
    assert speakers.speaker_table(archive, second)[0].name == "Alise"
    speakers.reject_voice(archive, second, "Speaker 1")
    assert speakers.speaker_table(archive, second)[0].name is None
    assert second not in hits(archive, "speaker:Alise")
    speakers.name_voice(archive, first, "Speaker 1", "Alice")  # corrected: the misspelt entry goes
    assert [e.name for e in speakers.roster_list(archive)] == ["Alice"]
    with pytest.raises(speakers.SpeakerError, match="no name to confirm"):
        speakers.confirm_voice(archive, second, "Speaker 1")


def test_no_two_voices_of_a_recording_get_one_name_and_the_best_match_wins():
    from archive.roster import pair_up

    alice = fake_voiceprint("alice")
    close, closer = alice + 0.3 * fake_voiceprint("x"), alice + 0.1 * fake_voiceprint("y")
    matches = pair_up([("v1", close), ("v2", closer), ("v3", fake_voiceprint("z"))],
                      [("Alice", alice), ("Bob", fake_voiceprint("bob"))])
    assert list(matches) == ["v2"] and matches["v2"][0] == "Alice"


def test_roster_rename_reindexes_and_remove_leaves_names(archive, audio):
    rid = run_import(archive, audio(), FakeDiarizer(ALICE_BOB))
    speakers.name_voice(archive, rid, "Speaker 2", "Bob")
    assert rid in hits(archive, "speaker:Bob")
    assert speakers.roster_rename(archive, "bob", "Robert Brooks") == 1
    assert rid in hits(archive, 'speaker:"Robert Brooks"') and rid not in hits(archive, "speaker:Bob")
    assert "Bob" not in archive.catalog.speakers() and "Robert Brooks" in archive.catalog.speakers()
    speakers.roster_remove(archive, "Robert Brooks")
    assert speakers.roster_list(archive) == [] and speakers.speaker_table(archive, rid)[1].name == "Robert Brooks"
    other = run_import(archive, audio(1), FakeDiarizer(ALICE_BOB))
    assert [v.name for v in speakers.speaker_table(archive, other)] == [None, None]  # the roster names nobody now
    for call in (lambda: speakers.roster_remove(archive, "Nobody"), lambda: speakers.roster_accept(archive, "Nobody"),
                 lambda: speakers.roster_rename(archive, "Nobody", "X")):
        with pytest.raises(speakers.SpeakerError, match="no roster entry"):
            call()


def test_an_offered_entry_names_nothing_until_accepted(archive, audio):
    from archive.voices import to_blob

    archive.db["roster"].insert({"name": "Dana", "voiceprint": to_blob(fake_voiceprint("alice")), "talk_time": 9.0,
                                 "recordings": 1, "offered": 1})
    first = run_import(archive, audio(), FakeDiarizer(ALICE_BOB))
    assert speakers.speaker_table(archive, first)[0].name is None and "Dana" not in archive.catalog.speakers()
    speakers.roster_accept(archive, "dana")
    second = run_import(archive, audio(1), FakeDiarizer(ALICE_BOB))
    assert speakers.speaker_table(archive, second)[0].name == "Dana"


# === merging, passages, undo ====================================================================


def test_merge_two_voices_into_one(archive, audio):
    rid = run_import(archive, audio(), FakeDiarizer(ALICE_BOB))
    speakers.name_voice(archive, rid, "Speaker 2", "Bob", roster=False)
    speakers.merge_voices(archive, rid, "Speaker 1", "Bob")  # a voice by its name works too
    [voice] = speakers.speaker_table(archive, rid)
    assert (voice.label, voice.name, voice.talk_time, voice.turns) == ("Speaker 1", "Bob", 7.8, 3)
    assert {s["label"] for s in rows(archive, rid)} == {"Speaker 1"}
    assert archive.db.execute("SELECT DISTINCT label FROM speaker_turns WHERE recording_id = ?", [rid]).fetchall() == [("Speaker 1",)]
    with pytest.raises(speakers.SpeakerError, match="itself"):
        speakers.merge_voices(archive, rid, "Speaker 1", "Speaker 1")


def test_split_a_passage_assign_it_and_undo_everything(archive, audio):
    rid = run_import(archive, audio(), FakeDiarizer(ALICE_BOB))
    before = rows(archive, rid)
    state = speakers.snapshot(archive, rid)
    target = before[3]  # "seconded carried"
    first_id, second_id = speakers.split_segment(archive, target["id"], 1)
    assert first_id == target["id"]
    speakers.assign_segments(archive, [second_id], "Speaker 2")
    speakers.name_voice(archive, rid, "Speaker 2", "Bob")
    after = rows(archive, rid)
    assert [(s["text"], s["speaker"], s["source"]) for s in after[3:]] == [("seconded", "Speaker 1", 2), ("carried", "Bob", 2)]
    assert [s["idx"] for s in after] == list(range(5))
    speakers.restore(archive, state)
    assert speakers.join_segments(archive, first_id, second_id) == first_id
    back = rows(archive, rid)
    keys = ("id", "idx", "start", "end", "speaker", "speaker_set", "source")
    assert [{k: s[k] for k in keys} for s in back] == [{k: s[k] for k in keys} for s in before]
    assert [s["text"].strip() for s in back] == [s["text"].strip() for s in before]
    assert [[(w["text"], w["start"]) for w in s["words"]] for s in back] == [[(w["text"], w["start"]) for w in s["words"]] for s in before]
    assert speakers.roster_list(archive) == [] and rid not in hits(archive, "speaker:Bob")
    with pytest.raises(speakers.SpeakerError, match="split before word 1 to 1"):
        speakers.split_segment(archive, first_id, 2)
    with pytest.raises(speakers.SpeakerError, match="does not follow"):
        speakers.join_segments(archive, before[0]["id"], before[3]["id"])


def test_the_original_segmentation_stays_recoverable_when_whole_segments_are_joined(archive, audio):
    four = script() + [segment(("adjourned", 9.0, 9.4), ("now", 9.5, 9.8))]
    rid = run_import(archive, audio(), segments=four, speakers=SpeakerOptions(enabled=False))
    a, b, c, d = (s["id"] for s in rows(archive, rid))
    speakers.split_segment(archive, c, 1)
    speakers.join_segments(archive, a, b)  # two of Whisper's segments made one by a person
    speakers.split_segment(archive, d, 1)
    after = rows(archive, rid)
    assert [(s["text"].strip(), s["source"]) for s in after] == [
        ("good evening thank you so moved", None), ("seconded", 1), ("carried", 1), ("adjourned", 2), ("now", 2)]
    assert [[p["id"] for p in g] for g in original_segments(after)] == [[a], [c, after[2]["id"]], [d, after[4]["id"]]]


def test_a_caption_cue_without_word_times_can_be_split(archive, audio, tmp_path):
    srt = tmp_path / "cues.srt"
    srt.write_text("1\n00:00:01,000 --> 00:00:04,000\nGood evening and welcome all.\n\n")
    importer = Importer(archive, diarizer=FakeDiarizer(ALICE_BOB))
    [result] = importer.import_paths([audio()], captions=srt)
    cue = rows(archive, result.id)[0]
    assert cue["speaker"] == "Speaker 1" and cue["words"] == []  # the whole cue goes to one voice
    first, second = speakers.split_segment(archive, cue["id"], 2)
    assert [s["text"] for s in rows(archive, result.id)] == ["Good evening", "and welcome all."]


def test_errors_a_person_can_make_are_one_line(archive, audio):
    rid = run_import(archive, audio(), FakeDiarizer(ALICE_BOB))
    cases = [
        (lambda: speakers.name_voice(archive, rid, "Speaker 9", "X"), "has no voice 'Speaker 9' (voices: Speaker 1, Speaker 2)"),
        (lambda: speakers.name_voice(archive, rid, "Speaker 1", "  "), "a name cannot be empty"),
        (lambda: speakers.speaker_table(archive, 99), "no recording 99"),
        (lambda: speakers.assign_segments(archive, [12345], "X"), "no segment 12345"),
        (lambda: speakers.reject_voice(archive, rid, "Speaker 1"), "no name to reject"),
    ]
    for call, message in cases:
        with pytest.raises(ValueError, match=re.escape(message)) as err:
            call()
        assert "\n" not in str(err.value)
    speakers.name_voice(archive, rid, "Speaker 1", "Ann")
    with pytest.raises(speakers.SpeakerError, match="already Ann"):
        speakers.name_voice(archive, rid, "Speaker 2", "ann")


# === the import stage ===========================================================================


class StopsWhileDiarizing(FakeDiarizer):
    """Stops the import half-way through diarizing (as the app's Stop, or a quit, would)."""

    def __init__(self, turns, token):
        super().__init__(turns)
        self.token = token

    def diarize(self, audio, num_speakers=None, min_speakers=None, max_speakers=None, progress=None):
        self.token.stop()
        progress(0.5)  # raises: the token is set
        raise AssertionError("not reached")


def test_stopped_while_diarizing_resumes_there_without_transcribing_again(tmp_path, audio):
    root = tmp_path / "archive"
    token = CancelToken()
    events = []
    with Archive(root) as archive:
        importer = Importer(archive, transcriber=FakeTranscriber(script(), duration=10.0), cancel=token,
                            diarizer=StopsWhileDiarizing(ALICE_BOB, token), on_event=events.append,
                            speakers=SpeakerOptions(max_speakers=3))
        [stopped] = importer.import_paths([audio()])
        assert stopped.status == Outcome.STOPPED
        rid = stopped.id
        assert archive.catalog.recording(rid).status == Status.DIARIZING
        assert [e.stage for e in events if e.stage == Status.DIARIZING] == [Status.DIARIZING]  # it had started
        transcript = archive.catalog.current_transcript(rid)
        assert transcript["complete"] == 1 and transcript["diarized"] == 0
        assert archive.db["voices"].count == 0 and len(archive.catalog.open_jobs()) == 1
    with Archive(root) as archive:
        engine, diarizer = FakeTranscriber(script(), duration=10.0), FakeDiarizer(ALICE_BOB)
        [resumed] = Importer(archive, transcriber=engine, diarizer=diarizer).resume()
        assert resumed.status == Outcome.INDEXED and resumed.id == rid
        assert engine.calls == []  # never transcribed again
        assert diarizer.calls == [dict(num_speakers=None, min_speakers=None, max_speakers=3)]  # the job's options
        assert [t["id"] for t in archive.catalog.transcripts(rid)] == [transcript["id"]]
        assert len(archive.catalog.recordings()) == 1 and archive.catalog.open_jobs() == []
        assert [s["speaker"] for s in rows(archive, rid)] == ["Speaker 1", "Speaker 2", "Speaker 2", "Speaker 1"]
        assert rid in hits(archive, "thank")


def test_without_the_speakers_extra_import_says_once_how_to_enable_it(archive, audio, monkeypatch):
    import archive.diarizing as diarizing
    from transcription.diarize import DiarizerUnavailable

    def unavailable():
        raise DiarizerUnavailable()

    monkeypatch.setattr(diarizing, "shared_diarizer", unavailable)
    events = []
    importer = Importer(archive, transcriber=FakeTranscriber(script(), duration=10.0), on_event=events.append)
    results = importer.import_paths([audio(), audio(1)])
    assert [r.status for r in results] == [Outcome.INDEXED] * 2
    notes = [e.message for e in events if e.stage == Status.DIARIZING and e.message]
    assert notes == ["speaker diarization is not installed; to enable speakers: pip install 'council-archive[speakers]'"]
    assert all(archive.catalog.current_transcript(r.id)["diarized"] == 0 for r in results)  # `diarize` adds them later


@pytest.mark.parametrize("case", ["too short", "no speech"])
def test_too_short_or_speechless_audio_gets_no_speakers_and_still_imports(archive, audio, make_media, case):
    events = []
    if case == "too short":
        path = make_media("half.wav", "-f", "lavfi", "-i", "sine=frequency=500:duration=0.5")
        diarizer = FakeDiarizer(ALICE_BOB)
    else:
        path, diarizer = audio(), FakeDiarizer([])
    importer = Importer(archive, transcriber=FakeTranscriber(script()[:1], duration=10.0), diarizer=diarizer,
                        on_event=events.append)
    [result] = importer.import_paths([path])
    assert result.status == Outcome.INDEXED
    [note] = [e.message for e in events if e.stage == Status.DIARIZING and e.message]
    assert note.startswith("no speakers: ") and ("too short" in note if case == "too short" else "no speech" in note)
    assert speakers.speaker_table(archive, result.id) == [] and rows(archive, result.id)[0]["speaker"] is None
    assert archive.catalog.current_transcript(result.id)["diarized"] == 1


def test_captions_with_speakers_keep_them_and_others_are_diarized(archive, audio, tmp_path):
    named, plain = tmp_path / "named.vtt", tmp_path / "plain.srt"
    named.write_text("WEBVTT\n\n00:01.000 --> 00:03.000\n<v Mayor Morgan>Good evening.\n\n"
                     "00:04.000 --> 00:06.000\nCLERK: Roll call.\n")
    plain.write_text("1\n00:00:01,000 --> 00:00:03,000\nGood evening.\n\n2\n00:00:04,000 --> 00:00:06,000\nRoll call.\n")
    diarizer = FakeDiarizer(ALICE_BOB)
    importer = Importer(archive, diarizer=diarizer)
    [with_names] = importer.import_paths([audio()], captions=named)
    [without] = importer.import_paths([audio(1)], captions=plain)
    assert len(diarizer.calls) == 1  # only the captions without speakers
    assert [s["speaker"] for s in rows(archive, with_names.id)] == ["Mayor Morgan", "CLERK"]
    assert [s["speaker"] for s in rows(archive, without.id)] == ["Speaker 1", "Speaker 2"]
    table = speakers.speaker_table(archive, with_names.id)
    assert [(v.label, v.name, v.voice, v.turns) for v in table] == [("Mayor Morgan", "Mayor Morgan", False, 1),
                                                                   ("CLERK", "CLERK", False, 1)]



def test_whisper_workers_are_released_before_the_diarizer_runs(archive, audio):
    """The stage frees Whisper's idle worker processes before the diarizer loads (memory for long meetings)."""
    order: list[str] = []

    class Releasing(FakeTranscriber):
        def release_workers(self) -> None:
            order.append("release")

    class Watching(FakeDiarizer):
        def warm(self) -> None:  # where the real diarizer loads its models and numba's code
            order.append("warm")

        def diarize(self, *args, **kwargs):
            order.append("diarize")
            return super().diarize(*args, **kwargs)

    importer = Importer(archive, transcriber=Releasing(script(), duration=10.0), diarizer=Watching(ALICE_BOB))
    [result] = importer.import_paths([audio()])
    assert result.status == Outcome.INDEXED
    assert order == ["release", "warm", "diarize"]  # the workers' memory is free before the models load
    assert {s["label"] for s in rows(archive, result.id)} == {"Speaker 1", "Speaker 2"}
