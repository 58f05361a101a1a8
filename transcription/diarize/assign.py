"""Speakers onto a transcript: each word goes to the turn that holds its midpoint.

Segments are split at every change of speaker, so no segment holds two voices. Each
piece is a :class:`SpeakerSegment` that keeps the index of the segment it came from
(``source``), and :func:`unsplit` gives the original segmentation back.
"""

from __future__ import annotations

import bisect
import dataclasses
from typing import Optional, Sequence

from transcription.diarize.types import SpeakerSegment, SpeakerTurn
from transcription.types import Segment, Word


class _Turns:
    """Looks up the speaker at a time: the turn holding it, else the nearest turn."""

    def __init__(self, turns: Sequence[SpeakerTurn]):
        self.turns = sorted(turns, key=lambda t: (t.start, t.end))
        self.starts = [t.start for t in self.turns]

    def speaker_at(self, time: float) -> Optional[str]:
        if not self.turns:
            return None
        i = bisect.bisect_right(self.starts, time)
        # a turn starting at or before ``time`` that holds it (turns may overlap: latest start wins)
        for j in range(i - 1, max(-1, i - 4), -1):
            if self.turns[j].start <= time <= self.turns[j].end:
                return self.turns[j].speaker
        candidates = self.turns[max(0, i - 1): i + 1]
        nearest = min(candidates, key=lambda t: max(t.start - time, time - t.end, 0.0))
        return nearest.speaker

    def speaker_of(self, start: float, end: float) -> Optional[str]:
        return self.speaker_at((start + end) / 2)


def _text(words: Sequence[Word]) -> str:
    return "".join(w.word for w in words).strip()


def assign_speakers(segments: Sequence[Segment], turns: Sequence[SpeakerTurn]) -> list[SpeakerSegment]:
    """One :class:`SpeakerSegment` per run of words of one speaker, in order.

    A word's speaker is the turn holding its midpoint; a word in a pause between turns
    takes the nearest turn. A segment without words goes whole to the speaker at its
    midpoint. With no turns at all every piece has ``speaker=None``. The first piece of
    a segment starts at the segment's start and its last piece ends at its end.
    """
    lookup = _Turns(turns)
    out: list[SpeakerSegment] = []
    for index, seg in enumerate(segments):
        fields = {f.name: getattr(seg, f.name) for f in dataclasses.fields(Segment)}
        if not seg.words:
            out.append(SpeakerSegment(**fields, speaker=lookup.speaker_of(seg.start, seg.end), source=index))
            continue
        runs: list[tuple[Optional[str], list[Word]]] = []
        for word in seg.words:
            speaker = lookup.speaker_of(word.start, word.end)
            if runs and runs[-1][0] == speaker:
                runs[-1][1].append(word)
            else:
                runs.append((speaker, [word]))
        if len(runs) == 1:
            out.append(SpeakerSegment(**fields, speaker=runs[0][0], source=index))
            continue
        for n, (speaker, words) in enumerate(runs):
            start = seg.start if n == 0 else words[0].start
            end = seg.end if n == len(runs) - 1 else words[-1].end
            piece = dict(fields, start=start, end=end, text=_text(words), words=list(words))
            out.append(SpeakerSegment(**piece, speaker=speaker, source=index))
    return out


def unsplit(pieces: Sequence[SpeakerSegment]) -> list[Segment]:
    """The original segments back from :func:`assign_speakers`' pieces (grouped by ``source``).

    Times and words are the original ones; a split segment's text is its words joined.
    """
    out: list[Segment] = []
    groups: dict[int, list[SpeakerSegment]] = {}
    for piece in pieces:
        groups.setdefault(piece.source, []).append(piece)
    for source in sorted(groups):
        group = groups[source]
        first = group[0]
        fields = {f.name: getattr(first, f.name) for f in dataclasses.fields(Segment)}
        if len(group) > 1:
            words = [w for p in group for w in p.words]
            fields.update(end=group[-1].end, words=words, text=_text(words))
        out.append(Segment(**fields))
    return out
