"""Recording dates: always ``YYYY-MM-DD``, found in file names or checked as typed.

The importer dates a file from its name (a file without a date in its name is undated:
its modification date is usually the day it was copied); the editor, the CLI and the app
check a typed date with :func:`valid_date` and say what is wrong with :func:`date_problem`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Optional

DATE_PATTERNS = (
    re.compile(r"(?<!\d)(\d{4})[-_. ](\d{2})[-_. ](\d{2})(?!\d)"),
    re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)"),
)
ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
UNDATED = "undated"  # what a list shows for a recording without a date


def _real(m: re.Match) -> Optional[str]:
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        return None


def date_from_name(name: str) -> Optional[str]:
    """The first real calendar date in ``name`` (``2011-05-02``, ``2011_05_02``, ``20110502``)."""
    for pattern in DATE_PATTERNS:
        for m in pattern.finditer(name):
            if found := _real(m):
                return found
    return None


def valid_date(text: str) -> bool:
    """True when ``text`` is exactly a real date written ``YYYY-MM-DD``."""
    return date_from_name(text) == text


def typed_date(text: str) -> Optional[str]:
    """A date as a person types it: ``2024-03-12`` or ``20240312`` (also ``2024/03/12``,
    ``2024.03.12``) as ``YYYY-MM-DD``; None when it is not a real date."""
    text = text.strip()
    m = re.fullmatch(r"(\d{4})[-/. _]?(\d{2})[-/. _]?(\d{2})", text)
    return _real(m) if m else None


def date_problem(text: str) -> Optional[str]:
    """What is wrong with a typed date, in a few words (None if it is a real ``YYYY-MM-DD``):
    ``month 13 is invalid (months run 01 to 12)``, ``2023-02 has no day 30``."""
    m = ISO.fullmatch(text.strip())
    if not m:
        return "write it as YYYY-MM-DD, like 2024-03-12"
    year, month, day = int(m[1]), int(m[2]), int(m[3])
    if year < 1:
        return "year 0000 is invalid"
    if not 1 <= month <= 12:
        return f"month {m[2]} is invalid (months run 01 to 12)"
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        return f"day {m[3]} is invalid ({m[1]}-{m[2]} has {days} days)"
    return None


def without_dates(name: str) -> str:
    """``name`` with every real date in it blanked out (what is left makes a title); other
    digits stay as written."""
    for pattern in DATE_PATTERNS:
        name = pattern.sub(lambda m: " " if _real(m) else m[0], name)
    return name


def title_from_name(stem: str) -> str:
    """A title from a file name: its date left out, ``_`` (and ``-`` or ``.`` not between
    digits) as spaces, the first letter capitalised only when the first word starts with a
    lower-case letter and has no capital: ``JFK``, ``iPhone``, ``3rd``, ``1.5`` and ``2024-25``
    stay as written (``pipe:3`` becomes ``Pipe:3``)."""
    spaced = re.sub(r"_+|(?<!\d)[-.]+|[-.]+(?!\d)", " ", without_dates(stem))
    title = " ".join(spaced.split()) or stem.strip()
    first = title.split(" ", 1)[0]
    if first[:1].islower() and not any(c.isupper() for c in first):
        title = title[:1].upper() + title[1:]
    return title
