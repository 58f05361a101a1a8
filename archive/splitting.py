"""Cutting a transcript's segments into pieces and joining pieces back: the rows behind
speaker splits (diarization, and a person's "split here").

- A piece holds a run of the segment's words; its text is those words, and its times run
  from its first word to its last (the first piece starts where the segment started, the
  last ends where it ended). The first piece keeps the segment's id; words move to the
  new rows.
- ``segments.source`` is the index of the segment in the original segmentation: the
  consecutive rows sharing a ``source`` were one segment (NULL: never split), so
  :func:`original_segments` gives the original segmentation back.
- ``original_text`` (Whisper's text before any correction) is cut too: for a segment
  nobody corrected each piece's original is its own text; for a corrected one, Whisper's
  words are aligned with the corrected words and each piece keeps the part of Whisper's
  text that lines up with its words (words a correction deleted at the cut go to the
  first piece). Joining the pieces joins their originals, so nothing is lost.

Callers hold the archive's write lock and one open transaction (``db.atomic()``), and
call :meth:`Layout.write` once at the end: ``idx`` is unique per transcript, so rows
are renumbered in two steps (negative first), never colliding on the way.
"""

from __future__ import annotations

import difflib
import re
from typing import Optional, Sequence

from archive.alignment import word_key

_WORD = re.compile(r"\S+")
_TEMP = 10**9  # new rows wait at idx <= -_TEMP until the layout is written
SEGMENT_FIELDS = ("start", "end", "text", "original_text", "speaker", "avg_logprob", "no_speech_prob", "flag",
                  "source", "speaker_set")


def words_text(words: Sequence[dict]) -> str:
    return "".join(w["text"] for w in words).strip()


def original_groups(segments: Sequence[dict]) -> dict[int, int]:
    """Segment id -> index of the segment it is (part of) in the original segmentation
    (``segments`` in ``idx`` order)."""
    out: dict[int, int] = {}
    n, previous = -1, None
    for seg in segments:
        key = ("piece", seg["source"]) if seg["source"] is not None else ("whole", seg["id"])
        if key != previous:
            n, previous = n + 1, key
        out[seg["id"]] = n
    return out


def original_segments(segments: Sequence[dict]) -> list[list[dict]]:
    """The rows (in ``idx`` order) grouped as the original segments they came from."""
    groups = original_groups(segments)
    out: list[list[dict]] = []
    for seg in segments:
        if len(out) <= groups[seg["id"]]:
            out.append([])
        out[-1].append(seg)
    return out


def cut_original(seg: dict, pieces: Sequence[str]) -> list[str]:
    """Whisper's original text of ``seg`` cut as its (possibly corrected) text was cut
    into ``pieces`` (the pieces' texts, in order)."""
    original = seg["original_text"]
    if not original or original.strip() == (seg["text"] or "").strip():
        return list(pieces)
    old = _WORD.findall(original)
    new = [_WORD.findall(p) for p in pieces]
    flat = [word_key(t) for tokens in new for t in tokens]
    opcodes = difflib.SequenceMatcher(a=[word_key(t) for t in old], b=flat, autojunk=False).get_opcodes()
    cuts, at = [0], 0
    for tokens in new[:-1]:
        at += len(tokens)
        cuts.append(max(cuts[-1], _position(opcodes, at, len(old))))
    cuts.append(len(old))
    return [" ".join(old[a:b]) for a, b in zip(cuts, cuts[1:])]


def _position(opcodes, k: int, end: int) -> int:
    """Where in Whisper's words the cut before corrected word ``k`` falls."""
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "delete" and j1 == k:
            return i2  # words deleted at the cut stay with the first piece
        if j1 <= k < j2:
            if tag == "equal":
                return i1 + (k - j1)
            if tag == "insert":
                return i1
            return i1 + round((k - j1) * (i2 - i1) / (j2 - j1))
    return end


class Layout:
    """A transcript's segments laid out anew: kept rows, cut rows, joined rows, in order."""

    def __init__(self, db, transcript_id: int):
        self.db = db
        self.transcript_id = transcript_id
        self.order: list[int] = []  # segment ids in their new order
        self._new = 0

    def keep(self, segment_id: int) -> None:
        self.order.append(segment_id)

    def cut(self, seg: dict, words: Sequence[dict], runs: Sequence[tuple[Optional[str], int]], source: int) -> list[int]:
        """Cut ``seg`` into one piece per run ``(speaker, number of words)`` (the runs cover
        its words in order) and lay the pieces out; their ids, the first being ``seg``'s."""
        spans, at = [], 0
        for _, n in runs:
            spans.append((at, at + n))
            at += n
        if at != len(words) or any(a == b for a, b in spans):
            raise ValueError(f"segment {seg['id']}: runs of {at} words for {len(words)} words")
        texts = [words_text(words[a:b]) for a, b in spans]
        originals = cut_original(seg, texts)
        ids = []
        for n, ((a, b), (speaker, _)) in enumerate(zip(spans, runs)):
            fields = {
                "start": seg["start"] if n == 0 else words[a]["start"],
                "end": seg["end"] if n == len(spans) - 1 else words[b - 1]["end"],
                "text": texts[n],
                "original_text": originals[n],
                "speaker": speaker,
                "source": source,
            }
            if n == 0:
                self.db["segments"].update(seg["id"], fields)
                sid = seg["id"]
            else:
                self._new += 1
                row = {k: seg[k] for k in SEGMENT_FIELDS} | fields
                sid = self.db["segments"].insert(
                    {**row, "transcript_id": self.transcript_id, "idx": -_TEMP - self._new}).last_pk
                self.db.conn.executemany("UPDATE words SET segment_id = ?, idx = ? WHERE id = ?",
                                         [(sid, i, w["id"]) for i, w in enumerate(words[a:b])])
            ids.append(sid)
        self.order.extend(ids)
        return ids

    def join(self, first: dict, second: dict) -> None:
        """Join ``second`` (the row after ``first``) into ``first``; ``first`` is laid out
        by :meth:`keep` as usual and ``second`` disappears."""
        count = self.db.execute("SELECT count(*) FROM words WHERE segment_id = ?", [first["id"]]).fetchone()[0]
        self.db.execute("UPDATE words SET segment_id = ?, idx = idx + ? WHERE segment_id = ?",
                        [first["id"], count, second["id"]])
        same = first["source"] is not None and first["source"] == second["source"]
        self.db["segments"].update(first["id"], {
            "end": second["end"],
            "text": f"{(first['text'] or '').strip()} {(second['text'] or '').strip()}".strip(),
            "original_text": " ".join(
                p for p in ((s["original_text"] or s["text"] or "").strip() for s in (first, second)) if p),
            "source": first["source"] if same else None,
        })
        self.db.execute("DELETE FROM segments WHERE id = ?", [second["id"]])

    def write(self) -> None:
        """Renumber the transcript's rows in the laid-out order (0, 1, ...), and their
        ``source``: each run of pieces gets the index of the original segment it is, and a
        piece left alone is whole again (NULL), so values never go stale after a join."""
        self.db.execute("UPDATE segments SET idx = -1 - idx WHERE transcript_id = ? AND idx >= 0", [self.transcript_id])
        self.db.conn.executemany("UPDATE segments SET idx = ? WHERE id = ?", [(i, sid) for i, sid in enumerate(self.order)])
        rows = [dict(zip(("id", "source"), r)) for r in self.db.execute(
            "SELECT id, source FROM segments WHERE transcript_id = ? ORDER BY idx", [self.transcript_id]).fetchall()]
        groups = original_groups(rows)
        sizes: dict[int, int] = {}
        for n in groups.values():
            sizes[n] = sizes.get(n, 0) + 1
        self.db.conn.executemany("UPDATE segments SET source = ? WHERE id = ?", [
            (source, r["id"]) for r in rows
            if (source := groups[r["id"]] if sizes[groups[r["id"]]] > 1 else None) != r["source"]])
