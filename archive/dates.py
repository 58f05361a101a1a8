"""Recording dates: always ``YYYY-MM-DD``, found in file names or checked as typed.

The importer dates a file from its name; the editor, the CLI and the app check a
typed date with :func:`valid_date`.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Optional

DATE_PATTERNS = (
    re.compile(r"(?<!\d)(\d{4})[-_. ](\d{2})[-_. ](\d{2})(?!\d)"),
    re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)"),
)


def date_from_name(name: str) -> Optional[str]:
    """The first real calendar date in ``name`` (``2011-05-02``, ``2011_05_02``, ``20110502``)."""
    for pattern in DATE_PATTERNS:
        for m in pattern.finditer(name):
            try:
                return dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat()
            except ValueError:
                continue
    return None


def valid_date(text: str) -> bool:
    """True when ``text`` is exactly a real date written ``YYYY-MM-DD``."""
    return date_from_name(text) == text


def without_dates(name: str) -> str:
    """``name`` with every date in it blanked out (what is left makes a title)."""
    for pattern in DATE_PATTERNS:
        name = pattern.sub(" ", name)
    return name
