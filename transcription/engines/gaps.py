"""Speech the VAD heard but Whisper passed over, listened to again on its own.

Whisper sometimes returns nothing for a stretch of speech inside a window: its timestamps
jump past a short reply ("I vote yes.") or the last words before the window ends. On hard
audio this loses whole utterances without a trace. Each run of VAD speech spans that no
segment touches is transcribed again, on its own, and what Whisper hears there takes its
place in the stream. Lazy: a run is handled when the first segment after it arrives.

The spans should be tight (no padding, split at short pauses), so that a segment whose
times fall a little short of its speech does not count as missing it.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Callable, Iterable, Iterator

from transcription.types import Segment

MIN_GAP = 0.3  # seconds of untouched speech worth a second listen
PAD = 0.2  # seconds of audio either side of it, short of the neighbouring segments


def fill_gaps(
    segments: Iterable[Segment],
    speech: Iterable[tuple[float, float]],
    listen: Callable[[float, float], Iterable[Segment]],
) -> Iterator[Segment]:
    """``segments`` in time order, with ``listen(start, end)``'s segments put in between
    for every run of ``speech`` spans (same time base) that no segment overlaps."""
    spans = deque(sorted(speech))
    heard_to = -math.inf  # the end of the last segment so far

    def missed(before: float) -> Iterator[Segment]:
        run = None  # the untouched spans between two segments, heard again as one
        while spans and spans[0][1] <= before:
            start, end = spans.popleft()
            run = (run[0] if run else start, end)
        if run and run[1] - run[0] >= MIN_GAP:
            yield from listen(max(run[0] - PAD, heard_to, 0.0), min(run[1] + PAD, before))

    for seg in segments:
        yield from missed(seg.start)
        while spans and spans[0][0] < seg.end:  # this segment touches them
            spans.popleft()
        heard_to = max(heard_to, seg.end)
        yield seg
    yield from missed(math.inf)
