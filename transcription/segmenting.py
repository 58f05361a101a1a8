"""Sentence-sized segments, for reading and quoting.

Whisper's segments follow its 30-second windows and timestamp tokens, not sentences:
some run 20 seconds and more, others are fragments cut mid-sentence ("…urging that the
city / up, / out in the country…"). :func:`sentences` re-cuts a stream of segments by
their word times:

* a segment holding several sentences is split at the sentence ends;
* fragments are joined into their sentence (across Whisper's segments, unless a pause
  of ``PAUSE`` seconds or more lies between them);
* a sentence is split only when it runs past ``MAX_SENTENCE`` seconds, at its longest
  pause (a comma counts extra);
* a sentence under ``MIN_SEGMENT`` seconds joins the nearer neighbour, unless pauses of
  ``ISOLATED`` seconds on both sides make it an utterance of its own ("Here.").

Flagged segments (loops, stock phrases) and segments without word times pass through
untouched, and nothing is joined across them or across a change of ``doubtful``. Lazy:
a sentence is held back only until the next one is known, so a consumer that stores
each segment as it comes (the import) only ever stores final boundaries.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections import Counter
from typing import Iterable, Iterator, Optional

from transcription.types import Segment, Word

MAX_SENTENCE = 20.0
MIN_SEGMENT = 1.0
ISOLATED = 1.0
PAUSE = 2.0
EDGE = 0.3

_END = re.compile(r"[.?!…][\"'”’)\]]*$")
_ABBREVIATIONS = {"mr.", "mrs.", "ms.", "dr.", "st.", "jr.", "sr.", "vs.", "etc.", "e.g.", "i.e.", "a.m.", "p.m."}


def ends_sentence(word: str) -> bool:
    token = word.strip()
    return bool(_END.search(token)) and token.lower() not in _ABBREVIATIONS


@dataclasses.dataclass
class _Run:
    """Words of consecutive compatible segments, each word with the segment it came from."""

    words: list[Word] = dataclasses.field(default_factory=list)
    sources: list[Segment] = dataclasses.field(default_factory=list)

    def add(self, word: Word, source: Segment) -> None:
        self.words.append(word)
        self.sources.append(source)

    def take(self, n: int) -> "_Run":
        head = _Run(self.words[:n], self.sources[:n])
        del self.words[:n], self.sources[:n]
        return head


def _joinable(seg: Segment) -> bool:
    return seg.flag is None and bool(seg.words)


def _build(run: _Run) -> Segment:
    """One segment from whole words; Whisper's scores from the segment most words came from,
    and the original segment itself when the run is exactly one of them."""
    source, _ = Counter(map(id, run.sources)).most_common(1)[0]
    main = next(s for s in run.sources if id(s) == source)
    if len(run.words) == len(main.words) and all(s is main for s in run.sources):
        return main
    start, end = _edges(run)
    return dataclasses.replace(
        main, start=start, end=end, text="".join(w.word for w in run.words).strip(), words=list(run.words)
    )


def _edges(run: _Run) -> tuple[float, float]:
    """Start and end of a run of words. Where it begins or ends a segment it came from, that
    segment's time; where it was cut out of one, its word's time moved into the pause by up
    to ``EDGE`` seconds (never past the pause's middle): Whisper's word times run short of
    the sound, and the pause is where a sentence really ends."""
    first, last = run.sources[0], run.sources[-1]
    head, tail = run.words[0], run.words[-1]
    i = next(k for k, w in enumerate(first.words) if w is head)
    j = next(k for k, w in enumerate(last.words) if w is tail)
    if i == 0:
        start = min(head.start, first.start)
    else:
        start = min(head.start, max(head.start - EDGE, (first.words[i - 1].end + head.start) / 2))
    if j == len(last.words) - 1:
        end = max(tail.end, last.end)
    else:
        end = max(tail.end, min(tail.end + EDGE, (tail.end + last.words[j + 1].start) / 2))
    return round(start, 3), round(end, 3)


def _best_cut(words: list[Word], max_len: float) -> int:
    """How many words to keep before cutting a sentence too long: at its longest pause
    (a comma counts as 0.3 s more) after the first quarter of the limit."""
    start = words[0].start
    best, best_score = len(words) - 1, -1.0
    for i in range(1, len(words)):
        head = words[i - 1].end - start
        if head > max_len:
            break
        if head < max_len / 4:
            continue
        score = words[i].start - words[i - 1].end + (0.3 if words[i - 1].word.strip().endswith((",", ";", ":")) else 0.0)
        if score >= best_score:
            best, best_score = i, score
    return max(1, best)


def _split(segments: Iterable[Segment], max_len: float, pause: float) -> Iterator[Segment]:
    """Sentences: split at sentence ends, fragments joined, passing segments kept as they are."""
    run = _Run()

    def flush() -> Iterator[Segment]:
        if run.words:
            yield _build(run.take(len(run.words)))

    for seg in segments:
        if not _joinable(seg):
            yield from flush()
            yield seg
            continue
        if run.words and (seg.doubtful != run.sources[-1].doubtful or seg.language != run.sources[-1].language
                          or seg.words[0].start - run.words[-1].end >= pause):
            yield from flush()
        for word in seg.words:
            run.add(word, seg)
            if ends_sentence(word.word):
                yield from flush()
            elif run.words[-1].end - run.words[0].start > max_len:
                yield _build(run.take(_best_cut(run.words, max_len)))
    yield from flush()


def sentences(
    segments: Iterable[Segment],
    max_len: float = MAX_SENTENCE,
    min_len: float = MIN_SEGMENT,
    isolated: float = ISOLATED,
    pause: float = PAUSE,
) -> Iterator[Segment]:
    """Re-cut a time-ordered stream of segments into sentences (see the module docstring)."""

    def fits(a: Optional[Segment], b: Optional[Segment]) -> bool:
        return (a is not None and b is not None and _joinable(a) and _joinable(b)
                and a.doubtful == b.doubtful and a.language == b.language and b.start - a.end < isolated)

    def join(a: Segment, b: Segment) -> Segment:
        return _build(_Run(a.words + b.words, [a] * len(a.words) + [b] * len(b.words)))

    prev: Optional[Segment] = None  # decided, held in case the next sentence joins it
    cur: Optional[Segment] = None  # waiting for its next neighbour
    for nxt in itertools.chain(_split(segments, max_len, pause), [None]):
        if cur is not None and _joinable(cur) and cur.end - cur.start < min_len:
            back, ahead = fits(prev, cur), fits(cur, nxt)
            if back and (not ahead or cur.start - prev.end <= nxt.start - cur.end):
                prev, cur = join(prev, cur), nxt
                continue
            if ahead:
                cur = join(cur, nxt)
                continue
        if prev is not None:
            yield prev
        prev, cur = cur, nxt
    if prev is not None:
        yield prev
