"""Whisper's failure modes: repetition loops and text invented over silence or music."""

from __future__ import annotations

import pytest

from conftest import reference
from wer import wer

from transcription.guards import HALLUCINATION, REPETITION, classify, guard, is_repetition_loop, longest_repeat
from transcription.transcriber import Transcriber
from transcription.types import Segment, TranscribeOptions


def seg(text, start=0.0, end=2.0, no_speech=0.05, logprob=-0.3, cr=1.2):
    return Segment(start, end, text, avg_logprob=logprob, no_speech_prob=no_speech, compression_ratio=cr)


@pytest.mark.parametrize(
    "text",
    [
        "the the the the the the the",
        "thank you. thank you. thank you. thank you. thank you.",
        "we will now vote we will now vote we will now vote we will now vote",
        "and I said to the council and I said to the council and I said to the council",
    ],
)
def test_repetition_loops_are_flagged(text):
    assert is_repetition_loop(text)
    assert classify(seg(text)) == REPETITION


@pytest.mark.parametrize(
    "text",
    [
        "No, no, no. That is not what the motion says.",
        "Aye. Aye. Aye. The motion carries.",
        "The budget for the budget office is the budget we passed.",
        "Thank you, Madam Chair. Thank you.",
    ],
)
def test_ordinary_speech_is_not_flagged(text):
    assert classify(seg(text)) is None


def test_longest_repeat_unit_and_count():
    assert longest_repeat("a b c a b c a b c x".split()) == (3, 3)
    assert longest_repeat("x y z".split())[1] == 1


def test_compression_ratio_over_threshold_is_a_loop():
    assert classify(seg("some text", cr=3.1)) == REPETITION


def test_boilerplate_over_doubtful_audio_is_hallucination():
    assert classify(seg("Thank you for watching!", no_speech=0.5)) == HALLUCINATION
    assert classify(seg("Subtitles by the Amara.org community")) == HALLUCINATION
    assert classify(seg("You", no_speech=0.45)) == HALLUCINATION
    # said with confidence inside a real sentence, it stays
    assert classify(seg("I want to thank you for watching over this neighborhood for thirty years")) is None


def test_identical_segments_in_a_row_become_repetition():
    stream = [seg("Move to approve.", i, i + 1) for i in range(5)] + [seg("Second.", 6, 7)]
    flags = [s.flag for s in guard(stream)]
    assert flags == [None, None, REPETITION, REPETITION, REPETITION, None]


def test_guard_is_lazy():
    def endless():
        i = 0
        while True:
            yield seg(f"line {i}", i, i + 1)
            i += 1

    it = guard(endless())
    assert [next(it).text for _ in range(3)] == ["line 0", "line 1", "line 2"]


@pytest.mark.slow
def test_real_silence_without_vad_yields_no_unflagged_text(make_media):
    # with the VAD off, tiny.en is known to invent "You" over digital silence
    silence = make_media("silence20.wav", "-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "20")
    with Transcriber("faster-whisper", TranscribeOptions(workers=1, vad=False)) as t:
        segments, _ = t.transcribe(silence)
        segments = list(segments)
    assert all(s.flag for s in segments), [(s.text, s.flag) for s in segments]


@pytest.mark.slow
@pytest.mark.parametrize("vad", [True, False])
def test_speech_around_long_silence_and_music(shared_audio, make_media, vad):
    jfk = str(shared_audio / "jfk.wav")
    path = make_media(
        "jfk_gap_music.wav",
        "-i", jfk,
        "-f", "lavfi", "-t", "25", "-i", "anullsrc=r=16000:cl=mono",
        "-f", "lavfi", "-t", "15", "-i", "sine=frequency=261:sample_rate=16000",
        "-i", jfk,
        "-filter_complex", "[0][1][2][3]concat=n=4:v=0:a=1,aresample=16000",
        "-ac", "1",
    )
    with Transcriber("faster-whisper", TranscribeOptions(workers=1, vad=vad)) as t:
        segments, info = t.transcribe(path)
        segments = list(segments)
    speech = [s for s in segments if not s.flag]
    gap = (11.5, 11.0 + 25 + 15 - 0.5)  # silence then tone, between the two readings
    invented = [s for s in speech for w in s.words if gap[0] < w.start < gap[1]]
    assert not invented, [(s.start, s.text) for s in invented]
    reading = reference(shared_audio / "jfk.wav")
    for lo, hi in ((0, gap[0]), (gap[1], info.duration + 1)):
        said = " ".join(w.word for s in speech for w in s.words if lo <= w.start < hi)
        assert wer(reading, said) <= 0.25, (lo, said)
