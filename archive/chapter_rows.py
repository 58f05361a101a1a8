"""The catalog rows of a meeting's agenda, chapters and votes (tables of m010_chapters).

Plain reads and writes, no rules: :mod:`archive.chaptering` decides what is written.
"""

from __future__ import annotations

import json
from typing import Optional

from archive.agenda import Agenda, AgendaItem
from archive.chapters import Chapter
from archive.votes import Vote


def clear(db, recording_id: int) -> None:
    """Take a recording's agenda, chapters and votes out (with the recording)."""
    for table in ("agenda_items", "agendas", "chapters", "votes"):
        db.execute(f"DELETE FROM {table} WHERE recording_id = ?", [recording_id])


def save_agenda(db, recording_id: int, agenda: Agenda, created: str) -> None:
    db.execute("DELETE FROM agenda_items WHERE recording_id = ?", [recording_id])
    db["agendas"].upsert({"recording_id": recording_id, "source": agenda.source, "format": agenda.format,
                          "created": created}, pk="recording_id")
    db["agenda_items"].insert_all({"recording_id": recording_id, "idx": i, "number": item.number, "title": item.title,
                                   "text": item.text} for i, item in enumerate(agenda.items))


def agenda(db, recording_id: int) -> Optional[Agenda]:
    row = next(db.query("SELECT * FROM agendas WHERE recording_id = ?", [recording_id]), None)
    if row is None:
        return None
    items = [AgendaItem(number=r["number"] or "", title=r["title"], text=r["text"] or "", order=r["idx"])
             for r in db.query("SELECT * FROM agenda_items WHERE recording_id = ? ORDER BY idx", [recording_id])]
    return Agenda(items=items, source=row["source"] or "", format=row["format"] or "")


def chapter_rows(db, recording_id: int) -> list[dict]:
    """Every chapter row (found or not), in the order they were made."""
    return list(db.query("SELECT * FROM chapters WHERE recording_id = ? ORDER BY idx", [recording_id]))


def save_chapters(db, recording_id: int, chapters: list[Chapter]) -> None:
    """Replace the recording's chapters."""
    db.execute("DELETE FROM chapters WHERE recording_id = ?", [recording_id])
    db["chapters"].insert_all(
        {"recording_id": recording_id, "idx": i, "item": c.item, "title": c.title, "start": c.start, "end": c.end,
         "aligned_start": c.aligned, "confidence": c.confidence, "automatic": int(c.automatic),
         "corrected": int(c.corrected)}
        for i, c in enumerate(chapters))


def as_chapters(rows: list[dict]) -> list[Chapter]:
    return [Chapter(item=r["item"], title=r["title"], start=r["start"], end=r["end"],
                    confidence=1.0 if r["corrected"] else r["confidence"] or 0.0, automatic=bool(r["automatic"]),
                    order=r["idx"], aligned=r["aligned_start"], corrected=bool(r["corrected"]), row_id=r["id"])
            for r in rows]


def set_start(db, chapter_id: int, start: float) -> None:
    db["chapters"].update(chapter_id, {"start": start, "corrected": 1})


def set_ends(db, ends: dict[int, Optional[float]]) -> None:
    for chapter_id, end in ends.items():
        db.execute("UPDATE chapters SET \"end\" = ? WHERE id = ?", [end, chapter_id])


def save_votes(db, recording_id: int, votes: list[Vote]) -> None:
    db.execute("DELETE FROM votes WHERE recording_id = ?", [recording_id])
    db["votes"].insert_all({"recording_id": recording_id, "item": v.item, "result": v.result, "yes": v.yes, "no": v.no,
                            "start": v.start, "end": v.end, "text": v.text, "roll": json.dumps(v.roll)} for v in votes)


def votes(db, recording_id: int) -> list[Vote]:
    return [Vote(start=r["start"], end=r["end"], result=r["result"], yes=r["yes"], no=r["no"], text=r["text"] or "",
                 roll=json.loads(r["roll"] or "[]"), item=r["item"])
            for r in db.query("SELECT * FROM votes WHERE recording_id = ? ORDER BY start, id", [recording_id])]
