"""The one citation format, used everywhere a quote leaves the archive
(clipboard, clip tags, exports, search datasets):

    "…quote…" — Councilor Rivera, Springfield City Council, "Regular meeting", 2011-05-02, at 00:12:34.
"""

from __future__ import annotations

from typing import Optional

from transcription.formats import hms


def reference(recording_id: int, seconds: float) -> str:
    """A link-like reference to a moment in a recording, to keep next to a quote."""
    return f"council-archive://recording/{recording_id}?t={seconds:.2f}"


def source_line(
    *, speaker: Optional[str], body: Optional[str], title: Optional[str], date: Optional[str], seconds: float
) -> str:
    parts = [p for p in (speaker, body, f"\u201c{title}\u201d" if title else None, date) if p]
    return ", ".join(parts + [f"at {hms(seconds)}"]) + "."


def citation(
    quote: str,
    *,
    speaker: Optional[str] = None,
    body: Optional[str] = None,
    title: Optional[str] = None,
    date: Optional[str] = None,
    seconds: float = 0.0,
) -> str:
    """``"quote" — speaker, body, "title", date, at HH:MM:SS.`` (missing parts are left out)."""
    quote = " ".join(quote.split()).strip().strip('"\u201c\u201d')
    return f"\u201c{quote}\u201d \u2014 " + source_line(speaker=speaker, body=body, title=title, date=date, seconds=seconds)
