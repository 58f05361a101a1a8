"""The voices of each recording and the archive's roster of named voices: their rows.

A diarized segment's ``speaker`` is a voice label ("Speaker 2"); the voice row of that
label says who it is (``name``; ``suggested`` while a roster match is unconfirmed).
:func:`names` is the one place that turns labels into the names people read, so
transcripts, exports, citations, the index and the app all say the same.

Voiceprints are stored as float32 bytes (:func:`to_blob` / :func:`from_blob`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
from sqlite_utils import Database


def to_blob(vector) -> bytes:
    return np.asarray(vector, dtype=np.float32).ravel().tobytes()


def from_blob(blob: Optional[bytes]) -> Optional[np.ndarray]:
    return None if blob is None else np.frombuffer(blob, dtype=np.float32).copy()


@dataclass(frozen=True)
class VoiceName:
    name: str  # what people read: the voice's name, else its label
    suggested: bool  # the name is a roster match that no person confirmed


def voices(db: Database, recording_id: int) -> list[dict]:
    """The recording's voice rows in label order ("Speaker 2" before "Speaker 10")."""
    rows = list(db["voices"].rows_where("recording_id = ?", [recording_id]))
    return sorted(rows, key=lambda r: _label_key(r["label"]))


def names(db: Database, recording_id: int) -> dict[str, VoiceName]:
    """Label -> the name shown for it, for every voice of the recording that has a name."""
    return {
        r["label"]: VoiceName(r["name"], bool(r["suggested"]))
        for r in db["voices"].rows_where("recording_id = ? AND name IS NOT NULL AND name != ''", [recording_id])
    }


def roster(db: Database, *, offered: Optional[bool] = None) -> list[dict]:
    """Roster rows by name; ``offered=False``: only those used to name voices."""
    where, args = (None, None) if offered is None else ("offered = ?", [1 if offered else 0])
    return list(db["roster"].rows_where(where, args, order_by="name COLLATE NOCASE"))


def _label_key(label: str) -> tuple:
    head, _, tail = label.rpartition(" ")
    return (head, int(tail)) if tail.isdigit() else (label, 0)
