"""Transcript writers: plain text, JSON, SubRip and WebVTT.

They take any objects with ``start``, ``end`` and ``text`` (and optionally
``speaker`` and ``words``), so the archive's exports use the same code on rows
from its catalog.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any, Iterable, Sequence

from transcription.types import Segment, TranscriptionInfo

FORMATS = ("txt", "json", "srt", "vtt")
MAX_LINE = 42  # characters per subtitle line (the usual broadcast limit)
MAX_CUE = 7.0  # seconds a cue may last before it is split


def clock(seconds: float, sep: str = ".", hours: bool = True) -> str:
    """``HH:MM:SS.mmm`` (``sep`` is "," for SRT). Times are clamped at zero."""
    ms = max(0, int(round(seconds * 1000)))
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def hms(seconds: float) -> str:
    """``HH:MM:SS`` for people (citations, result lists); 100 hours and more keep every
    digit of the hours (``432:51:07``)."""
    return clock(seconds).rpartition(".")[0]


def _get(obj: Any, name: str, default=None):
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _word_text(word: Any) -> str:
    return _get(word, "word") or _get(word, "text") or ""


def continues_word(text: str) -> bool:
    """Whisper writes a word with its leading space; a piece without one (",000" after
    " $18") continues the word before it and is shown without a gap."""
    return bool(text) and not text[0].isspace()


def join_words(texts: Iterable[str]) -> str:
    """Word texts as one line, as they were spoken: "$18,000", never "$18 ,000"."""
    out = ""
    for t in texts:
        out += t if continues_word(t) or not out else " " + t.lstrip()
    return " ".join(out.split())


def _fits(text: str, max_line: int) -> bool:
    return len(textwrap.wrap(text, max_line)) <= 2


def _split_text(text: str, max_line: int) -> list[str]:
    """Greedy split of a text into pieces that each wrap to at most two lines."""
    pieces: list[str] = []
    current: list[str] = []
    for word in text.split():
        if current and not _fits(" ".join(current + [word]), max_line):
            pieces.append(" ".join(current))
            current = []
        current.append(word)
    if current:
        pieces.append(" ".join(current))
    return pieces


def cues(segments: Iterable[Any], max_line: int = MAX_LINE, max_cue: float = MAX_CUE) -> list[dict]:
    """Split segments into subtitle cues of at most two lines and ``max_cue`` seconds.

    Word timestamps decide where a long segment is cut (preferring a cut after a
    punctuation mark); without words the text is split and the time shared out by length.
    """
    out: list[dict] = []
    for seg in segments:
        text = " ".join(_get(seg, "text", "").split())
        if not text:
            continue
        start, end, speaker = float(_get(seg, "start")), float(_get(seg, "end")), _get(seg, "speaker")
        words = [w for w in (_get(seg, "words") or []) if _word_text(w).strip()]
        if (_fits(text, max_line) and end - start <= max_cue) or not words:
            pieces = _split_text(text, max_line) or [text]
            span = (end - start) / max(1, sum(len(p) for p in pieces))
            t = start
            for n, piece in enumerate(pieces):
                t_end = end if n == len(pieces) - 1 else t + span * len(piece)
                out.append({"start": t, "end": t_end, "text": piece, "speaker": speaker})
                t = t_end
            continue
        group: list[Any] = []
        for w in words:
            candidate = join_words(_word_text(x) for x in group + [w])
            too_long = not _fits(candidate, max_line) or (group and float(_get(w, "end")) - float(_get(group[0], "start")) > max_cue)
            if group and too_long:
                # cut after the last punctuation in the second half of the group, if any
                cut = next(
                    (i + 1 for i in range(len(group) - 1, len(group) // 2 - 1, -1) if _word_text(group[i]).rstrip()[-1:] in ".,;:?!"),
                    len(group),
                )
                out.append(_cue_from_words(group[:cut], speaker))
                group = group[cut:]
            group.append(w)
        if group:
            out.append(_cue_from_words(group, speaker))
    # cues must not overlap and must ascend
    for prev, cur in zip(out, out[1:]):
        if cur["start"] < prev["end"]:
            prev["end"] = max(prev["start"], cur["start"])
    return out


def _cue_from_words(words: Sequence[Any], speaker) -> dict:
    return {
        "start": float(_get(words[0], "start")),
        "end": float(_get(words[-1], "end")),
        "text": join_words(_word_text(w) for w in words),
        "speaker": speaker,
    }


def _lines(text: str, max_line: int) -> str:
    return "\n".join(textwrap.wrap(text, max_line) or [text])


def to_srt(segments: Iterable[Any]) -> str:
    blocks = []
    for i, cue in enumerate(cues(segments), 1):
        text = _lines(cue["text"], MAX_LINE)
        if cue["speaker"]:
            text = f"{cue['speaker']}: {text}" if len(text) + len(cue["speaker"]) < 2 * MAX_LINE else text
        blocks.append(f"{i}\n{clock(cue['start'], ',')} --> {clock(cue['end'], ',')}\n{text}\n")
    return "\n".join(blocks)


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(segments: Iterable[Any]) -> str:
    blocks = ["WEBVTT\n"]
    for cue in cues(segments):
        text = _vtt_escape(_lines(cue["text"], MAX_LINE))
        if cue["speaker"]:
            text = f"<v {_vtt_escape(cue['speaker'])}>{text}</v>"
        blocks.append(f"{clock(cue['start'])} --> {clock(cue['end'])}\n{text}\n")
    return "\n".join(blocks)


def to_txt(segments: Iterable[Any]) -> str:
    lines = []
    for seg in segments:
        speaker = _get(seg, "speaker")
        prefix = f"[{hms(float(_get(seg, 'start')))}] " + (f"{speaker}: " if speaker else "")
        lines.append(prefix + " ".join(_get(seg, "text", "").split()))
    return "\n".join(lines) + ("\n" if lines else "")


def to_json(segments: Iterable[Segment], info: TranscriptionInfo) -> str:
    data = {
        "language": info.language,
        "duration": info.duration,
        "engine": info.engine,
        "model": info.model,
        "segments": [
            {
                "start": s.start,
                "end": s.end,
                "text": s.text,
                **({"flag": s.flag} if s.flag else {}),
                **({"doubtful": True} if s.doubtful else {}),
                "words": [
                    {"start": w.start, "end": w.end, "word": w.word, "probability": w.probability}
                    for w in s.words
                ],
            }
            for s in segments
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
