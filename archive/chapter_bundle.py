"""A recording's agenda, chapters and votes in a bundle (``recording.json`` since version 3).

:func:`record` writes them, :func:`checked` reads them back under the same kind of rules
as the rest of ``recording.json`` (one :class:`archive.schema.SchemaError` line naming the
field), and :func:`restore` commits them with the recording, hand-set starts marked as
such, so a bundled correction stays one.
"""

from __future__ import annotations

import json
import math
from typing import Any, Optional

from archive import chapter_rows
from archive.agenda import Agenda, AgendaItem
from archive.catalog import now
from archive.schema import MAX_TITLE, SchemaError, printable

MAX_TEXT = 20_000
RESULTS = (None, "carried", "failed")


def record(db, recording_id: int) -> dict:
    """``{"agenda", "chapters", "votes"}`` of a recording, for its bundle."""
    agenda = chapter_rows.agenda(db, recording_id)
    return {
        "agenda": None if agenda is None else {"source": agenda.source, "format": agenda.format,
                                               "items": [{"number": i.number, "title": i.title, "text": i.text}
                                                         for i in agenda.items]},
        "chapters": [{k: r[k] for k in ("item", "title", "start", "end", "aligned_start", "confidence")}
                     | {"automatic": bool(r["automatic"]), "corrected": bool(r["corrected"])}
                     for r in chapter_rows.chapter_rows(db, recording_id)],
        "votes": [{k: r[k] for k in ("item", "result", "yes", "no", "start", "end", "text")}
                  | {"roll": json.loads(r["roll"] or "[]")}
                  for r in db.query("SELECT * FROM votes WHERE recording_id = ? ORDER BY start, id", [recording_id])],
    }


def _text(value: Any, field: str, *, optional: bool = False, limit: int = MAX_TITLE) -> Optional[str]:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise SchemaError(field, "must be text", value)
    value = printable(value)
    if len(value) > limit:
        raise SchemaError(field, f"cannot be longer than {limit} characters", shown=False)
    return value


def _time(value: Any, field: str) -> Optional[float]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise SchemaError(field, "must be a number of seconds (at least 0)", value)
    return float(value)


def _count(value: Any, field: str) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10_000:
        raise SchemaError(field, "must be a whole number of at least 0", value)
    return value


def _list(value: Any, field: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise SchemaError(field, "must be a list", value)
    return value


def _object(value: Any, field: str) -> dict:
    if not isinstance(value, dict):
        raise SchemaError(field, "must be an object", value)
    return value


def checked(raw: dict) -> dict:
    """The agenda, chapters and votes of a bundle's ``recording.json``, checked (absent in
    bundles before version 3: none)."""
    agenda = None
    if raw.get("agenda") is not None:
        a = _object(raw["agenda"], "agenda")
        items = [_object(i, f"agenda.items[{k}]") for k, i in enumerate(_list(a.get("items"), "agenda.items"))]
        agenda = Agenda(items=[AgendaItem(number=_text(i.get("number"), f"agenda.items[{k}].number", limit=20) or "",
                                          title=_text(i.get("title"), f"agenda.items[{k}].title"),
                                          text=_text(i.get("text"), f"agenda.items[{k}].text", optional=True,
                                                     limit=MAX_TEXT) or "", order=k)
                               for k, i in enumerate(items)],
                        source=_text(a.get("source"), "agenda.source", optional=True) or "",
                        format=_text(a.get("format"), "agenda.format", optional=True, limit=10) or "")
    chapters = []
    for k, value in enumerate(_list(raw.get("chapters"), "chapters")):
        c, field = _object(value, f"chapters[{k}]"), f"chapters[{k}]"
        confidence = _time(c.get("confidence"), f"{field}.confidence") or 0.0
        chapters.append({"item": _text(c.get("item"), f"{field}.item", limit=20),
                         "title": _text(c.get("title"), f"{field}.title"),
                         **{t: _time(c.get(t), f"{field}.{t}") for t in ("start", "end", "aligned_start")},
                         "confidence": min(confidence, 1.0),
                         "automatic": bool(c.get("automatic")), "corrected": bool(c.get("corrected"))})
    votes = []
    for k, value in enumerate(_list(raw.get("votes"), "votes")):
        v, field = _object(value, f"votes[{k}]"), f"votes[{k}]"
        if v.get("result") not in RESULTS:
            raise SchemaError(f"{field}.result", "must be carried, failed or null", v.get("result"))
        roll = [_object(r, f"{field}.roll[{n}]") for n, r in enumerate(_list(v.get("roll"), f"{field}.roll"))]
        votes.append({"item": _text(v.get("item"), f"{field}.item", optional=True, limit=20), "result": v.get("result"),
                      "yes": _count(v.get("yes"), f"{field}.yes"), "no": _count(v.get("no"), f"{field}.no"),
                      "start": _time(v.get("start"), f"{field}.start") or 0.0, "end": _time(v.get("end"), f"{field}.end"),
                      "text": _text(v.get("text"), f"{field}.text", optional=True, limit=MAX_TEXT) or "",
                      "roll": [{"name": _text(r.get("name"), f"{field}.roll[{n}].name", optional=True),
                                "vote": "yes" if r.get("vote") == "yes" else "no"} for n, r in enumerate(roll)]})
    return {"agenda": agenda, "chapters": chapters, "votes": votes}


def restore(db, recording_id: int, record: dict) -> None:
    """Commit a bundle's agenda, chapters and votes (inside the caller's transaction)."""
    if record.get("agenda") is not None:
        chapter_rows.save_agenda(db, recording_id, record["agenda"], now())
    db["chapters"].insert_all({"recording_id": recording_id, "idx": k, **c, "automatic": int(c["automatic"]),
                               "corrected": int(c["corrected"])} for k, c in enumerate(record.get("chapters", [])))
    db["votes"].insert_all({"recording_id": recording_id, **v, "roll": json.dumps(v["roll"])}
                           for v in record.get("votes", []))
