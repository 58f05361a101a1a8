"""The catalog rows of fixity audits (tables of m012_fixity_events): rounds and events.

Plain reads and writes, no rules: :mod:`archive.fixity` decides what is written. No
foreign key to ``recordings``: the events are the audit trail and outlive a removed
recording; ``expected`` (the SHA-256 at import) ties an event to the recording's media.
"""

from __future__ import annotations

from typing import Optional


def create(db) -> None:
    """A round per audit (open while it runs, so a killed one is continued); an event per file."""
    db["fixity_rounds"].create({"id": int, "started": str, "finished": str, "scope": str}, pk="id")
    db["fixity_events"].create(
        {"id": int, "round_id": int, "recording_id": int, "at": str, "result": str, "expected": str, "found": str,
         "path": str, "detail": str},
        pk="id",
    )
    db["fixity_events"].create_index(["round_id", "recording_id"])
    db["fixity_events"].create_index(["recording_id", "result"])


def _audited(db) -> bool:
    """False for a catalog opened read-only from before fixity (no m012: nothing audited)."""
    return "fixity_events" in db.table_names()


def _events(db, where: str, args: list) -> list[dict]:
    cursor = db.execute(f"SELECT e.* FROM fixity_events e {where}", args)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def last_verified(db) -> dict[int, str]:
    """Recording id -> when its media last hashed to the SHA-256 stored at import (ISO, UTC)."""
    if not _audited(db):
        return {}
    return dict(db.execute(
        "SELECT r.id, max(e.at) FROM recordings r JOIN fixity_events e"
        " ON e.recording_id = r.id AND e.expected = r.sha256 AND e.result = 'ok' GROUP BY r.id").fetchall())


def latest_events(db) -> dict[int, dict]:
    """Recording id -> its most recent fixity event (for the current SHA-256)."""
    if not _audited(db):
        return {}
    rows = _events(db, "JOIN recordings r ON r.id = e.recording_id AND r.sha256 = e.expected"
                       " WHERE e.id = (SELECT max(id) FROM fixity_events WHERE recording_id = e.recording_id)", [])
    return {e["recording_id"]: e for e in rows}


def round_events(db, round_id: int) -> list[dict]:
    return _events(db, "WHERE round_id = ? ORDER BY recording_id", [round_id])


def open_rounds(db) -> list[tuple[int, Optional[str]]]:
    return db.execute("SELECT id, scope FROM fixity_rounds WHERE finished IS NULL ORDER BY id").fetchall()


def finish_round(db, round_id: int, stamp: str) -> None:
    db.execute("UPDATE fixity_rounds SET finished = ? WHERE id = ?", [stamp, round_id])


def verified_in(db, round_id: int) -> set[int]:
    return {row[0] for row in db.execute("SELECT recording_id FROM fixity_events WHERE round_id = ?", [round_id])}
