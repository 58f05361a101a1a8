"""Fixity: every media file re-hashed and compared with the SHA-256 stored at import.

An audit is a *round* (``fixity_rounds``): each recording's file is read whole, its
SHA-256 compared with ``recordings.sha256``, and the outcome written as one event
(``fixity_events``: ``ok``, ``changed``, ``missing`` or ``unreadable``) the moment it
is known. A killed audit leaves its round open; the next one continues it with the
files not yet verified in that round. When a file was last verified is derived from
the events (the last ``ok`` for the recording's current SHA-256), never stored twice.

Nothing here repairs: a changed file is reported with the recording it belongs to and
what a person can do (:func:`advice`). Hashing holds no lock; each event is written
under the archive's write lock for a moment, so imports and edits go on meanwhile.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence

from archive import fixity_rows as rows, media
from archive.catalog import Recording, now
from archive.locking import ArchiveBusyError, write_lock

log = logging.getLogger(__name__)

DEFAULT_DAYS = 90  # `check` notes media not verified for longer (`check --fixity-days N`)
AUDIT_LOCK = ".fixity.lock"  # one audit at a time per archive (imports and edits go on)
EVENT_WAIT = 120.0  # seconds an event waits for an import's write lock (the audit is in no hurry)


class FixityFailure(Exception):
    """An audit found media changed, missing or unreadable (the CLI's exit-code table maps it)."""


class AuditRunning(RuntimeError):
    """Another fixity audit of this archive is running."""


@dataclass
class FixityReport:
    round: int
    resumed: bool = False  # this run continued a round a killed audit left open
    ok: list[int] = field(default_factory=list)
    changed: list[int] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)
    unverified: list[int] = field(default_factory=list)  # the file is there but could not be read whole
    events: dict[int, dict] = field(default_factory=dict)  # recording id -> its event in this round

    @property
    def checked(self) -> int:
        return len(self.events)

    @property
    def clean(self) -> bool:
        return not (self.changed or self.missing or self.unverified)

    def to_dict(self) -> dict:
        return {"checked": self.checked, "ok": len(self.ok), "changed": self.changed, "missing": self.missing,
                "unverified": self.unverified, "round": self.round, "resumed": self.resumed}


# --- reading the catalog -------------------------------------------------------------------


def overdue(archive, days: int = DEFAULT_DAYS) -> list[int]:
    """Recordings whose media was not verified in the last ``days`` days. The import hashed
    the file, so a recording never audited counts from when it was imported."""
    verified = rows.last_verified(archive.db)
    cutoff = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days)).isoformat(timespec="seconds")
    return sorted(r.id for r in archive.catalog.recordings() if max(verified.get(r.id, ""), r.created or "") < cutoff)


def status_line(event: Optional[dict], verified: Optional[str]) -> str:
    """A recording's fixity in one line, for the app's Library (the status cell's tooltip)."""
    if event is not None and event["result"] != "ok":
        word = {"changed": "has CHANGED since import", "missing": "was MISSING",
                "unreadable": "could not be read"}[event["result"]]
        return f"Fixity: the media file {word} (audit of {event['at'][:10]}); see council-archive fixity"
    if verified:
        return f"Fixity: verified {verified[:10]}"
    return "Fixity: SHA-256 taken at import, not audited since (council-archive fixity)"


def advice(event: dict, rec: Optional[Recording]) -> str:
    """What a person can do about a file that changed, went missing or could not be read."""
    if rec is None:
        return f"recording {event['recording_id']} was removed from the archive during the audit"
    path = event["path"] or "(no path)"
    if event["result"] == "unreadable":
        return f"recording {rec.id} ({rec.title}): {path} could not be read ({event['detail']}); check its permissions and the disk"
    what = ("changed since import (SHA-256 {} now, {} at import)".format(event["found"][:12], rec.sha256[:12])
            if event["result"] == "changed" else "is missing")
    if rec.linked:
        fix = f"put the original file back at {path} (it is linked, not copied)"
    else:
        source = f"from its source {rec.source_path} if that still holds the same bytes" if rec.source_path else ""
        move = f"move {path} out of the archive and run" if event["result"] == "changed" else "run"
        fix = (f"{move} `council-archive check --repair` (it copies the media back "
               f"in {source or 'from its source file, if still there'}), or copy the media out of this recording's "
               f".cabundle to {path}")
    return (f"recording {rec.id} ({rec.title}): its media {what}; nothing was rewritten. Restore it: {fix}; "
            f"then run `council-archive fixity --ids {rec.id}`")


# --- the audit ------------------------------------------------------------------------------


class Throttle:
    """Sleeps between blocks so reading stays under ``rate`` MB/s (None: as fast as the disk)."""

    def __init__(self, rate: Optional[float]):
        self.rate = rate * 1e6 if rate else None
        self.start = time.monotonic()
        self.done = 0

    def __call__(self, n: int) -> None:
        self.done += n
        if self.rate:
            ahead = self.done / self.rate - (time.monotonic() - self.start)
            if ahead > 0:
                time.sleep(ahead)


def _open_round(archive, scope: Optional[list[int]]) -> tuple[int, bool]:
    """The round to work in: an open one of the same scope (a killed audit's), else a new one."""
    key = json.dumps(scope)
    db = archive.db
    with db.atomic():
        for rid, rscope in rows.open_rounds(db):
            if rscope == key:
                return rid, True
            rows.finish_round(db, rid, now())  # left for another scope
        return db["fixity_rounds"].insert({"started": now(), "scope": key}).last_pk, False


def _verify(archive, rec: Recording, on_block: Callable[[int], None]) -> dict:
    path = archive.media_path(rec)
    event = {"recording_id": rec.id, "expected": rec.sha256, "path": str(path) if path else None, "found": None,
             "detail": None}
    if path is None or not path.exists():
        return {**event, "result": "missing"}
    try:
        found = media.sha256_of(path, on_block=on_block)
    except OSError as exc:
        log.warning("fixity: cannot read %s", path, exc_info=True)
        return {**event, "result": "unreadable", "detail": exc.strerror or str(exc)}
    return {**event, "found": found, "result": "ok" if found == rec.sha256 else "changed"}


def audit(archive, ids: Optional[Sequence[int]] = None, *, rate: Optional[float] = None,
          progress: Optional[Callable[[int, int, int], None]] = None) -> FixityReport:
    """Verify the media of every recording (or of ``ids``), continuing an open round of the
    same scope. ``progress(files_done, bytes_read, bytes_total)`` follows the reading."""
    with ExitStack() as stack:
        try:
            stack.enter_context(write_lock(str(archive.root / AUDIT_LOCK), timeout=0))
        except ArchiveBusyError:
            raise AuditRunning(f"a fixity audit of {archive.root} is already running; let it finish") from None
        return _audit(archive, sorted(set(ids)) if ids else None, rate, progress)


def _audit(archive, scope: Optional[list[int]], rate: Optional[float], progress) -> FixityReport:
    with archive.writing(EVENT_WAIT):
        round_id, resumed = _open_round(archive, scope)
    recs = [r for r in archive.catalog.recordings() if scope is None or r.id in scope]
    done = rows.verified_in(archive.db, round_id)
    todo = sorted((r for r in recs if r.id not in done), key=lambda r: r.id)
    total, read, files = sum(_size(archive, r) for r in todo), 0, len(done)
    throttle = Throttle(rate)

    def on_block(n: int) -> None:
        nonlocal read
        read += n
        if progress:
            progress(files, read, total)
        throttle(n)  # sleeps here, with the bar already showing this block

    for rec in todo:
        event = _verify(archive, rec, on_block)
        with archive.writing(EVENT_WAIT):
            archive.db["fixity_events"].insert({**event, "round_id": round_id, "at": now()})
        files += 1
        if progress:
            progress(files, read, total)
    with archive.writing(EVENT_WAIT):
        rows.finish_round(archive.db, round_id, now())
    return round_report(archive, round_id, resumed)


def _size(archive, rec: Recording) -> int:
    path = archive.media_path(rec)
    try:
        return path.stat().st_size if path else 0
    except OSError:
        return 0


def round_report(archive, round_id: int, resumed: bool = False) -> FixityReport:
    """What a round found, from its events (a resumed round reports the files of both runs)."""
    report = FixityReport(round=round_id, resumed=resumed)
    for event in rows.round_events(archive.db, round_id):
        report.events[event["recording_id"]] = event
        bucket = {"ok": report.ok, "changed": report.changed, "missing": report.missing}.get(event["result"], report.unverified)
        bucket.append(event["recording_id"])
    return report
