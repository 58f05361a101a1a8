"""docs/screenshot.png from the real window on the offscreen platform.

Builds a demo archive in a temporary folder by importing the bundled demo meeting through
the app itself (the real Whisper engine, as on a newcomer's first run), opens the window
at 1280×800, searches for "sidewalks", activates the first hit and grabs the window.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshot.py docs/screenshot.png
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def wait(app, condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"screenshot: timed out waiting for {what}")
        app.processEvents()
        time.sleep(0.02)


def settle(app, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", default=str(ROOT / "docs" / "screenshot.png"))
    parser.add_argument("--query", default="sidewalks")
    parser.add_argument("--size", default="1280x800")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from desktop.app import create_window

    app = QApplication(sys.argv[:1])
    width, height = (int(v) for v in args.size.lower().split("x"))
    with tempfile.TemporaryDirectory(prefix="council-archive-shot-") as tmp:
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        window = create_window(Path(tmp) / ".demo-archive", settings=settings, demo=True)
        window.resize(width, height)
        window.show()
        t0 = time.monotonic()
        wait(app, lambda: window.imports.busy, 10, "the demo import to start")
        wait(app, lambda: not window.imports.busy, 600, "the demo import")
        recs = window.archive.catalog.recordings()
        if not recs or recs[0].status != "indexed":
            raise SystemExit("screenshot: the demo import failed")
        print(f"demo imported in {time.monotonic() - t0:.1f} s", file=sys.stderr)
        window.queue_dock.hide()

        panel = window.search_panel
        panel.query.setText(args.query)
        panel.run_now()
        wait(app, lambda: panel.model.rowCount() > 0, 10, "search results")
        panel.view.setCurrentIndex(panel.model.index(0, 0))
        panel.activate_row(0)
        hit = panel.model.hit(0)
        player = window.player
        wait(app, lambda: player.is_playing() and player.seconds() >= hit.start - 0.3, 15, "playback at the hit")
        settle(app, 0.3)
        player.pause()
        settle(app, 0.3)
        out = Path(args.output)
        out.parent.mkdir(parents=True, exist_ok=True)
        if not window.grab().save(str(out)):
            raise SystemExit(f"screenshot: cannot write {out}")
        print(f"wrote {out} ({width}x{height})", file=sys.stderr)
        window.shutdown()
        window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
