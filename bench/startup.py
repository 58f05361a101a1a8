"""Desktop start-up benchmark: process start → a usable window, on a 100-recording archive.

Builds an archive of synthetic recordings (direct catalog + index writes: no audio, no
Whisper), then starts the app in a fresh subprocess several times and reports the median
time from process start until the window is shown with its library loaded and the event
loop running ("ready"), and until a first search has answered ("first search").
The target is under 2 s. It also checks that importing ``desktop.app`` (and starting the
app) loads none of faster_whisper, ctranslate2, whisper, torch.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/startup.py [--recordings 100] [--runs 7]

Not a test: it prints a table. Exit status 1 if the median misses the target or a
heavy module was imported.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TARGET = 2.0
HEAVY = ("faster_whisper", "ctranslate2", "whisper", "torch")

WORDS = """the council budget sidewalk police library zoning parking motion second vote
mayor clerk public comment street water sewer park hearing ordinance amendment program
cameras contract resident thank you we will now to of and a that this for on is are""".split()
BODIES = ("Riverton City Council", "Springfield City Council", "Planning Board", "WXYZ Radio")

CHILD = r"""
import json, os, sys, time
t_import = time.perf_counter()
import desktop.app
heavy_after_import = [m for m in %(heavy)r if m in sys.modules]
t_imported = time.perf_counter()
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication
settings = QSettings(%(ini)r, QSettings.Format.IniFormat)
out = {"import_s": t_imported - t_import, "heavy_after_import": heavy_after_import}

def ready(window):
    QApplication.processEvents()
    print("READY", flush=True)
    panel = window.search_panel
    panel.query.setText("budget")
    panel.run_now()
    out["hits"] = panel.model.total
    print("SEARCHED", flush=True)
    out["heavy_after_start"] = [m for m in %(heavy)r if m in sys.modules]
    out["recordings"] = window.library.model.rowCount()
    print("JSON " + json.dumps(out), flush=True)
    window.close()

sys.exit(desktop.app.main(%(archive)r, settings=settings, demo=False, on_ready=ready))
"""


def build_archive(root: Path, recordings: int, segments: int, seed: int = 7) -> None:
    from archive.recordings import recording_doc
    from archive.status import Status
    from archive.store import Archive
    from transcription.types import Segment, Word

    rng = random.Random(seed)
    with Archive(root) as archive:
        catalog = archive.catalog
        ids = []
        for i in range(recordings):
            year = 2005 + i % 20
            rid = catalog.add_recording(
                title=f"Regular meeting {i + 1}",
                body=BODIES[i % len(BODIES)],
                kind="radio" if BODIES[i % len(BODIES)].endswith("Radio") else "meeting",
                date=f"{year}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                source_path=f"/nowhere/meeting_{i}.opus",
                media_path=None,
                sha256=f"{i:064x}",
                duration=segments * 6.0,
                status=Status.INDEXED,
                progress=1.0,
            )
            tid = catalog.start_transcript(rid, "synthetic", "none", None, "whisper")
            t = 0.0
            with archive.db.atomic():
                for idx in range(segments):
                    words = []
                    for _ in range(rng.randint(8, 18)):
                        words.append(Word(round(t, 2), round(t + 0.3, 2), " " + rng.choice(WORDS), rng.uniform(0.3, 1.0)))
                        t += 0.35
                    catalog.add_segment(tid, idx, Segment(words[0].start, words[-1].end, "".join(w.word for w in words).strip(), words))
                    t += 0.5
            catalog.finish_transcript(tid)
            ids.append(rid)
        with archive.index.writer() as writer:
            for rid in ids:
                writer.add_recording(recording_doc(catalog, catalog.recording(rid)))


def run_once(archive: Path, ini: Path) -> dict:
    code = CHILD % {"heavy": HEAVY, "ini": str(ini), "archive": str(archive)}
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    result = {}
    for line in proc.stdout:
        now = time.perf_counter() - start
        if line.startswith("READY"):
            result["ready"] = now
        elif line.startswith("SEARCHED"):
            result["search"] = now
        elif line.startswith("JSON "):
            result.update(json.loads(line[5:]))
    proc.wait(timeout=60)
    if "ready" not in result:
        raise SystemExit(f"the app did not start (exit {proc.returncode})")
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="desktop start-up time")
    parser.add_argument("--recordings", type=int, default=100)
    parser.add_argument("--segments", type=int, default=120, help="segments per recording")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="council-startup-") as tmp:
        archive = Path(tmp) / "archive"
        t0 = time.perf_counter()
        build_archive(archive, args.recordings, args.segments)
        print(f"built a {args.recordings}-recording archive ({args.recordings * args.segments} segments) "
              f"in {time.perf_counter() - t0:.1f} s")
        run_once(archive, Path(tmp) / "warm.ini")  # warm the OS file cache once
        runs = [run_once(archive, Path(tmp) / f"run{i}.ini") for i in range(args.runs)]

    ready = statistics.median(r["ready"] for r in runs)
    search = statistics.median(r["search"] for r in runs)
    imp = statistics.median(r["import_s"] for r in runs)
    heavy = sorted({m for r in runs for m in r["heavy_after_import"] + r["heavy_after_start"]})
    print(f"{'runs':<34}{len(runs)}")
    print(f"{'recordings in the library':<34}{runs[0]['recordings']}")
    print(f"{'import desktop.app (median)':<34}{imp:.3f} s")
    print(f"{'process start → usable window':<34}{ready:.3f} s  (median; min {min(r['ready'] for r in runs):.3f}, "
          f"max {max(r['ready'] for r in runs):.3f}; target < {TARGET:.1f} s)")
    print(f"{'process start → first search':<34}{search:.3f} s  ({runs[0]['hits']} hits for 'budget')")
    print(f"{'Whisper/torch modules loaded':<34}{', '.join(heavy) if heavy else 'none'}")
    ok = ready < TARGET and not heavy
    print("OK" if ok else "MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
