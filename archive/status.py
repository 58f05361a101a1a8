"""The words the archive uses for where a recording, a job and an import stand.

``str`` enums, so rows in SQLite, JSON and the GUI keep the same plain words they
always had ("indexed", "failed", ...) while the code names one constant.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """A recording's status in the catalog."""

    QUEUED = "queued"
    TRANSCRIBING = "transcribing"
    DIARIZING = "diarizing"  # finding who spoke (after transcribing, before indexing)
    INDEXING = "indexing"
    INDEXED = "indexed"
    FAILED = "failed"
    CANCELLED = "cancelled"  # the user cancelled its import: kept to resume, or to remove


class JobState(StrEnum):
    """Where an import job stands (``jobs.state``): queued and running jobs are open."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"  # not open: only a resume of that recording continues it


class Outcome(StrEnum):
    """How one file's import ended (``ImportResult.status`` and the GUI's signal)."""

    INDEXED = "indexed"  # transcribed (or captioned) and searchable
    DUPLICATE = "duplicate"  # already in the archive: nothing was added
    FAILED = "failed"  # bad input, a full disk, a broken engine: nothing half-made is left
    CANCELLED = "cancelled"  # the user cancelled: kept to resume later (removed if discarded)
    STOPPED = "stopped"  # stopped to resume later (quit, pause): the job stays open for `resume`


# The two stages of an import before a recording exists (ImportEvent.stage); after them
# come a Status on the way and an Outcome at the end.
PROBING, STORING = "probing", "storing"
