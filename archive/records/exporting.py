"""``export ID --format pbcore|dc|ohms`` and ``export-catalog --format pbcore|dc``."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from archive.records import dc, ohms, pbcore
from archive.records.source import CATALOG_RECORD_FORMATS, RECORD_FORMATS, RecordError, gather, sources, write

__all__ = ["CATALOG_RECORD_FORMATS", "RECORD_FORMATS", "export_catalog_records", "export_record"]

_RECORD = {"pbcore": pbcore.record, "dc": dc.record, "ohms": ohms.record}
_CATALOG = {"pbcore": pbcore.collection, "dc": dc.collection}


def export_record(archive, recording_id: int, fmt: str, out: Optional[Path] = None) -> Optional[str]:
    """One recording's record: written to ``out`` (outside the archive), or returned for stdout."""
    if fmt not in RECORD_FORMATS:
        raise RecordError(f"unknown record format {fmt!r} (choose from {', '.join(RECORD_FORMATS)})")
    return write(archive, _RECORD[fmt](gather(archive, recording_id)), out)


def export_catalog_records(archive, fmt: str, out: Optional[Path] = None) -> Optional[str]:
    """Every recording's record in one file: a pbcoreCollection, or oai_dc records."""
    if fmt not in CATALOG_RECORD_FORMATS:
        raise RecordError(f"unknown catalog record format {fmt!r} (choose from {', '.join(CATALOG_RECORD_FORMATS)})")
    return write(archive, _CATALOG[fmt](sources(archive)), out)
