"""The catalog: SQLite through sqlite-utils, its schema in :mod:`archive.migrations`.

Times are seconds (REAL) everywhere. Every statement is parameterised: user text
never becomes SQL. The catalog is the source of truth; the search index can always
be rebuilt from it.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from dataclasses import dataclass
from typing import Any, Iterable, Optional

from sqlite_utils import Database

from archive import chapter_rows, versions
from archive.migrations import migrations  # noqa: F401  (the schema; also what tests apply)
from archive.status import JobState, Status

KINDS = ("meeting", "radio", "other")

NO_SPEECH = "no speech found (silence or music); nothing to index"


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def open_db(path: str | os.PathLike | None = None, *, memory: bool = False) -> Database:
    """Open (and migrate) a catalog. WAL mode for files, so readers never block the writer."""
    if memory or path is None:
        db = Database(memory=True)
    else:
        conn = sqlite3.connect(os.fspath(path), timeout=30, isolation_level=None, check_same_thread=False)
        db = Database(conn)
        db.enable_wal()
        db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    migrations.apply(db)
    return db


@dataclass
class Recording:
    id: int
    title: str
    body: Optional[str]
    kind: Optional[str]
    date: Optional[str]
    source_path: Optional[str]
    media_path: Optional[str]
    linked: int
    sha256: str
    duration: Optional[float]
    language: Optional[str]
    status: Status
    progress: float
    error: Optional[str]
    created: str
    updated: str
    note: Optional[str] = None
    fixity: Optional[str] = None  # not a column: archive.views.recordings says when the media was last verified

    @classmethod
    def from_row(cls, row: dict) -> "Recording":
        rec = cls(**{k: row.get(k) for k in cls.__dataclass_fields__})
        rec.status = Status(rec.status)
        return rec

    def summary(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "body": self.body,
            "date": self.date,
            "kind": self.kind,
            "duration": self.duration,
            "status": self.status,
        }


class Catalog:
    """Reads and writes of the catalog tables. Small, explicit methods; no ORM."""

    def __init__(self, db: Database):
        self.db = db

    # --- recordings ----------------------------------------------------------------
    def add_recording(self, **fields: Any) -> int:
        stamp = now()
        fields.setdefault("status", Status.QUEUED)
        row = {**fields, "created": stamp, "updated": stamp}
        return self.db["recordings"].insert(row).last_pk

    def recording(self, recording_id: int) -> Optional[Recording]:
        rows = list(self.db["recordings"].rows_where("id = ?", [recording_id]))
        return Recording.from_row(rows[0]) if rows else None

    def recording_by_sha(self, sha256: str) -> Optional[Recording]:
        rows = list(self.db["recordings"].rows_where("sha256 = ?", [sha256]))
        return Recording.from_row(rows[0]) if rows else None

    def recordings(self, status: Optional[Status] = None) -> list[Recording]:
        where, args = ("status = ?", [status]) if status else (None, None)
        return [
            Recording.from_row(r)
            for r in self.db["recordings"].rows_where(where, args, order_by="date desc, id desc")
        ]

    def update_recording(self, recording_id: int, **fields: Any) -> None:
        self.db["recordings"].update(recording_id, {**fields, "updated": now()})

    def delete_recording(self, recording_id: int) -> None:
        with self.db.atomic():
            for t in self.transcripts(recording_id):
                self._delete_transcript_rows(t["id"])
            self.db.execute("DELETE FROM jobs WHERE recording_id = ?", [recording_id])
            chapter_rows.clear(self.db, recording_id)
            versions.clear_voices(self.db, recording_id)
            self.db.execute("DELETE FROM recordings WHERE id = ?", [recording_id])

    def mark_index_pending(self, recording_ids: Iterable[int], pending: bool = True) -> None:
        """Mark (or unmark) recordings whose index documents may be out of date. A row
        that already says so is not written (clearing no mark writes nothing: a full disk)."""
        for rid in recording_ids:
            self.db.execute("UPDATE recordings SET index_pending = ? WHERE id = ? AND index_pending != ?",
                            [int(pending), rid, int(pending)])

    def index_pending(self) -> list[int]:
        """Recordings an interrupted edit left marked (see m005_index_pending); none in a
        catalog an older version made and that is opened read-only (not migrated)."""
        if "index_pending" not in self.db["recordings"].columns_dict:
            return []
        return [r[0] for r in self.db.execute("SELECT id FROM recordings WHERE index_pending = 1 ORDER BY id").fetchall()]

    def bodies(self) -> list[str]:
        return [
            r[0]
            for r in self.db.execute(
                "SELECT DISTINCT body FROM recordings WHERE body IS NOT NULL AND body != '' ORDER BY body"
            ).fetchall()
        ]

    def speakers(self) -> list[str]:
        """The speakers people can filter by: the names they read in transcripts (a voice's
        name, else its label, or a name a person or captions gave) and the roster's names."""
        return [
            r[0]
            for r in self.db.execute(
                "SELECT DISTINCT COALESCE(v.name, s.speaker) AS who FROM segments s "
                "JOIN transcripts t ON t.id = s.transcript_id "
                "LEFT JOIN voices v ON v.recording_id = t.recording_id AND v.label = s.speaker "
                "AND v.name IS NOT NULL AND v.name != '' "
                "WHERE t.current = 1 AND s.speaker IS NOT NULL AND s.speaker != '' "
                "UNION SELECT name FROM roster WHERE offered = 0 ORDER BY who COLLATE NOCASE"
            ).fetchall()
        ]

    # --- transcripts ---------------------------------------------------------------
    def transcripts(self, recording_id: int) -> list[dict]:
        return list(self.db["transcripts"].rows_where("recording_id = ?", [recording_id], order_by="id"))

    def current_transcript(self, recording_id: int) -> Optional[dict]:
        rows = list(
            self.db["transcripts"].rows_where(
                "recording_id = ? AND current = 1", [recording_id], order_by="id desc", limit=1
            )
        )
        return rows[0] if rows else None

    def incomplete_transcript(self, recording_id: int) -> Optional[dict]:
        rows = list(
            self.db["transcripts"].rows_where(
                "recording_id = ? AND complete = 0", [recording_id], order_by="id desc", limit=1
            )
        )
        return rows[0] if rows else None

    def start_transcript(self, recording_id: int, engine: str, model: str, prompt: Optional[str], source: str) -> int:
        return (
            self.db["transcripts"]
            .insert(
                {
                    "recording_id": recording_id,
                    "engine": engine,
                    "model": model,
                    "prompt": prompt,
                    "source": source,
                    "created": now(),
                    "complete": 0,
                    "current": 0,
                }
            )
            .last_pk
        )

    def set_transcript_model(self, transcript_id: int, engine: str, model: str) -> None:
        """The engine and model that made a transcript, when they were known only once it was
        heard (an English-only model passed over for a multilingual one: transcription.languages)."""
        self.db["transcripts"].update(transcript_id, {"engine": engine, "model": model})

    def finish_transcript(self, transcript_id: int) -> None:
        """Mark complete and make it the current one; older transcripts are kept, the one it
        replaces with a copy of its voices and turns (m006). The recording's voices stay until
        the new version is diarized, which carries their names over (:mod:`archive.diarizing`)."""
        row = self.db["transcripts"].get(transcript_id)
        before = self.current_transcript(row["recording_id"])
        with self.db.atomic():
            if before is not None and before["id"] != transcript_id:
                versions.keep_voices(self.db, row["recording_id"], before["id"])
                self.mark_index_pending([row["recording_id"]])  # the index holds the version it replaces
            self.db.execute("UPDATE transcripts SET current = 0 WHERE recording_id = ?", [row["recording_id"]])
            self.db.execute("UPDATE transcripts SET complete = 1, current = 1 WHERE id = ?", [transcript_id])

    def discard_transcript(self, transcript_id: int) -> None:
        with self.db.atomic():
            self._delete_transcript_rows(transcript_id)

    def _delete_transcript_rows(self, transcript_id: int) -> None:
        self.db.execute(
            "DELETE FROM words WHERE segment_id IN (SELECT id FROM segments WHERE transcript_id = ?)", [transcript_id]
        )
        self.db.execute("DELETE FROM segments WHERE transcript_id = ?", [transcript_id])
        versions.drop_kept_voices(self.db, transcript_id)
        self.db.execute("DELETE FROM transcripts WHERE id = ?", [transcript_id])

    # --- segments and words --------------------------------------------------------
    def add_segment(self, transcript_id: int, idx: int, seg: Any, speaker: Optional[str] = None) -> int:
        """Store one segment and its words in one transaction (the unit that survives a crash)."""
        with self.db.atomic():
            segment_id = (
                self.db["segments"]
                .insert(
                    {
                        "transcript_id": transcript_id,
                        "idx": idx,
                        "start": seg.start,
                        "end": seg.end,
                        "text": seg.text,
                        "original_text": seg.text,
                        "speaker": speaker if speaker is not None else getattr(seg, "speaker", None),
                        "avg_logprob": getattr(seg, "avg_logprob", None),
                        "no_speech_prob": getattr(seg, "no_speech_prob", None),
                        "flag": getattr(seg, "flag", None),
                        "language": getattr(seg, "language", None),
                    }
                )
                .last_pk
            )
            self.db["words"].insert_all(
                (
                    {
                        "segment_id": segment_id,
                        "idx": i,
                        "start": w.start,
                        "end": w.end,
                        "text": w.word,
                        "probability": w.probability,
                    }
                    for i, w in enumerate(getattr(seg, "words", None) or [])
                ),
                batch_size=500,
            )
        return segment_id

    def segments(self, transcript_id: int) -> list[dict]:
        return list(self.db["segments"].rows_where("transcript_id = ?", [transcript_id], order_by="idx"))

    def spoken_languages(self, recording_ids: Optional[Iterable[int]] = None) -> dict[int, list[str]]:
        """Each recording's languages in its current transcript, the longest spoken first."""
        ids = None if recording_ids is None else list(recording_ids)
        where = "t.current = 1" + ("" if ids is None else f" AND t.recording_id IN ({', '.join('?' * len(ids))})")
        return self._languages(where, ids or [])

    def transcript_languages(self, transcript_id: int) -> list[str]:
        """The languages of one transcript's segments, the longest spoken first."""
        return next(iter(self._languages("t.id = ?", [transcript_id]).values()), [])

    def _languages(self, where: str, params: list) -> dict[int, list[str]]:
        """Languages by speech time (flagged text left out); a segment without one (made
        before m007) is in its recording's language."""
        rows = self.db.execute(
            "SELECT t.recording_id, COALESCE(s.language, r.language) AS lang, SUM(s.end - s.start) AS spoken "
            "FROM segments s JOIN transcripts t ON t.id = s.transcript_id JOIN recordings r ON r.id = t.recording_id "
            f"WHERE {where} AND s.flag IS NULL GROUP BY t.recording_id, lang HAVING lang IS NOT NULL "
            "ORDER BY t.recording_id, spoken DESC", params).fetchall()
        out: dict[int, list[str]] = {}
        for rid, lang, _ in rows:
            out.setdefault(rid, []).append(lang)
        return out

    def segment(self, segment_id: int) -> Optional[dict]:
        rows = list(self.db["segments"].rows_where("id = ?", [segment_id]))
        return rows[0] if rows else None

    def recording_of(self, segment: dict) -> int:
        """The id of the recording a segment row belongs to."""
        return self.db["transcripts"].get(segment["transcript_id"])["recording_id"]

    def words_by_segment(self, transcript_id: int) -> dict[int, list[dict]]:
        out: dict[int, list[dict]] = {}
        for row in self.db.query(
            "SELECT w.* FROM words w JOIN segments s ON s.id = w.segment_id "
            "WHERE s.transcript_id = ? ORDER BY s.idx, w.idx",
            [transcript_id],
        ):
            out.setdefault(row["segment_id"], []).append(row)
        return out

    def words(self, segment_id: int) -> list[dict]:
        return list(self.db["words"].rows_where("segment_id = ?", [segment_id], order_by="idx"))

    def last_segment(self, transcript_id: int) -> Optional[dict]:
        rows = list(self.db["segments"].rows_where("transcript_id = ?", [transcript_id], order_by="idx desc", limit=1))
        return rows[0] if rows else None

    def update_segment(self, segment_id: int, **fields: Any) -> None:
        self.db["segments"].update(segment_id, fields)

    def replace_words(self, segment_id: int, words: Iterable[dict]) -> None:
        with self.db.atomic():
            self.db.execute("DELETE FROM words WHERE segment_id = ?", [segment_id])
            self.db["words"].insert_all(
                ({**w, "segment_id": segment_id, "idx": i} for i, w in enumerate(words)), batch_size=500
            )

    # --- jobs ----------------------------------------------------------------------
    def add_job(self, recording_id: int, options: str) -> int:
        stamp = now()
        return (
            self.db["jobs"]
            .insert({"recording_id": recording_id, "state": JobState.QUEUED, "options": options, "created": stamp, "updated": stamp})
            .last_pk
        )

    def open_jobs(self) -> list[dict]:
        """Jobs an import has not finished (queued, or running when it was killed or stopped)."""
        return list(self.db["jobs"].rows_where("state IN (?, ?)", [JobState.QUEUED, JobState.RUNNING], order_by="id"))

    def job_for(self, recording_id: int) -> Optional[dict]:
        rows = list(self.db["jobs"].rows_where("recording_id = ?", [recording_id], order_by="id desc", limit=1))
        return rows[0] if rows else None

    def set_job(self, job_id: int, state: JobState, bump: bool = False) -> None:
        self.db.execute(
            "UPDATE jobs SET state = ?, updated = ?, attempts = attempts + ? WHERE id = ?",
            [state, now(), 1 if bump else 0, job_id],
        )

