"""What a real Whisper run actually heard, for tests that search a real transcript.

Whisper's exact words differ between CPUs (Intel and AMD), so a test never assumes a
particular wording or recognition error. It takes its queries from the transcript the run
produced (read straight from the catalog file), and checks robust facts: a hit is where
the words were heard, and near where the script says they were spoken.
"""

from __future__ import annotations

import difflib
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

_PLAIN = re.compile(r"^[a-z][a-z']*$")


def plain(word: str) -> str:
    """A word as the query language would type it: lowercase, no punctuation."""
    return re.sub(r"[^\w']", "", word.lower().replace("\u2019", "'")).strip("'")


@dataclass(frozen=True)
class Heard:
    word: str  # plain()
    start: float
    end: float
    line: int = 0  # the script's line (script words only)


def heard_words(archive_dir: Path, recording_id: Optional[int] = None) -> dict[int, list[Heard]]:
    """The words of each recording's current transcript, in order, from segments that are
    indexed (not flagged)."""
    con = sqlite3.connect(Path(archive_dir) / "catalog.db")
    try:
        rows = con.execute(
            "SELECT t.recording_id, w.text, w.start, w.\"end\" FROM words w "
            "JOIN segments s ON s.id = w.segment_id JOIN transcripts t ON t.id = s.transcript_id "
            "WHERE t.current = 1 AND s.flag IS NULL AND (? IS NULL OR t.recording_id = ?) "
            "ORDER BY t.recording_id, s.idx, w.idx",
            [recording_id, recording_id],
        ).fetchall()
    finally:
        con.close()
    out: dict[int, list[Heard]] = {}
    for rid, text, start, end in rows:
        word = plain(text)
        if word:
            out.setdefault(rid, []).append(Heard(word, start, end))
    return out


def occurrences(archive_dir: Path, phrase: str) -> int:
    """How often a phrase of plain words was heard in the whole archive."""
    want = phrase.split()
    count = 0
    for words in heard_words(archive_dir).values():
        seq = [w.word for w in words]
        count += sum(seq[i : i + len(want)] == want for i in range(len(seq) - len(want) + 1))
    return count


def phrase_near(words: list[Heard], seconds: float, n: int = 3) -> Optional[tuple[str, float]]:
    """The run of ``n`` plain words whose first word was heard closest to ``seconds``:
    (phrase, the time its first word was heard), or None if there is no such run."""
    best = None
    for i in range(len(words) - n + 1):
        run = words[i : i + n]
        if not all(_PLAIN.match(w.word) for w in run):
            continue
        key = abs(run[0].start - seconds)
        if best is None or key < best[0]:
            best = (key, " ".join(w.word for w in run), run[0].start)
    return None if best is None else (best[1], best[2])


def script_words(demo: dict) -> list[Heard]:
    """The demo script's words with their times (the synthesizer's, not Whisper's)."""
    return [Heard(plain(w["word"]), w["start"], w["end"], n)
            for n, line in enumerate(demo["lines"]) for w in line["words"] if plain(w["word"])]


@dataclass(frozen=True)
class Run:
    phrase: str  # plain words, as heard and as scripted
    script_start: float  # when the script says its first word was spoken
    heard_start: float  # when Whisper placed it


def agreeing_runs(script: list[Heard], heard: list[Heard], n: int = 3) -> list[Run]:
    """Non-overlapping runs of ``n`` words of one script line where the real transcript agrees
    with the script, found by aligning the two word sequences (whatever Whisper misheard
    elsewhere)."""
    matcher = difflib.SequenceMatcher(a=[w.word for w in script], b=[w.word for w in heard], autojunk=False)
    runs = []
    for block in matcher.get_matching_blocks():
        for k in range(0, block.size - n + 1, n):
            s, h = script[block.a + k : block.a + k + n], heard[block.b + k : block.b + k + n]
            if all(_PLAIN.match(w.word) for w in s) and s[0].line == s[-1].line:
                runs.append(Run(" ".join(w.word for w in s), s[0].start, h[0].start))
    return runs
