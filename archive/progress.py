"""A progress bar on stderr for long commands (tqdm), quiet when stderr is not a terminal
unless asked. Progress comes from numbers the caller passes, never from scraped text."""

from __future__ import annotations

import sys
from typing import Optional

from tqdm import tqdm


class ProgressBar:
    def __init__(self, total: float, label: str = "", unit: str = "s", force: Optional[bool] = None):
        enabled = sys.stderr.isatty() if force is None else force
        self._bar = tqdm(
            total=round(total or 0.0, 1) or None,
            desc=label[-40:] if label else None,
            unit=unit,
            file=sys.stderr,
            disable=not enabled,
            bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f}s [{elapsed}<{remaining}]",
            leave=False,
        )
        self._done = 0.0

    def update_to(self, value: float) -> None:
        value = min(value, self._bar.total or value)
        if value > self._done:
            self._bar.update(round(value - self._done, 3))
            self._done = value

    def close(self) -> None:
        self._bar.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
