"""Transcript versions: who spoke in each one.

A recording's ``voices`` and ``speaker_turns`` belong to its current transcript. When
another version becomes current (a re-transcription finishing, or ``use-version``), the
outgoing version keeps a copy of them in ``version_voices`` and ``version_turns``
(catalog m006), so an earlier version still shows the names people gave, and gets them
back when it is made current again. Plain SQL on the catalog's connection; the callers
hold the write lock and their own transaction.
"""

from __future__ import annotations

from sqlite_utils import Database

from archive.voices import VoiceName

VOICE_COLUMNS = ("label", "name", "suggested", "score", "roster_id", "talk_time", "turns", "embedding", "created", "updated")
_COLUMNS = ", ".join(VOICE_COLUMNS)


_KEY = {"voices": "recording_id", "version_voices": "transcript_id"}  # whose rows: the recording's, a version's
_TURNS = {"voices": "speaker_turns", "version_voices": "version_turns"}


def keep_voices(db: Database, recording_id: int, transcript_id: int) -> None:
    """Copy the recording's voices and turns to the version that stops being current."""
    drop_kept_voices(db, transcript_id)
    _copy(db, "voices", recording_id, "version_voices", transcript_id)


def restore_voices(db: Database, recording_id: int, transcript_id: int) -> None:
    """Give the recording the voices and turns a version kept (it becomes current)."""
    clear_voices(db, recording_id)
    _copy(db, "version_voices", transcript_id, "voices", recording_id)
    drop_kept_voices(db, transcript_id)


def _copy(db: Database, source: str, source_id: int, target: str, target_id: int) -> None:
    """Voices, then turns, from one pair of tables to the other (table names from _KEY, never input)."""
    db.execute(f"INSERT INTO {target} ({_KEY[target]}, {_COLUMNS}) SELECT ?, {_COLUMNS} FROM {source} "
               f"WHERE {_KEY[source]} = ? ORDER BY id", [target_id, source_id])
    db.execute(f'INSERT INTO {_TURNS[target]} ({_KEY[target]}, start, "end", label) SELECT ?, start, "end", label '
               f"FROM {_TURNS[source]} WHERE {_KEY[source]} = ? ORDER BY id", [target_id, source_id])


def kept_voices(db: Database, transcript_id: int) -> list[dict]:
    """The voices an earlier version kept (none for the current one: see ``voices``)."""
    return list(db["version_voices"].rows_where("transcript_id = ?", [transcript_id], order_by="id"))


def kept_names(db: Database, transcript_id: int) -> dict[str, VoiceName]:
    """Label -> the name shown for it in an earlier version (like :func:`archive.voices.names`)."""
    if "version_voices" not in db.table_names():  # a catalog older than m006, opened read-only
        return {}
    return {v["label"]: VoiceName(v["name"], bool(v["suggested"])) for v in kept_voices(db, transcript_id) if v["name"]}


def clear_voices(db: Database, recording_id: int) -> None:
    db.execute("DELETE FROM voices WHERE recording_id = ?", [recording_id])
    db.execute("DELETE FROM speaker_turns WHERE recording_id = ?", [recording_id])


def drop_kept_voices(db: Database, transcript_id: int) -> None:
    db.execute("DELETE FROM version_voices WHERE transcript_id = ?", [transcript_id])
    db.execute("DELETE FROM version_turns WHERE transcript_id = ?", [transcript_id])
