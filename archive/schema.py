"""What a recording's metadata and transcript may hold: the one set of rules.

The command line (``import --title/--body/--date/--kind``, ``edit``), the app's edit
dialog (through :func:`archive.editing.edit_recording`) and bundles all check what they
are given here, so a value refused by one is refused by all. Each rule raises
:class:`SchemaError` with one line naming the field, what it must be and what it was.

- :func:`metadata` checks title, body, date and kind (whichever are given);
- :func:`bundle_record` checks a bundle's whole ``recording.json`` (metadata, transcript,
  segments and words, voices and speaker turns) and returns it normalised.

Text that people type (titles, bodies) may not hold control characters (escape
sequences would reach a terminal); text that came from recognition or captions
(segments, words, speakers) has them removed, so no word is lost over one.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from typing import Any, Callable, Optional

import numpy as np

from archive.catalog import KINDS
from archive.dates import ISO, date_problem, valid_date

MAX_TITLE = 1000  # characters
MAX_NAME = 200  # a speaker, an engine, a flag
MAX_PROMPT = 20_000
MAX_EMBEDDING = 8192  # floats in one voiceprint
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")  # C0, DEL, C1, bidi overrides
# a whole terminal escape sequence (CSI, OSC, or a two-byte one), so none leaves its tail behind
_ESCAPE = re.compile(r"(\x1b\[|\x9b)[0-?]*[ -/]*[@-~]|(\x1b\]|\x9d)[^\x07\x1b\x9c]*(\x07|\x1b\\|\x9c)?|\x1b[@-Z\\-_]")
_LANGUAGE = re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})?")
_SHA256 = re.compile(r"[0-9a-f]{64}")


class SchemaError(ValueError):
    """A value the archive does not accept: ``date must be YYYY-MM-DD, not 'yesterday'``."""

    def __init__(self, field: str, rule: str, value: Any = None, *, shown: bool = True, why: Optional[str] = None):
        self.field = field
        super().__init__(f"{field} {rule}" + (f", not {_show(value)}" if shown else "") + (f": {why}" if why else ""))


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    text = repr(value)  # repr escapes control characters: nothing raw reaches a terminal
    return text if len(text) <= 40 else text[:37] + "..."


def printable(text: str) -> str:
    """``text`` without terminal escape sequences and control characters (bidi overrides too)."""
    return _CONTROL.sub(lambda m: " " if m[0] in "\t\n\r\v\f" else "", _ESCAPE.sub("", text))


# --- metadata: the rules the command line, the app and bundles share -------------------------


def _typed(field: str, value: Any, limit: int) -> str:
    if not isinstance(value, str):
        raise SchemaError(field, "must be text", value)
    if _CONTROL.search(value):
        raise SchemaError(field, "cannot hold control characters", value)
    value = value.strip()
    if len(value) > limit:
        raise SchemaError(field, f"cannot be longer than {limit} characters", shown=False)
    return value


def check_title(value: Any, field: str = "title") -> str:
    value = _typed(field, value, MAX_TITLE)
    if not value:
        raise SchemaError(field, "cannot be empty", shown=False)
    return value


def check_body(value: Any, field: str = "body") -> Optional[str]:
    return None if value is None else _typed(field, value, MAX_TITLE)


def check_date(value: Any, field: str = "date") -> Optional[str]:
    if value is None:
        return None
    if not isinstance(value, str) or not valid_date(value):
        why = date_problem(value) if isinstance(value, str) and ISO.fullmatch(value.strip()) else None
        raise SchemaError(field, "must be YYYY-MM-DD", value, why=why)  # why: "month 13 is invalid (...)"
    return value


def check_kind(value: Any, field: str = "kind") -> str:
    if value not in KINDS:
        raise SchemaError(field, f"must be one of {', '.join(KINDS)}", value)
    return value


METADATA: dict[str, Callable[..., Any]] = {"title": check_title, "body": check_body, "date": check_date, "kind": check_kind}


def metadata(fields: dict, prefix: str = "") -> dict:
    """The given metadata fields (title, body, date, kind), checked; others are left out."""
    return {k: METADATA[k](v, prefix + k) for k, v in fields.items() if k in METADATA}


# --- field rules for what a bundle carries ----------------------------------------------------


def _object(value: Any, field: str) -> dict:
    if not isinstance(value, dict):
        raise SchemaError(field, "must be an object", value)
    return value


def _list(value: Any, field: str, *, optional: bool = False) -> list:
    if value is None and optional:
        return []
    if not isinstance(value, list):
        raise SchemaError(field, "must be a list", value)
    return value


def _number(value: Any, field: str, *, optional: bool = False, low: Optional[float] = None) -> Optional[float]:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise SchemaError(field, "must be a number", value)
    if low is not None and value < low:
        raise SchemaError(field, f"must be at least {low:g}", value)
    return float(value)


def _count(value: Any, field: str, *, optional: bool = False) -> Optional[int]:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise SchemaError(field, "must be a whole number of at least 0", value)
    return value


def _flag(value: Any, field: str) -> int:
    if value in (None, False, 0):
        return 0
    if value is True or value == 1:
        return 1
    raise SchemaError(field, "must be true or false", value)


def _text(value: Any, field: str, *, optional: bool = False, limit: Optional[int] = None) -> Optional[str]:
    """Recognised or captioned text: control characters are removed, not refused."""
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise SchemaError(field, "must be text", value)
    value = printable(value)
    if limit is not None and len(value) > limit:
        raise SchemaError(field, f"cannot be longer than {limit} characters", shown=False)
    return value


def _name(value: Any, field: str) -> Optional[str]:
    """A speaker label or name: printable, trimmed, None when empty."""
    return (_text(value, field, optional=True, limit=MAX_NAME) or "").strip() or None


def _span(item: dict, field: str) -> tuple[float, float]:
    start = _number(item.get("start"), f"{field}.start", low=0)
    end = _number(item.get("end"), f"{field}.end", low=0)
    if end < start:
        raise SchemaError(f"{field}.end", "cannot come before its start", end)
    return start, end


def _pattern(value: Any, field: str, pattern: re.Pattern, rule: str, *, optional: bool = False) -> Optional[str]:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise SchemaError(field, rule, value)
    return value


def embedding(value: Any, field: str = "embedding") -> Optional[np.ndarray]:
    """A voiceprint written as base64 float32 bytes: a finite, non-zero vector."""
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_EMBEDDING * 8:
        raise SchemaError(field, "must be base64 text", value)
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise SchemaError(field, "must be base64 text", value) from None
    if not raw or len(raw) % 4 or len(raw) // 4 > MAX_EMBEDDING:
        raise SchemaError(field, f"must hold 1 to {MAX_EMBEDDING} float32 values", shown=False)
    vector = np.frombuffer(raw, dtype=np.float32).copy()
    if not np.all(np.isfinite(vector)) or not np.any(vector):
        raise SchemaError(field, "must be a finite, non-zero vector", shown=False)
    return vector


def embedding_text(vector) -> Optional[str]:
    """The base64 text :func:`embedding` reads back."""
    return None if vector is None else base64.b64encode(np.asarray(vector, dtype=np.float32).tobytes()).decode("ascii")


# --- a bundle's recording.json --------------------------------------------------------------


def bundle_record(raw: Any) -> dict:
    """A bundle's ``recording.json``, checked and normalised (raises :class:`SchemaError`).

    Returns ``{"recording", "transcript", "segments", "voices", "turns"}`` with the
    metadata checked by the same rules as the command line.
    """
    raw = _object(raw, "recording.json")
    meta = _object(raw.get("recording"), "recording")
    recording = {
        "title": check_title(meta.get("title"), "recording.title"),
        "body": check_body(meta.get("body"), "recording.body"),
        "kind": check_kind(meta.get("kind", "meeting") or "meeting", "recording.kind"),
        "date": check_date(meta.get("date"), "recording.date"),
        "duration": _number(meta.get("duration"), "recording.duration", optional=True, low=0),
        "language": _pattern(meta.get("language"), "recording.language", _LANGUAGE, "must be a language code",
                             optional=True),
        "sha256": _pattern(meta.get("sha256"), "recording.sha256", _SHA256, "must be a SHA-256 in hex"),
    }
    return {
        "recording": recording,
        "transcript": _transcript(raw.get("transcript")),
        "segments": [_segment(s, f"segments[{i}]") for i, s in enumerate(_list(raw.get("segments"), "segments",
                                                                                   optional=True))],
        "voices": _voices(_list(raw.get("voices"), "voices", optional=True)),
        "turns": [_turn(t, f"turns[{i}]") for i, t in enumerate(_list(raw.get("turns"), "turns", optional=True))],
    }


def _transcript(value: Any) -> dict:
    t = {} if value is None else _object(value, "transcript")
    out = {k: _text(t.get(k), f"transcript.{k}", optional=True, limit=MAX_NAME)
           for k in ("engine", "model", "source", "created")}
    out["prompt"] = _text(t.get("prompt"), "transcript.prompt", optional=True, limit=MAX_PROMPT)
    out["diarized"] = _flag(t.get("diarized"), "transcript.diarized")
    return out


def _segment(value: Any, field: str) -> dict:
    seg = _object(value, field)
    start, end = _span(seg, field)
    text = _text(seg.get("text"), f"{field}.text")
    original = _text(seg.get("original_text"), f"{field}.original_text", optional=True)
    return {
        "start": start,
        "end": end,
        "text": text,
        "original_text": original if original is not None else text,
        "speaker": _name(seg.get("speaker"), f"{field}.speaker"),
        "speaker_set": _flag(seg.get("speaker_set"), f"{field}.speaker_set"),
        "source": _count(seg.get("source"), f"{field}.source", optional=True),
        "language": _text(seg.get("language"), f"{field}.language", optional=True, limit=MAX_NAME),
        "avg_logprob": _number(seg.get("avg_logprob"), f"{field}.avg_logprob", optional=True),
        "no_speech_prob": _number(seg.get("no_speech_prob"), f"{field}.no_speech_prob", optional=True),
        "flag": _text(seg.get("flag"), f"{field}.flag", optional=True, limit=MAX_NAME),
        "words": [_word(w, f"{field}.words[{i}]") for i, w in enumerate(_list(seg.get("words"), f"{field}.words",
                                                                              optional=True))],
    }


def _word(value: Any, field: str) -> dict:
    w = _object(value, field)
    start, end = _span(w, field)
    probability = _number(w.get("probability"), f"{field}.probability", optional=True)
    return {"start": start, "end": end, "text": _text(w.get("text"), f"{field}.text", limit=MAX_NAME),
            "probability": 1.0 if probability is None else probability}


def _voices(items: list) -> list[dict]:
    out, seen = [], set()
    for i, value in enumerate(items):
        field = f"voices[{i}]"
        v = _object(value, field)
        label = _name(v.get("label"), f"{field}.label")
        if label is None:
            raise SchemaError(f"{field}.label", "cannot be empty", shown=False)
        if label in seen:
            raise SchemaError(f"{field}.label", "is given twice", label)
        seen.add(label)
        out.append({
            "label": label,
            "name": _name(v.get("name"), f"{field}.name"),
            "suggested": _flag(v.get("suggested"), f"{field}.suggested"),
            "score": _number(v.get("score"), f"{field}.score", optional=True),
            "talk_time": _number(v.get("talk_time"), f"{field}.talk_time", optional=True, low=0) or 0.0,
            "turns": _count(v.get("turns"), f"{field}.turns", optional=True) or 0,
            "embedding": embedding(v.get("embedding"), f"{field}.embedding"),
        })
    return out


def _turn(value: Any, field: str) -> dict:
    t = _object(value, field)
    start, end = _span(t, field)
    label = _name(t.get("label"), f"{field}.label")
    if label is None:
        raise SchemaError(f"{field}.label", "cannot be empty", shown=False)
    return {"start": start, "end": end, "label": label}
