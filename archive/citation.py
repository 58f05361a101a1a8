"""What a quote is, and the one citation format, used everywhere a quote leaves the archive
(clipboard, clip tags, exports, search datasets):

    "…quote…" — Councilor Rivera, Springfield City Council, "Regular meeting", 2011-05-02, at 00:12:34.

The rule, in one place (:class:`Quote`): a quote is the words it copies, and its time is
the start of its first word; its span (``start``–``end``) covers exactly those words. A
search hit quotes its whole passage (:func:`hit_quote`): cited, linked and clipped at the
passage's start, while the matched word's own time travels beside it as ``hit_time``.
Words selected inside a passage (:func:`words_quote`) are a quote of their own, at their
own times.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Optional

from transcription.formats import hms, join_words

SCHEME = "council-archive"
_LINK = re.compile(rf"{SCHEME}://recording/(\d+)(?:/?\?(?:.*&)?t=(\d+(?:\.\d+)?))?[^?]*$")


def reference(recording_id: int, seconds: float) -> str:
    """A link to a moment in a recording (``council-archive://recording/3?t=100.00``), to
    keep next to a quote; ``council-archive open LINK`` opens it in the app."""
    return f"{SCHEME}://recording/{recording_id}?t={seconds:.2f}"


def parse_reference(link: str) -> tuple[int, float]:
    """(recording id, seconds) of a link :func:`reference` made; ValueError for anything else."""
    m = _LINK.fullmatch(link.strip())
    if not m:
        raise ValueError(f"not a council-archive link: {link!r} (like {reference(3, 100)})")
    return int(m[1]), float(m[2] or 0.0)


def source_line(
    *, speaker: Optional[str], body: Optional[str], title: Optional[str], date: Optional[str], seconds: float
) -> str:
    parts = [p for p in (speaker, body, f"\u201c{title}\u201d" if title else None, date) if p]
    return ", ".join(parts + [f"at {hms(seconds)}"]) + "."


def citation(
    quote: str,
    *,
    speaker: Optional[str] = None,
    body: Optional[str] = None,
    title: Optional[str] = None,
    date: Optional[str] = None,
    seconds: float = 0.0,
) -> str:
    """``"quote" — speaker, body, "title", date, at HH:MM:SS.`` (missing parts are left out)."""
    quote = " ".join(quote.split()).strip().strip('"\u201c\u201d')
    return f"\u201c{quote}\u201d \u2014 " + source_line(speaker=speaker, body=body, title=title, date=date, seconds=seconds)


@dataclass(frozen=True)
class Quote:
    """Words quoted from a recording: ``text`` spoken from ``start`` (its first word) to
    ``end`` (its last). ``hit_time``: the matched word's time when a search hit gave it."""

    recording_id: int
    text: str
    start: float
    end: float
    speaker: Optional[str] = None
    body: Optional[str] = None
    title: Optional[str] = None
    date: Optional[str] = None
    hit_time: Optional[float] = None

    @property
    def citation(self) -> str:
        return citation(self.text, speaker=self.speaker, body=self.body, title=self.title, date=self.date,
                        seconds=self.start)

    @property
    def reference(self) -> str:
        return reference(self.recording_id, self.start)

    @property
    def tag_title(self) -> str:
        """A clip's title tag: ``Regular Meeting at 00:01:40``."""
        return f"{self.title or 'Recording'} at {hms(self.start)}"

    def clip_span(self, pad: float, duration: Optional[float] = None) -> tuple[float, float]:
        """The audio a clip of this quote covers: the quote, ``pad`` seconds each side,
        within the recording."""
        a = max(0.0, self.start - max(0.0, pad))
        b = self.end + max(0.0, pad)
        return a, (min(duration, b) if duration else b)


def hit_quote(hit: Any) -> Quote:
    """A search hit as a quote: its passage, with the matched word's time as ``hit_time``."""
    return Quote(int(hit.recording_id), hit.text, float(hit.segment_start), float(hit.segment_end), hit.speaker,
                 hit.body, hit.title, hit.date, hit_time=float(hit.start))


def words_quote(recording: Any, words: Iterable[Any], speaker: Optional[str] = None) -> Optional[Quote]:
    """Timed words (objects or dicts with ``text``, ``start``, ``end``) of ``recording``
    as a quote: their text joined as spoken, from the first word's start to the last's end."""
    words = list(words)
    if not words:
        return None
    get = (lambda w, k: w[k]) if isinstance(words[0], dict) else getattr
    return Quote(int(recording.id), join_words(get(w, "text") for w in words), float(get(words[0], "start")),
                 float(max(get(w, "end") for w in words)), speaker, recording.body, recording.title, recording.date)
