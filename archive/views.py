"""Read-only views of the archive shaped for a user interface (the desktop app).

Plain data out, no Qt: the GUI calls these instead of touching SQL or the index.
Nothing here writes; writes go through the importer and ``archive.editing``.
"""

from __future__ import annotations

import bisect
import json
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Optional, Sequence

from archive import chaptering, fixity, fixity_rows
from archive.alignment import spread_words, unchanged_words
from archive.catalog import Recording
from archive.citation import Quote, hit_quote as quote_of_hit, reference, words_quote
from archive.status import Status
from archive.transcripts import read_transcript
from archive.search import SearchRequest, prepare, search
from transcription.formats import continues_word

DEMO_DIR = Path(__file__).resolve().parent / "demo"
LOW_CONFIDENCE = 0.5  # word probability below which the GUI marks a word as uncertain


# --- search -------------------------------------------------------------------------


def run_search(archive, request: SearchRequest, *, facets: bool = True):
    """Search results (with facet counts unless ``facets=False``) for a request; raises index.QueryError."""
    return search(archive, replace(request, facets=facets))


def prepare_search(archive, request: SearchRequest, *, facets: bool = True):
    """``run_search`` in two steps: the catalog's part now, and a call returning the results
    that a worker thread may run (archive.search.prepare); raises index.QueryError."""
    return prepare(archive, replace(request, facets=facets))


def date_range(archive) -> tuple[Optional[str], Optional[str]]:
    """The first and last recording dates in the archive (None, None when none is dated)."""
    dates = sorted(r.date for r in archive.catalog.recordings() if r.date)
    return (dates[0], dates[-1]) if dates else (None, None)


def filter_counts(archive) -> dict[str, dict[str, int]]:
    """Facet-shaped counts of recordings when there is no query yet (body, kind, year, speaker).

    Speaker counts are not kept in the catalog: every known speaker gets 0, meaning "present".
    """
    recs = archive.catalog.recordings(status=Status.INDEXED)
    return {
        "body": dict(Counter(r.body for r in recs if r.body)),
        "kind": dict(Counter(r.kind for r in recs if r.kind)),
        "year": dict(Counter(r.date[:4] for r in recs if r.date)),
        "speaker": {s: 0 for s in archive.catalog.speakers()},
    }


def hit_quote(hit) -> str:
    """Clipboard text for a search hit: its passage, cited at the passage's start (archive.citation)."""
    return quote_of_hit(hit).citation


def hit_reference(hit) -> str:
    """A link to a hit's quote: the passage's start, as its citation says."""
    return quote_of_hit(hit).reference


# --- library ------------------------------------------------------------------------


def recordings(archive) -> list[Recording]:
    """Every recording, each with its fixity line (the Library's status tooltip)."""
    recs = archive.catalog.recordings()
    verified, events = fixity_rows.last_verified(archive.db), fixity_rows.latest_events(archive.db)
    for rec in recs:
        rec.fixity = fixity.status_line(events.get(rec.id), verified.get(rec.id))
    return recs


def recording(archive, recording_id: int) -> Optional[Recording]:
    return archive.catalog.recording(recording_id)


def has_indexed(archive) -> bool:
    """True once at least one recording is searchable."""
    return bool(archive.catalog.recordings(status=Status.INDEXED))


def is_empty(archive) -> bool:
    return not archive.catalog.recordings()


def bodies(archive) -> list[str]:
    return archive.catalog.bodies()


def speakers(archive) -> list[str]:
    return archive.catalog.speakers()


def open_jobs(archive) -> int:
    """How many imports an earlier run left unfinished."""
    return len(archive.catalog.open_jobs())


def media_file(archive, recording_id: int) -> Optional[Path]:
    rec = archive.catalog.recording(recording_id)
    if rec is None:
        return None
    path = archive.media_path(rec)
    return path if path is not None and path.exists() else None


# --- transcripts --------------------------------------------------------------------


@dataclass
class WordRow:
    start: float
    end: float
    text: str  # as stored (usually with a leading space)
    probability: float = 1.0
    doubtful: bool = False  # in a segment Whisper doubted was speech (archive.transcripts.doubtful)

    @property
    def continues(self) -> bool:
        """Written without a leading space: part of the word before (",000" after " $18")."""
        return continues_word(self.text)

    @property
    def uncertain(self) -> bool:
        return self.doubtful or (self.probability is not None and self.probability < LOW_CONFIDENCE)


@dataclass
class SegmentRow:
    id: int
    idx: int
    start: float
    end: float
    text: str
    speaker: Optional[str] = None  # the name people read (archive.transcripts)
    flag: Optional[str] = None
    edited: bool = False
    words: list[WordRow] = field(default_factory=list)
    label: Optional[str] = None  # the stored speaker: a voice label ("Speaker 2") or a given name
    suggested: bool = False  # ``speaker`` is a roster match no person confirmed
    other_language: Optional[str] = None  # its spoken language when not the recording's (the app tags it)


@dataclass
class Transcript:
    recording: Recording
    segments: list[SegmentRow]
    complete: bool  # False while the recording is still being transcribed
    _starts: list[float] = field(default_factory=list, repr=False)
    _index: list[tuple[int, int]] = field(default_factory=list, repr=False)

    def __post_init__(self):
        for row, seg in enumerate(self.segments):
            for w, word in enumerate(seg.words):
                self._starts.append(word.start)
                self._index.append((row, w))

    def word_at(self, seconds: float) -> Optional[tuple[int, int]]:
        """(segment row, word index) of the word being spoken at ``seconds``, or the
        last word that started before it; None before the first word."""
        i = bisect.bisect_right(self._starts, seconds + 1e-3) - 1
        return self._index[i] if i >= 0 else None

    def passage_quote(self, rows: Sequence[int]) -> Optional[Quote]:
        """The quote of a run of whole passages (segment rows): their text, from the first's
        start to the last's end; the speaker when they all have the same one."""
        segs = [self.segments[r] for r in sorted(set(rows)) if 0 <= r < len(self.segments)]
        if not segs:
            return None
        speaker = segs[0].speaker if len({s.speaker for s in segs}) == 1 else None
        rec = self.recording
        return Quote(rec.id, " ".join(s.text for s in segs), segs[0].start, max(s.end for s in segs), speaker,
                     rec.body, rec.title, rec.date)

    def words_quote(self, first: tuple[int, int], last: tuple[int, int]) -> Optional[Quote]:
        """The quote of the words from ``first`` to ``last`` ((row, word index), either
        order, inclusive), at their own times."""
        first, last = sorted((first, last))
        picked, speakers = [], set()
        for row in range(first[0], last[0] + 1):
            seg = self.segments[row]
            lo = first[1] if row == first[0] else 0
            hi = last[1] if row == last[0] else len(seg.words) - 1
            words = seg.words[lo:hi + 1]
            picked += words
            if words:
                speakers.add(seg.speaker)
        return words_quote(self.recording, picked, speakers.pop() if len(speakers) == 1 else None)

    def quote(self, rows: Sequence[int]) -> str:
        """Citation for a run of segment rows (the first row gives time and speaker)."""
        q = self.passage_quote(rows)
        return q.citation if q is not None else ""

    def reference(self, seconds: float) -> str:
        return reference(self.recording.id, seconds)


def _word_rows(seg: dict, edited: bool) -> list[WordRow]:
    """The words shown: captions have no word times, their words are spread over the segment.
    In a segment Whisper doubted, every word is uncertain; once corrected, only the words
    the correction kept (a person's words are not in doubt)."""
    words = seg["words"] or spread_words(seg["text"], seg["start"], seg["end"])
    kept = unchanged_words(seg["original_text"], words) if seg["doubtful"] and edited else None
    return [WordRow(w["start"], w["end"], w["text"], w["probability"] if w["probability"] is not None else 1.0,
                    seg["doubtful"] and (kept is None or i in kept)) for i, w in enumerate(words)]


def transcript(archive, recording_id: int) -> Optional[Transcript]:
    """The recording's current transcript, else the one being written (read-only view)."""
    data = read_transcript(archive.catalog, recording_id, unfinished=True)
    if data is None:
        return None
    rows = [
        SegmentRow(
            id=s["id"],
            idx=s["idx"],
            start=s["start"],
            end=s["end"],
            text=s["text"],
            speaker=s["speaker"],
            flag=s["flag"],
            edited=(edited := bool(s["original_text"]) and s["original_text"] != s["text"]),
            words=_word_rows(s, edited),
            label=s["label"],
            suggested=s["suggested"],
            other_language=s["language"] if s["language"] != data.recording.language else None,
        )
        for s in data.segments
    ]
    return Transcript(data.recording, rows, complete=data.complete)


# --- the bundled demo ---------------------------------------------------------------


def demo_recording() -> tuple[Path, dict]:
    """The bundled demo meeting's media file and its metadata (title, body, date, kind)."""
    meta = json.loads((DEMO_DIR / "council_meeting.json").read_text())
    return DEMO_DIR / meta.get("audio", "council_meeting.opus"), {
        k: meta.get(k) for k in ("title", "body", "date", "kind")
    }


# --- speakers -----------------------------------------------------------------------


def chapters(archive, recording_id: int) -> list:
    """The recording's chapters found in its transcript, in meeting order (archive.chaptering)."""
    return chaptering.chapters(archive, recording_id, found_only=True)


def speaker_table(archive, recording_id: int) -> list:
    """Who spoke how long in a recording: ``archive.speakers.VoiceRow`` rows (voices in
    label order, then speakers captions or people named)."""
    from archive.speakers import speaker_table as table  # the speaker services load with the first recording shown

    return table(archive, recording_id)
