"""Run the ``council-archive`` command line, pausing at one precise point of an import.

For the kill -9 tests in tests/test_reliability.py: production code has no test hooks,
so this driver monkeypatches the one function where it should stop, runs the real
``desktop.launcher.main(ARGS)``, and at that point writes a marker file (its pid) and
sleeps until the test SIGKILLs it.

    python tests/reliability_driver.py --pause POINT --marker FILE [--after N] -- ARGS...

POINT is one of
  copy       the media copy: after the first block of the ``.partial`` file is on disk
  segment    transcribing: after N segments are committed (before the next one)
  index      indexing: documents handed to the Whoosh writer, not committed (both the
             archive's write lock and Whoosh's write lock are held)
  lock       just after the archive's write lock is taken
  diarize    finding speakers: the diarizer has run and its speakers are written, not
             committed (the catalog's transaction is open)
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from contextlib import contextmanager

PAUSE_LIMIT = 600.0  # seconds; a forgotten driver exits on its own


def pause_here(marker: str) -> None:
    tmp = f"{marker}.tmp"
    with open(tmp, "w") as fh:
        fh.write(f"{os.getpid()}\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, marker)
    deadline = time.monotonic() + PAUSE_LIMIT
    while time.monotonic() < deadline:
        time.sleep(0.2)
    print("reliability_driver: nobody killed me", file=sys.stderr)
    os._exit(3)


def install(point: str, marker: str, after: int) -> None:
    if point == "copy":
        import archive.media as media

        def copy_then_pause(src, dst, length=0):
            block = src.read(64 * 1024)
            dst.write(block)
            dst.flush()
            os.fsync(dst.fileno())
            pause_here(marker)

        media.shutil.copyfileobj = copy_then_pause
    elif point == "segment":
        from archive.catalog import Catalog

        original = Catalog.add_segment
        calls = {"n": 0}

        def add_segment(self, *args, **kwargs):
            if calls["n"] >= after:
                pause_here(marker)
            calls["n"] += 1
            return original(self, *args, **kwargs)

        Catalog.add_segment = add_segment
    elif point == "index":
        from index.store import IndexWriter

        original = IndexWriter.add_recording

        def add_recording(self, doc):
            result = original(self, doc)
            pause_here(marker)
            return result

        IndexWriter.add_recording = add_recording
    elif point == "diarize":
        import archive.diarizing as diarizing

        original_split = diarizing._split

        def split_then_pause(*args, **kwargs):
            original_split(*args, **kwargs)
            pause_here(marker)

        diarizing._split = split_then_pause
    elif point == "lock":
        import archive.store as store

        original_lock = store.write_lock

        @contextmanager
        def write_lock(*args, **kwargs):
            with original_lock(*args, **kwargs):
                pause_here(marker)
                yield

        store.write_lock = write_lock
    else:  # pragma: no cover - argparse restricts it
        raise SystemExit(f"unknown pause point {point}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pause", required=True, choices=("copy", "segment", "index", "lock", "diarize"))
    ap.add_argument("--marker", required=True)
    ap.add_argument("--after", type=int, default=3, help="segments to commit before pausing (segment)")
    ap.add_argument("args", nargs=argparse.REMAINDER)
    ns = ap.parse_args(argv)
    args = ns.args[1:] if ns.args[:1] == ["--"] else ns.args
    install(ns.pause, ns.marker, ns.after)
    from desktop.launcher import main as launcher_main

    return launcher_main(args)


if __name__ == "__main__":
    sys.exit(main())
