"""Speech the VAD heard but Whisper passed over, listened to again on its own.

Whisper sometimes returns nothing for a stretch of speech inside a window: its timestamps
jump past a short reply ("I vote yes.") or the last words before the window ends. On hard
audio this loses whole utterances without a trace. VAD speech between two segments is
transcribed again, on its own, and what Whisper hears there takes its place in the stream:
a stretch no segment touches from ``MIN_GAP`` seconds, the uncovered part of one a segment
touches from ``MIN_PART`` (shorter, it is Whisper's loose timing, not lost speech). What
that second listen passes over too is heard once more, in smaller pieces (:func:`passed_over`):
on hard radio a second listen can hear nothing, and the whole stretch would be lost. Lazy:
the speech before a segment is handled when that segment arrives.

The spans should be tight (no padding, split at short pauses), so that a segment whose
times fall a little short of its speech does not count as missing it.

Whisper's word times also run short of the sound at the edges of speech: :func:`reach_speech`
moves a segment's start or end (never its words' times) out to the edge of the VAD speech it
lies in, when its first or last word stops short of it by ``REACH`` seconds or less, so that
playing or clipping a segment gives its whole sound.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import logging
import math
from collections import deque
from typing import Callable, Iterable, Iterator, Optional

from transcription.types import Segment

log = logging.getLogger(__name__)
MIN_GAP = 0.3  # seconds of speech no segment touches worth a second listen
MIN_PART = 1.0  # ... of the uncovered part of speech a segment touches (less is Whisper's timing)
PAD = 0.2  # seconds of audio either side of it, short of the neighbouring segments
REACH = 0.4  # seconds a segment's edge may move out to the edge of its speech


def fill_gaps(
    segments: Iterable[Segment],
    speech: Iterable[tuple[float, float]],
    listen: Callable[[float, float], Iterable[Segment]],
) -> Iterator[Segment]:
    """``segments`` in time order, with ``listen(start, end)``'s segments put in between
    wherever ``speech`` (spans in the same time base) lies outside every segment."""
    spans = deque(sorted(speech))
    heard_to = -math.inf  # the end of the last segment so far

    def missed(before: float) -> Iterator[Segment]:
        """The speech between the last segment and ``before``, heard again as one run."""
        pieces, untouched, uncovered = [], 0.0, 0.0
        while spans and spans[0][0] < before:
            start, end = spans.popleft()
            if end > before:  # it runs on under the next segment: the rest waits
                spans.appendleft((before, end))
            lo, hi = max(start, heard_to), min(end, before)
            if hi > lo:
                pieces.append((lo, hi))
                uncovered += hi - lo
                untouched += hi - lo if start > heard_to and end < before else 0.0
        if pieces and (untouched >= MIN_GAP or uncovered >= MIN_PART):
            start, end = max(pieces[0][0] - PAD, heard_to, 0.0), min(pieces[-1][1] + PAD, before)
            heard = list(listen(start, end))
            log.debug("%.2f-%.2f s: %.1f s of speech no segment covers, heard again: %s", start, end, uncovered,
                      [(s.start, s.end, s.text) for s in heard] or "nothing")
            for lo, hi in passed_over(heard, pieces, start, end):  # passed over again: once more, on its own
                more = list(listen(lo, hi))
                log.debug("%.2f-%.2f s: passed over again, heard alone: %s", lo, hi,
                          [(s.start, s.end, s.text) for s in more] or "nothing")
                heard += more
            yield from sorted(heard, key=lambda s: s.start)
        elif pieces:
            log.debug("%.2f-%.2f s: %.1f s of speech uncovered (%.1f s untouched): left", pieces[0][0], pieces[-1][1],
                      uncovered, untouched)

    for seg in segments:
        yield from missed(seg.start)
        heard_to = max(heard_to, seg.end)
        while spans and spans[0][1] <= heard_to:  # covered by this segment
            spans.popleft()
        if spans and spans[0][0] < heard_to:
            spans[0] = (heard_to, spans[0][1])
        yield seg
    yield from missed(math.inf)


def passed_over(
    heard: list[Segment], pieces: list[tuple[float, float]], start: float, end: float
) -> list[tuple[float, float]]:
    """Where to listen once more: the ``pieces`` of speech (in time order, within ``start``-
    ``end``) that no segment ``heard`` there touches, from ``MIN_GAP`` seconds, with ``PAD``
    short of the neighbouring segments. Pieces with no segment between them are heard as one
    stretch; when nothing was heard at all, each piece on its own (the whole run again would
    be the same audio, and the same text)."""
    if not heard and len(pieces) < 2:
        return []  # it would be the same audio
    out: list[list[float]] = []  # [first, last, left bound, right bound]
    for lo, hi in pieces:
        if any(s.start < hi and lo < s.end for s in heard):
            continue
        left = max([s.end for s in heard if s.end <= lo], default=start)
        right = min([s.start for s in heard if s.start >= hi], default=end)
        if heard and out and out[-1][2] == left:  # no segment between the two
            out[-1][1] = hi
        else:
            out.append([lo, hi, left, right])
    return [(max(lo - PAD, left), min(hi + PAD, right)) for lo, hi, left, right in out if hi - lo >= MIN_GAP]


def reach_speech(
    segments: Iterable[Segment], speech: Iterable[tuple[float, float]], reach: float = REACH
) -> Iterator[Segment]:
    """``segments`` in time order, each one's start moved back to the start of the ``speech``
    span its first word starts in, and its end on to the end of the span its last word ends
    in, where that word is at most ``reach`` seconds from the span's edge; never into another
    segment. Word times stay as they are. Lazy: a segment waits only for the next one."""
    spans = sorted(speech)
    starts = [a for a, _ in spans]

    def span_at(t: float) -> Optional[tuple[float, float]]:
        i = bisect.bisect_right(starts, t) - 1
        return spans[i] if i >= 0 and t <= spans[i][1] else None

    before = -math.inf  # the end of the segment before
    held: Optional[Segment] = None
    for nxt in itertools.chain(segments, [None]):
        if held is not None:
            if held.words:
                start, end = held.start, held.end
                first, last = held.words[0].start, held.words[-1].end
                span = span_at(first)
                if span and first - span[0] <= reach:
                    start = min(start, max(span[0], before))
                span = span_at(last)
                if span and span[1] - last <= reach:
                    end = max(end, min(span[1], nxt.start if nxt is not None else math.inf))
                if (start, end) != (held.start, held.end):
                    held = dataclasses.replace(held, start=round(start, 3), end=round(end, 3))
            before = max(before, held.end)
            yield held
        held = nxt
