"""Sentence-sized segments: long segments split at sentence ends, fragments joined into
their sentence, short replies kept alone only when pauses isolate them.

Fake word streams (known text and times) for the rules; one real-engine check of the
length goals on the demo meeting as the import stores it.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from archive.opening import open_archive
from archive.transcripts import read_transcript
from transcription.segmenting import EDGE, MAX_SENTENCE, ends_sentence, sentences
from transcription.types import Segment, Word


def words(text: str, start: float, step: float = 0.4, pauses: dict[int, float] | None = None) -> list[Word]:
    """One Word per token, ``step`` seconds each; ``pauses`` adds silence before token i."""
    out, t = [], start
    for i, token in enumerate(text.split()):
        t += (pauses or {}).get(i, 0.0)
        out.append(Word(round(t, 3), round(t + step * 0.9, 3), " " + token, 0.9))
        t += step
    return out


def seg(text: str, start: float, step: float = 0.4, **kw) -> Segment:
    ws = words(text, start, step, kw.pop("pauses", None))
    return Segment(ws[0].start, ws[-1].end, text, ws, avg_logprob=-0.3, no_speech_prob=0.1, **kw)


def texts(segments) -> list[str]:
    return [s.text for s in segments]


def test_a_long_segment_is_split_at_its_sentence_ends():
    text = "The motion carries. We now turn to item four, the budget. Is there discussion?"
    long = seg(text, 10.0, pauses={3: 1.0})  # a second's pause after the first sentence
    long = dataclasses.replace(long, start=long.start - 0.3, end=long.end + 0.4)  # Whisper's times are wider
    out = list(sentences([long]))
    assert texts(out) == ["The motion carries.", "We now turn to item four, the budget.", "Is there discussion?"]
    assert [w.word for s in out for w in s.words] == [w.word for w in long.words]
    # Whisper's own times at its segment's edges; cuts in the pauses, EDGE into a long one
    assert (out[0].start, out[-1].end) == pytest.approx((long.start, long.end))
    assert out[0].end == pytest.approx(out[0].words[-1].end + EDGE)
    assert out[1].start == pytest.approx(out[1].words[0].start - EDGE)
    assert out[1].end == out[2].start == pytest.approx((out[1].words[-1].end + out[2].words[0].start) / 2)
    assert all((s.avg_logprob, s.no_speech_prob) == (long.avg_logprob, long.no_speech_prob) for s in out)


def test_fragments_join_into_their_sentence():
    a = seg("The council is urging that the city", 0.0)
    b = seg("up,", a.end + 0.2)
    c = seg("out in the country, build more shelters.", b.end + 0.3)
    [out] = list(sentences([a, b, c]))
    assert out.text == "The council is urging that the city up, out in the country, build more shelters."
    assert (out.start, out.end) == (a.start, c.end)


def test_fragments_that_join_into_a_loop_are_flagged_and_stay_out_of_the_index():
    from transcription.guards import REPETITION, guard, is_repetition_loop, recheck_loops

    parts = [seg("the budget the budget", 0.0)]
    parts.append(seg("the budget the budget", parts[-1].end + 0.2))
    guarded = list(guard(parts))
    assert [p.flag for p in guarded] == [None, None]  # each fragment alone is no loop
    joined = list(sentences(guarded))
    assert len(joined) == 1 and is_repetition_loop(joined[0].text)  # joined, it is one
    [out] = list(recheck_loops(joined))
    assert out.flag == REPETITION and not out.doubtful
    fine = [seg("The motion carries.", 0.0)]
    assert [s.flag for s in recheck_loops(sentences(guard(fine)))] == [None]


def test_a_pause_ends_a_fragment_and_a_doubt_change_is_never_joined():
    a = seg("and then the", 0.0)
    b = seg("budget office said so.", a.end + 2.5)  # a long pause: two utterances
    assert texts(sentences([a, b])) == ["and then the", "budget office said so."]
    c = dataclasses.replace(seg("budget office said so.", a.end + 0.2), doubtful=True)
    assert texts(sentences([a, c])) == ["and then the", "budget office said so."]


def test_a_sentence_is_split_only_past_the_limit_at_its_longest_pause():
    text = " ".join(f"w{i}" for i in range(70))  # 28 s without a sentence end
    long = seg(text + ".", 0.0, pauses={40: 0.8, 20: 0.3})
    out = list(sentences([long]))
    assert len(out) == 2 and all(s.end - s.start <= MAX_SENTENCE for s in out)
    assert out[1].words[0].word.strip() == "w40"  # the longest pause
    sentence = seg("This sentence runs long, but not past the limit of twenty seconds at all " * 2, 0.0, step=0.5)
    assert len(list(sentences([sentence]))) == 1


def test_short_replies_join_the_nearer_neighbour_unless_pauses_isolate_them():
    call = seg("Thank you, Mayor.", 0.0)
    name = seg("Mister Walker?", call.end + 0.3, step=0.3)  # 0.6 s, close to the call
    here = seg("Here.", name.end + 1.4)  # 0.36 s alone between pauses: an utterance
    next_ = seg("Mister Patel?", here.end + 1.3)
    out = list(sentences([dataclasses.replace(call, text=call.text + " " + name.text, words=call.words + name.words,
                                              end=name.end), here, next_]))
    assert texts(out) == ["Thank you, Mayor. Mister Walker?", "Here.", "Mister Patel?"]
    yes = seg("Aye.", next_.end + 0.2)
    after = seg("The motion carries unanimously.", yes.end + 0.9)
    out = list(sentences([next_, yes, after]))
    assert texts(out) == ["Mister Patel? Aye.", "The motion carries unanimously."]  # 0.2 s back, 0.9 s ahead


def test_flagged_and_wordless_segments_pass_untouched_and_are_never_joined():
    loop = dataclasses.replace(seg("zebra zebra zebra zebra zebra", 3.0), flag="repetition")
    caption = Segment(8.0, 9.0, "Ok.")
    stream = [seg("and the", 0.0), loop, seg("Yes.", loop.end + 0.1), caption, seg("No.", 9.2)]
    out = list(sentences(stream))
    assert texts(out) == ["and the", "zebra zebra zebra zebra zebra", "Yes.", "Ok.", "No."]
    assert out[1] is loop and out[3] is caption


def test_a_segment_that_is_one_sentence_comes_out_as_it_was():
    one = seg("Mr. Walker, how do you vote?", 0.0)
    assert list(sentences([one]))[0] is one
    assert not ends_sentence(" Mr.") and ends_sentence(' "yes."') and ends_sentence(" now?")


def test_sentences_are_lazy_and_final_when_they_come():
    def endless():
        t = 0.0
        while True:
            s = seg("We will now vote on the", t)
            yield s
            s = seg("motion. The clerk will call the roll.", s.end + 0.3)
            yield s
            t = s.end + 1.5

    it = sentences(endless())
    assert texts(next(it) for _ in range(3)) == [
        "We will now vote on the motion.", "The clerk will call the roll.", "We will now vote on the motion."]


def test_resuming_from_the_last_stored_end_keeps_every_stored_boundary():
    """The import stores segments one by one; killed, it resumes transcribing from the last
    stored segment's end. What it stored and what it stores then is what an uninterrupted
    run stores."""
    raw, t = [], 0.0
    for i in range(12):
        s = seg(f"Item {i} is moved" + ("." if i % 3 else " and") + (" Aye." if i % 4 == 1 else ""), t)
        raw.append(s)
        t = s.end + (0.4 if i % 2 else 1.6)

    def heard_from(t: float):  # what the engine returns when it restarts at t
        for s in raw:
            kept = [w for w in s.words if w.start >= t - 1e-6]
            if kept:
                yield s if len(kept) == len(s.words) else dataclasses.replace(
                    s, start=kept[0].start, text="".join(w.word for w in kept).strip(), words=kept)

    whole = list(sentences(raw))
    assert len(whole) > len(raw) / 2
    for stored in range(1, len(whole)):
        resumed = list(sentences(heard_from(whole[stored - 1].end)))
        assert [(s.start, s.end, s.text) for s in resumed] == [(s.start, s.end, s.text) for s in whole[stored:]]


@pytest.mark.slow
def test_the_demo_meeting_is_stored_in_sentences(demo_archive_dir):
    with open_archive(demo_archive_dir) as archive:
        rid = archive.catalog.recordings()[0].id
        segments = [s for s in read_transcript(archive.catalog, rid).segments if not s["flag"]]
    lengths = [s["end"] - s["start"] for s in segments]
    assert np.percentile(lengths, 90) <= 15.0
    for i, s in enumerate(segments):
        if s["end"] - s["start"] < 1.0:
            gaps = [s["start"] - segments[i - 1]["end"] if i else np.inf,
                    segments[i + 1]["start"] - s["end"] if i + 1 < len(segments) else np.inf]
            assert min(gaps) >= 1.0, (s["text"], gaps)  # a short segment is an utterance of its own
    # sentences end at sentence ends (Whisper's punctuation), apart from a few fragments
    ended = sum(ends_sentence(s["text"].split()[-1]) for s in segments if s["text"].split())
    assert ended >= 0.8 * len(segments)
