"""Chapters: where the meeting takes up each agenda item, found in its transcript.

:func:`align` places an agenda's items on the transcript's segments. Each segment is a
candidate start for each item, scored by what is said there:

- the item's number spoken ("item seven", "item number 7", "number seven");
- the title's distinctive words (words of no other item's title weigh most), in the
  segment itself and, at half weight, in the few seconds after it;
- an ordinal with "item" ("the second item on the agenda") against the item's order;
- a "next item" cue ("moving on to", "the next item is", "we will now open").

A dynamic programme then picks one start per item (or none) so that starts follow the
agenda's order and the total score is highest; ties go to the earlier moment (a chair
names the item before it is debated). An item without evidence gets no chapter: nothing
is invented. When almost nothing aligns, :class:`AgendaMismatch` says so.

:func:`automatic` makes chapters without an agenda from the transcript's own cues
("the next item on the agenda is...", "item number...", "public comment", "we are
adjourned"); they are marked automatic.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Optional, Sequence

from archive.agenda import AgendaItem
from archive.spoken import STOP, content_words, stem, tokens

NUMBER_WEIGHT = 2.0
ORDINAL_WEIGHT = 1.0
TITLE_WEIGHT = 2.0
CUE_WEIGHT = 1.0
FULL_SCORE = 3.5  # a score that means certain (confidence 1)
MIN_SCORE = 1.0  # less evidence than this is no evidence
LOOKAHEAD = 8.0  # seconds after a segment whose words count for its title at half weight
MERGE_AUTOMATIC = 10.0  # automatic cues closer than this make one chapter

_ORDINALS = {"1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5, "6th": 6, "7th": 7, "8th": 8, "9th": 9, "10th": 10,
             "next": 0, "last": -1, "final": -1}
_NEXT_CUE = re.compile(r"\b((next|first|following|last|final) item|next (we have|up|is|on)|next order of business|moving on to|move on to|turn to item|we will now (open|take"
                       r" up|move|turn|hear|consider)|we now (move|turn|come) to|that brings us to|let's move to)\b")


class AgendaMismatch(ValueError):
    """Almost no item of the agenda is found in the transcript: it is another meeting's."""


@dataclass
class Chapter:
    item: str  # the agenda item's label ("7.b"), or the automatic chapter's number
    title: str
    start: Optional[float]  # seconds; None: the item was not found
    end: Optional[float] = None
    confidence: float = 0.0  # 0..1
    automatic: bool = False
    order: int = 0  # meeting order (agenda order for agenda chapters)
    aligned: Optional[float] = None  # the start alignment found (``start`` may be hand-set)
    corrected: bool = False  # a person set ``start``
    row_id: Optional[int] = None  # its catalog row, once stored

    @property
    def label(self) -> str:
        """What people read: "7.b. Secure Communities resolution" (an automatic one: its title)."""
        return self.title if self.automatic else f"{self.item}. {self.title}"

    def to_dict(self) -> dict:
        return {"item": self.item, "title": self.title, "start": self.start, "end": self.end,
                "confidence": round(self.confidence, 2), "automatic": self.automatic}


@dataclass
class _Seg:
    start: float
    end: float
    tokens: list[str]
    stems: set[str]
    ahead: set[str]  # stems said in the LOOKAHEAD seconds after it
    text: str


def _segments(segments: Sequence[dict]) -> list[_Seg]:
    out = []
    for seg in segments:
        toks = tokens(seg["text"])
        out.append(_Seg(seg["start"], seg["end"], toks, {stem(t) for t in toks if t not in STOP}, set(),
                        " ".join(seg["text"].lower().split())))
    for i, seg in enumerate(out):
        j = i + 1
        while j < len(out) and out[j].start <= seg.start + LOOKAHEAD:
            seg.ahead |= out[j].stems
            j += 1
    return out


def _spoken_numbers(toks: list[str]) -> list[tuple[float, str, str]]:
    """(weight, number, letter) of each item number said: "item 7", "item number 7 b"."""
    found = []
    for i, t in enumerate(toks):
        if t not in ("item", "number", "items"):
            continue
        j = i + 1
        if t == "item" and j < len(toks) and toks[j] in ("number", "no"):
            j += 1
        if j < len(toks) and toks[j].isdigit():
            letter = toks[j + 1] if j + 1 < len(toks) and len(toks[j + 1]) == 1 and toks[j + 1].isalpha() else ""
            found.append((NUMBER_WEIGHT if t.startswith("item") or j > i + 1 else NUMBER_WEIGHT * 0.75,
                          toks[j], letter))
        elif t == "item" and j < len(toks) and len(toks[j]) == 1 and toks[j].isalpha() and toks[j] not in ("a", "i"):
            found.append((NUMBER_WEIGHT, toks[j], ""))
    return found


def _ordinal(toks: list[str]) -> Optional[int]:
    """The order named with "item" ("the third item"), 1-based; 0 for "next"; None."""
    for i, t in enumerate(toks[:-1]):
        if t in _ORDINALS and toks[i + 1] in ("item", "order") and _ORDINALS[t] >= 0:
            return _ORDINALS[t]
    return None


def _title_weights(items: Sequence[AgendaItem]) -> list[dict[str, float]]:
    """Each item's title stems, weighted 1/df over the agenda's titles (shared words count less)."""
    stems = [set(content_words(item.title)) for item in items]
    df = Counter(s for group in stems for s in group)
    return [{s: 1.0 / df[s] for s in group} for group in stems]


def _title_score(weights: dict[str, float], seg: _Seg) -> float:
    """How much of the title is said here (and, at half weight, just after)."""
    total = sum(weights.values())
    if not total:
        return 0.0
    here = sum(w for s, w in weights.items() if s in seg.stems)
    ahead = sum(w for s, w in weights.items() if s not in seg.stems and s in seg.ahead)
    fraction = (here + 0.5 * ahead) / total
    return TITLE_WEIGHT * min(1.0, fraction) if here and (fraction >= 0.5 or here >= 2) else 0.0


def _score(item: AgendaItem, order: int, weights: dict[str, float], seg: _Seg, spoken, ordinal) -> float:
    score = _title_score(weights, seg)
    number = item.main_number
    letter = item.number[-1].lower() if item.number[-1:].isalpha() and len(item.number) > 1 else ""
    number_score = 0.0
    for weight, said, said_letter in spoken:
        if number and said == number.lower():
            number_score = max(number_score, weight + (0.5 if letter and said_letter == letter else 0.0)
                               - (0.5 if said_letter and letter and said_letter != letter else 0.0))
    score += number_score
    if ordinal and ordinal == order + 1:
        score += ORDINAL_WEIGHT
    if score and _NEXT_CUE.search(seg.text):
        score += CUE_WEIGHT
    return score


def align(items: Sequence[AgendaItem], segments: Sequence[dict], duration: Optional[float] = None) -> list[Chapter]:
    """One chapter per agenda item (start None where the item was not found).
    Raises :class:`AgendaMismatch` when almost no item is found."""
    segs = _segments(segments)
    weights = _title_weights(items)
    spoken = [_spoken_numbers(s.tokens) for s in segs]
    ordinals = [_ordinal(s.tokens) for s in segs]
    scores = [[_score(item, k, weights[k], seg, spoken[i], ordinals[i]) for i, seg in enumerate(segs)]
              for k, item in enumerate(items)]
    placed = _best_path(scores, [s.start for s in segs], duration or (segs[-1].end if segs else 0.0))
    # numbers alone do not tell meetings apart (every agenda has an item 2): count the items
    # whose title is said where they were placed
    found = sum(p is not None and _title_score(weights[k], segs[p]) > 0 for k, p in enumerate(placed))
    needed = 1 if len(items) < 3 else max(2, math.ceil(0.3 * len(items)))
    if found < needed:
        raise AgendaMismatch(f"the agenda does not match this recording: {found} of {len(items)} items found in its "
                             "transcript; no chapters made")
    chapters = [Chapter(item=item.label, title=item.title, start=None if p is None else segs[p].start,
                        confidence=0.0 if p is None else min(1.0, scores[k][p] / FULL_SCORE), order=k)
                for k, (item, p) in enumerate(zip(items, placed))]
    return with_ends(chapters, duration or (segs[-1].end if segs else 0.0))


def _best_path(scores: list[list[float]], starts: list[float], duration: float) -> list[Optional[int]]:
    """For each item a segment index (increasing with the item) or None, maximising the
    summed scores; a tiny penalty for lateness makes ties go to the earlier moment."""
    n_items, n_segs = len(scores), len(starts)
    late = [1e-4 * (s / duration if duration else 0.0) for s in starts]
    # best[i]: the best total for the items so far, all placed on segments before i
    best = [0.0] * (n_segs + 1)
    back: list[list[Optional[int]]] = []  # back[k][i]: where item k sits in best[i] (None: unplaced)
    for k in range(n_items):
        arg: list[Optional[int]] = [None] * (n_segs + 1)
        new_best = [0.0] * (n_segs + 1)
        running, where = float("-inf"), None
        for i in range(n_segs + 1):
            if best[i] > running:  # item k left out, the items before it as good as they get below i
                running, where = best[i], None
            new_best[i], arg[i] = running, where
            if i < n_segs and scores[k][i] >= MIN_SCORE and best[i] + scores[k][i] - late[i] > running:
                running, where = best[i] + scores[k][i] - late[i], i
        back.append(arg)
        best = new_best
    # walk back: item k placed at arg[k][limit], then the items before it below that segment
    placed: list[Optional[int]] = [None] * n_items
    limit = n_segs
    for k in range(n_items - 1, -1, -1):
        p = back[k][limit]
        placed[k] = p
        if p is not None:
            limit = p
    return placed


def with_ends(chapters: list[Chapter], duration: float) -> list[Chapter]:
    """Each placed chapter ends where the next one (by start) begins, the last at ``duration``."""
    placed = sorted((c for c in chapters if c.start is not None), key=lambda c: (c.start, c.order))
    for chapter, following in zip(placed, placed[1:] + [None]):
        chapter.end = following.start if following is not None else max(duration, chapter.start)
    for chapter in chapters:
        if chapter.start is None:
            chapter.end = None
    return chapters


# --- chapters from the transcript's own cues ----------------------------------------------

_SENTENCE_END = re.compile(r"[.?!;]")
_AUTOMATIC_CUES: list[tuple[re.Pattern, Optional[str]]] = [  # (pattern, fixed title or None: the words after it)
    (re.compile(r"\b(call (this|the) (meeting|session)\b.{0,40}\bto order|(will now |now )?come to order|called to "
                r"order)\b"),
     "Call to order"),
    (re.compile(r"\b(call the roll|roll call)\b(?! vote)"), "Roll call"),
    (re.compile(r"\b(open|opening|move to|turn to) (the floor )?(for |to )?public comments?\b|^public comments?\b(?! is"
                r" closed)|\bpublic comment (period )?is (now )?open\b"), "Public comment"),
    (re.compile(r"\b(meeting|we|session) (is|are|stands?|will be|is now|are now) adjourned\b|\bmotion to adjourn\b"),
     "Adjournment"),
    (re.compile(r"\b(next|first|following|last|final|second|third) (item|order of business)( on (the|our|tonight's|"
                r"today's|this evening's) agenda)?( is| will be|,|:)? "), None),
    (re.compile(r"^(\S+ ){0,5}?(agenda )?item (number |no\.? )?[0-9a-z]{1,4}\b[,.:]? ?"), None),
    (re.compile(r"\b(moving on to|we (will )?now (move|turn|come) to|we (will )?now take up|that brings us to|let's move "
                r"(on )?to|next (we have|up is|is)) "), None),
]


def _cue_title(text: str, match: re.Match, fixed: Optional[str]) -> Optional[str]:
    if fixed:
        return fixed
    rest = _SENTENCE_END.split(text[match.end():], maxsplit=1)[0]
    words = [w for w in rest.strip(" ,:-").split() if w]
    if words and words[0].lower() in ("the", "a", "an"):
        words = words[1:]
    if not words:
        said = match.group(0).strip(" ,.:")
        return said[:1].upper() + said[1:] if re.search(r"\bitem (number |no\.? )?\S", said) else None
    title = " ".join(words[:10]).strip(" ,")
    return title[:1].upper() + title[1:]


def automatic(segments: Sequence[dict], duration: Optional[float] = None) -> list[Chapter]:
    """Chapters from the transcript's cues (no agenda), marked automatic."""
    chapters: list[Chapter] = []
    for seg in segments:
        text = " ".join(seg["text"].split())
        low = text.lower()
        for pattern, fixed in _AUTOMATIC_CUES:
            m = pattern.search(low)
            if not m:
                continue
            title = _cue_title(text, m, fixed)
            if title is None:
                continue
            if chapters and seg["start"] - chapters[-1].start < MERGE_AUTOMATIC:
                break  # one chapter per moment: the first cue names it
            chapters.append(Chapter(item=str(len(chapters) + 1), title=title, start=seg["start"], confidence=0.5,
                                    automatic=True, order=len(chapters)))
            break
    end = duration or max((s["end"] for s in segments), default=0.0)
    return with_ends(chapters, end)


def chapter_at(chapters: Sequence[Chapter], seconds: float) -> Optional[Chapter]:
    """The chapter playing at ``seconds``: the latest placed one to start by then."""
    best = None
    for chapter in chapters:
        if chapter.start is not None and chapter.start <= seconds + 1e-6 and (best is None or chapter.start >= best.start):
            best = chapter
    return best
