"""Benchmark: an import on a local Ray cluster against a local import, on this machine.

Not a test. One run measures, side by side on the same files (the demo meeting and two
multi-voice meetings built from ../shared/audio by bench/speakers.py, Opus 32 kb/s, in a
temporary folder):

1. throughput: ``council-archive import --no-speakers --workers 2`` into a fresh archive,
   locally and with ``--cluster local`` (2 Whisper actors), real Whisper tiny.en, each run
   a fresh process, the two alternating ``--runs`` times (median);
2. the overhead per file and per cluster: Ray's start (``connect('local')``), the actors'
   start (``ClusterTranscriber.start()``: 2 actors, each loading the model), and the media's
   trip through the object store (``MediaSender.send``: read + ``ray.put`` on the client;
   ``LocalCopy.path`` on a worker: ``ray.get`` + writing its temporary copy) for an hour of
   typical formats;
3. the single writer: an :class:`archive.importer.Importer` whose transcriber returns a
   2-hour meeting's ~1,500 prepared segments at once (tests/fakes.py), so only the
   writer's own work is timed: probe, hash and copy of a real 2-hour Opus file, the
   segment commits, chapters and the Whoosh index, recording after recording;
   and the client's scan of a 2-hour file for quiet moments to cut chunks at.

Every Ray process it starts is checked to be gone at the end. ``--write-docs`` writes the
"## Cluster" section of docs/benchmarks.md, with a plan for 10,000 hours computed from
these figures (the assumptions are said there).

    .venv/bin/python bench/cluster.py              # ~10 minutes on 2 cores
    .venv/bin/python bench/cluster.py --runs 1 --writer 4
    .venv/bin/python bench/cluster.py --write-docs
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

from benchlib import descendants, machine, replace_section, tree_rss_kb  # noqa: E402
from cluster_plan import HOUR_FORMATS, mb, plan_text  # noqa: E402
from transcription.cluster.media import PREFIX  # noqa: E402

CLI = [str(Path(sys.executable).parent / "council-archive")]
DEMO = ROOT / "archive" / "demo" / "council_meeting.opus"
MEETINGS = ((5.0, 11), (10.0, 12))  # (minutes, seed) of the meetings built from ../shared/audio
WRITER_HOURS = 2.0


# === processes: run, sample, and prove nothing is left behind ======================================


def _start_time(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def _name(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace")[:120]
    except OSError:
        return "?"


def run(cmd: list[str], label: str) -> dict:
    """Run ``cmd``; its wall time, stdout, stderr lines with their times, peak tree RSS, and
    the processes of its tree still alive after it ended (``left``: there should be none)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, RAY_USAGE_STATS_ENABLED="0"))
    lines: list[tuple[float, str]] = []
    reader = threading.Thread(target=lambda: lines.extend((time.perf_counter() - t0, ln) for ln in proc.stderr))
    reader.start()
    peak, seen = 0, {}
    while proc.poll() is None:
        for pid in descendants(proc.pid):
            seen.setdefault(pid, _start_time(pid))
        peak = max(peak, tree_rss_kb(proc.pid))
        time.sleep(0.25)
    wall = time.perf_counter() - t0
    out = proc.stdout.read()
    reader.join()
    for _ in range(20):  # Ray's processes (and multiprocessing's tracker) get a moment to end after their parent
        left = [f"{pid} {_name(pid)}" for pid, st in seen.items() if pid != proc.pid and st and _start_time(pid) == st]
        if not left:
            break
        time.sleep(0.5)
    for pid in set(seen) - {int(x.split()[0]) for x in left}:  # the media copies of its Ray workers (Ray ends them without clean-up)
        shutil.rmtree(Path(tempfile.gettempdir()) / f"{PREFIX}{pid}", ignore_errors=True)
    if proc.returncode != 0:
        tail = "".join(ln for _, ln in lines[-5:])
        raise RuntimeError(f"{label} failed ({proc.returncode}): {tail}")
    return dict(wall=wall, out=out, stderr=lines, peak_mb=peak / 1024, left=left)


def child(mode: str, arg: dict) -> dict:
    """``mode`` run in a fresh Python (this file with ``--child``); its JSON and process facts."""
    done = run([sys.executable, __file__, "--child", mode, json.dumps(arg)], mode)
    result = json.loads(done["out"].strip().splitlines()[-1])
    return dict(result, peak_mb=done["peak_mb"], left=done["left"])


# === the files ====================================================================================


def ffmpeg(*args: str) -> None:
    from transcription.audio import ffmpeg_exe

    subprocess.run([ffmpeg_exe(), "-v", "error", "-nostdin", "-y", *args], check=True)


def build_files(folder: Path) -> list[Path]:
    """The demo meeting and the meetings of MEETINGS as Opus 32 kb/s."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("speakers_bench", ROOT / "bench" / "speakers.py")
    speakers = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(speakers)
    files = [DEMO]
    for minutes, seed in MEETINGS:
        wav = speakers.build_meeting(folder, minutes, seed)
        out = wav.with_suffix(".opus")
        ffmpeg("-i", str(wav), "-c:a", "libopus", "-b:a", "32k", str(out))
        files.append(out)
    return files


def duration(path: Path) -> float:
    from transcription.audio import probe

    return probe(path).duration


# === 1. throughput ================================================================================


def import_once(files: list[Path], archive: Path, cluster: bool) -> dict:
    cmd = [*CLI, "--archive", str(archive), "import", "--no-speakers", "--workers", "2", "--json",
           *map(str, files)] + (["--cluster", "local"] if cluster else [])
    done = run(cmd, "cluster import" if cluster else "local import")
    results = json.loads(done["out"])
    bad = [r for r in results if r["status"] != "indexed"]
    if bad:
        raise RuntimeError(f"not imported: {bad}")
    ready = next((t for t, ln in done["stderr"] if "on the Ray cluster" in ln), None)
    return dict(wall=done["wall"], ready=ready, peak_mb=done["peak_mb"], left=done["left"], texts=texts(archive))


def texts(root: Path) -> dict[str, tuple[int, str]]:
    """Each recording's (segment count, text), by the file it came from."""
    from archive.store import Archive

    out = {}
    with Archive(root, create=False) as archive:
        for rec in archive.catalog.recordings():
            segs = archive.catalog.segments(archive.catalog.current_transcript(rec.id)["id"])
            out[Path(rec.source_path).name] = (len(segs), " ".join(s["text"] for s in segs))
    return out


def throughput(files: list[Path], audio: float, runs: int, folder: Path) -> dict:
    from wer import wer

    got = {"local": [], "cluster": []}
    for n in range(runs):
        for mode in ("local", "cluster"):
            r = import_once(files, folder / f"archive-{mode}-{n}", mode == "cluster")
            got[mode].append(r)
            print(f"  {mode:7} run {n + 1}: {r['wall']:.1f} s for {audio:.0f} s of audio "
                  f"({audio / r['wall']:.1f} audio s per s), peak {r['peak_mb']:.0f} MB, left {r['left']}", flush=True)
    out = {}
    for mode, rs in got.items():
        wall = statistics.median(r["wall"] for r in rs)
        out[mode] = dict(wall=wall, walls=[r["wall"] for r in rs], peak_mb=max(r["peak_mb"] for r in rs),
                         ready=statistics.median(r["ready"] for r in rs) if rs[0]["ready"] is not None else None,
                         left=sum((r["left"] for r in rs), []),
                         segments=sum(c for c, _ in rs[0]["texts"].values()))
    local, clustered = got["local"][0]["texts"], got["cluster"][0]["texts"]
    out["agreement"] = statistics.mean(wer(local[k][1], clustered[k][1]) for k in local)
    return out


# === 2. overhead per cluster and per file ==========================================================


class Receiver:
    """A worker's side of the media's trip: LocalCopy.path (ray.get + the temporary copy)."""

    def receive(self, media) -> float:
        from transcription.cluster.media import LocalCopy

        self.copy = LocalCopy()  # no copy yet: each trip fetches the bytes again
        t0 = time.perf_counter()
        self.copy.path(media)
        return time.perf_counter() - t0


def overhead_child(arg: dict) -> dict:
    import ray

    from transcription.cluster.connection import Slot, connect
    from transcription.cluster.media import MediaSender
    from transcription.cluster.transcriber import ClusterTranscriber
    from transcription.types import TranscribeOptions

    cycles, sizes = [], {}
    for n in range(arg["cycles"]):
        t0 = time.perf_counter()
        cluster = connect("local")
        t1 = time.perf_counter()
        transcriber = ClusterTranscriber(cluster, options=TranscribeOptions(workers=2))
        transcriber.start()
        t2 = time.perf_counter()
        transcriber.close()
        if n == arg["cycles"] - 1:
            receiver = cluster.actor(Receiver, Slot("cpu"))
            ray.get(receiver.__ray_ready__.remote())
            for name, path in arg["files"].items():
                times = []
                for _ in range(arg["repeat"]):
                    s0 = time.perf_counter()
                    media = MediaSender().send(path)
                    s1 = time.perf_counter()
                    copy = ray.get(receiver.receive.remote(media))
                    times.append((s1 - s0, copy, time.perf_counter() - s1))
                    del media
                sizes[name] = dict(bytes=os.path.getsize(path), send=statistics.median(t[0] for t in times),
                                   copy=statistics.median(t[1] for t in times),
                                   trip=statistics.median(t[2] for t in times))
            ray.kill(receiver)
        t3 = time.perf_counter()
        cluster.close()
        cycles.append(dict(connect=t1 - t0, start=t2 - t1, close=time.perf_counter() - t3))
    return dict(cycles=cycles, sizes=sizes)


def overheads(files: list[Path], folder: Path, cycles: int, repeat: int) -> dict:
    arg_files = {f"{p.name}": str(p) for p in files}
    for k, (name, size) in enumerate(HOUR_FORMATS.items()):
        path = folder / f"hour-{k}.bin"
        with open(path, "wb") as out:
            for _ in range(int(size) // 2**24):
                out.write(os.urandom(2**24))
            out.write(os.urandom(int(size) % 2**24))
        arg_files[f"1 h {name}"] = str(path)
    result = child("overhead", dict(cycles=cycles, repeat=repeat, files=arg_files))
    for path in folder.glob("hour-*.bin"):
        path.unlink()
    return result


# === 3. the single writer ==========================================================================


def writer_child(arg: dict) -> dict:
    from archive.diarizing import SpeakerOptions
    from archive.importer import Importer
    from archive.store import Archive
    from fakes import FakeTranscriber, demo_segments
    from transcription.audio import frame_energy

    folder, base = Path(arg["folder"]), Path(arg["base"])
    length = duration(base)
    demo = demo_segments()
    step = demo[-1].end + 1.0
    segments = [dataclasses.replace(s, start=s.start + k * step, end=s.end + k * step,
                                    words=[dataclasses.replace(w, start=w.start + k * step, end=w.end + k * step)
                                           for w in s.words])
                for k in range(int(length // step) + 1) for s in demo if s.end + k * step <= length]
    scans = []
    for _ in range(3):
        t0 = time.perf_counter()
        frame_energy(base, frame_seconds=0.1, duration=length)
        scans.append(time.perf_counter() - t0)
    files = []
    for n in range(arg["recordings"]):  # the same meeting, a different file each (its tags)
        path = folder / f"writer-{n}.opus"
        ffmpeg("-i", str(base), "-c", "copy", "-metadata", f"comment=copy {n}", str(path))
        files.append(path)
    rows = []
    with Archive(folder / "writer-archive") as archive:
        events: list[tuple[float, str]] = []
        importer = Importer(archive, transcriber=FakeTranscriber(segments, duration=length),
                            speakers=SpeakerOptions(enabled=False),
                            on_event=lambda e: events.append((time.perf_counter(), str(e.stage))))
        for path in files:
            events.clear()
            [result] = importer.import_paths([path])
            if result.status != "indexed":
                raise RuntimeError(f"{path}: {result.status} {result.error}")
            at = {}
            for t, stage in events:
                at.setdefault(stage, t)
            rows.append(dict(store=at["transcribing"] - at["storing"], hash=at["storing"] - at["probing"],
                             segments=at["indexing"] - at["transcribing"], index=at["indexed"] - at["indexing"],
                             total=at["indexed"] - at["probing"]))
            path.unlink()
    return dict(rows=rows, segments=len(segments), seconds=length, bytes=base.stat().st_size,
                scan=statistics.median(scans), scans=scans)


def writer(files: list[Path], folder: Path, recordings: int) -> dict:
    """The writer's rate on WRITER_HOURS meetings: the longest meeting repeated (stream copy)."""
    longest = max(files, key=duration)
    repeat = max(1, round(WRITER_HOURS * 3600 / duration(longest)))
    listing = folder / "writer-list.txt"
    listing.write_text("".join(f"file '{longest}'\n" for _ in range(repeat)))
    base = folder / "writer-base.opus"
    ffmpeg("-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy", str(base))
    return child("writer", dict(folder=str(folder), base=str(base), recordings=recordings))


# === the report ===================================================================================


def report(audio: float, lengths: list[float], tp: dict, oh: dict, wr: dict, args, load: list, commit: str,
           date: str) -> tuple[str, dict]:
    local, clus = tp["local"], tp["cluster"]
    cyc = oh["cycles"]
    connect = statistics.median(c["connect"] for c in cyc)
    start = statistics.median(c["start"] for c in cyc)
    close = statistics.median(c["close"] for c in cyc)
    after = clus["wall"] - (clus["ready"] or 0.0)
    per_file = statistics.median(r["total"] for r in wr["rows"])
    rate = 60.0 / per_file
    big = max(oh["sizes"].values(), key=lambda s: s["bytes"])
    figures = dict(actor=audio / after / 2, writer_s=per_file, scan=wr["scan"], start=start + connect,
                   send=big["send"] / big["bytes"], copy=big["copy"] / big["bytes"])
    lines = [
        f"Measured with `bench/cluster.py` on {date} at commit `{commit}` (a working tree shared with other people's uncommitted changes).",
        f"Machine: {machine()}. Ray {ray_version()}. Load average (1 min) {load[0]:.1f} before, "
        f"{load[1]:.1f} after: other helpers shared the 2 cores, which inflates the wall times.",
        "",
        f"### Throughput: {len(lengths)} files, {audio / 60:.1f} min of audio, speakers off, Whisper tiny.en",
        "",
        f"Files: the demo meeting ({lengths[0] / 60:.1f} min) and multi-voice meetings of "
        + ", ".join(f"{n / 60:.0f}" for n in lengths[1:])
        + " min (bench/speakers.py, real voices from ../shared/audio, Opus 32 kb/s). "
        f"`council-archive import --no-speakers --workers 2` into a fresh archive, a fresh process each run, "
        f"local and `--cluster local` alternating, median of {args.runs} run(s).",
        "",
        "| import | wall time (runs) | audio s per wall s | × real time (wall / audio) | peak memory, process tree | segments |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for name, r in (("local, 2 worker processes", local), ("`--cluster local`, 2 actors", clus)):
        lines.append(f"| {name} | {r['wall']:.1f} s ({', '.join(f'{w:.0f}' for w in r['walls'])}) | "
                     f"{audio / r['wall']:.1f} | {r['wall'] / audio:.3f}× | {r['peak_mb']:,.0f} MB | {r['segments']} |")
    lines += [
        f"| `--cluster local` after its start ({clus['ready']:.1f} s to 'on the Ray cluster') | {after:.1f} s | "
        f"{audio / after:.1f} | {after / audio:.3f}× | | |",
        "",
        f"Runs of one import differ by up to {spread(local, clus):.0f} % here: the load of the shared machine. "
        "The cluster's peak memory counts Ray's own processes too (GCS, raylet, its agents). "
        f"*After its start* leaves out Ray's start and the actors' model load, which a cluster pays once, not per "
        "file; the local import starts its worker processes (each loading the model) when its first file needs "
        "them, and again every 6 chunks per worker (`WORKER_TASKS`). "
        f"The two transcripts of each file differ by {tp['agreement'] * 100:.1f} % WER (the same chunks, the same model). "
        f"Ray processes left after the runs: {len(local['left']) + len(clus['left'])}.",
        "",
        "### Overhead",
        "",
        f"Per cluster (median of {len(cyc)} cycles, each a fresh `connect('local')`): Ray's start **{connect:.1f} s**, "
        f"2 Whisper actors started and their model loaded (`ClusterTranscriber.start()`) **{start:.1f} s**, "
        f"`close()` {close:.1f} s. Ray processes left after the last `ray.shutdown()`: {len(oh['left'])}.",
        "",
        f"Per file, the media's trip (median of {args.repeat}; same machine, so no network: "
        "add size ÷ bandwidth for each node that fetches it):",
        "",
        "| file | size | client: read + `ray.put` | worker: `ray.get` + temporary copy | whole trip |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, s in oh["sizes"].items():
        lines.append(f"| {name} | {mb(s['bytes'])} | {s['send'] * 1000:,.0f} ms | {s['copy'] * 1000:,.0f} ms | "
                     f"{(s['send'] + s['trip']) * 1000:,.0f} ms |")
    rows = wr["rows"]
    med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
    lines += [
        "",
        "### The single writer",
        "",
        f"{len(rows)} recordings of {wr['seconds'] / 3600:.1f} h ({mb(wr['bytes'])} Opus, {wr['segments']:,} segments "
        "with word times each, the fake transcriber handing them over at once) imported one after another into one "
        "archive by `Importer`, speakers off. Median per recording:",
        "",
        "| probe + hash | copy into the store + catalog rows | segment commits + chapters | Whoosh index | total | recordings per minute |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {med['hash']:.2f} s | {med['store']:.2f} s | {med['segments']:.2f} s | {med['index']:.2f} s | "
        f"{per_file:.2f} s | **{rate:.1f}** |",
        "",
        f"First and last recording: {rows[0]['total']:.2f} s and {rows[-1]['total']:.2f} s. The scan of a "
        f"{wr['seconds'] / 3600:.0f}-hour file for quiet moments to cut chunks at (`audio.frame_energy`, decoding it "
        f"once) took {wr['scan']:.1f} s (median of {', '.join(f'{x:.1f}' for x in wr['scans'])} s) on one core: "
        "a local import does it before the file's chunks go out; on a cluster a worker does it "
        "(`transcription.cluster.workers.plan`), for the next file while the writer commits this one.",
    ]
    return "\n".join(lines), figures


def spread(*results: dict) -> float:
    return max(100 * (max(r["walls"]) - min(r["walls"])) / min(r["walls"]) for r in results)


def ray_version() -> str:
    import importlib.metadata

    return importlib.metadata.version("ray")


def measure(args) -> dict:
    load0 = os.getloadavg()[0]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as tmp:
        folder = Path(tmp)
        print("building the files ...", flush=True)
        files = build_files(folder)
        lengths = [duration(f) for f in files]
        audio = sum(lengths)
        print(f"throughput: {len(files)} files, {audio:.0f} s of audio", flush=True)
        tp = throughput(files, audio, args.runs, folder)
        print("overhead: Ray and actor start, the object store ...", flush=True)
        oh = overheads(files, folder, args.cycles, args.repeat)
        print("the single writer ...", flush=True)
        wr = writer(files, folder, args.writer)
    return dict(throughput=tp, overhead=oh, writer=wr, audio=audio, lengths=lengths, commit=commit,
                load=[load0, os.getloadavg()[0]], date=time.strftime("%Y-%m-%d"), runs=args.runs, repeat=args.repeat)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=2, help="throughput runs of each import (median)")
    ap.add_argument("--cycles", type=int, default=3, help="Ray + actor start cycles (median)")
    ap.add_argument("--repeat", type=int, default=3, help="object-store trips per file size (median)")
    ap.add_argument("--writer", type=int, default=8, help="recordings the single writer commits")
    ap.add_argument("--write-docs", action="store_true", help="write the Cluster section of docs/benchmarks.md")
    ap.add_argument("--save", metavar="JSON", help="keep the measured figures in this file")
    ap.add_argument("--load", metavar="JSON", help="report figures saved by --save instead of measuring")
    ap.add_argument("--child", nargs=2, metavar=("MODE", "JSON"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        mode, arg = args.child
        print(json.dumps({"overhead": overhead_child, "writer": writer_child}[mode](json.loads(arg))))
        return 0

    if args.load:
        saved = json.loads(Path(args.load).read_text())
    else:
        saved = measure(args)
        if args.save:
            Path(args.save).write_text(json.dumps(saved, indent=1))
    tp, oh, wr = saved["throughput"], saved["overhead"], saved["writer"]
    args.runs, args.repeat = saved["runs"], saved["repeat"]
    text, figures = report(saved["audio"], saved["lengths"], tp, oh, wr, args, saved["load"], saved["commit"],
                           saved["date"])
    text += "\n\n" + plan_text(figures)
    print()
    print(text)
    left = tp["local"]["left"] + tp["cluster"]["left"] + oh["left"] + wr["left"]
    if left:
        print(f"\nprocesses left behind: {left}", file=sys.stderr)
        return 1
    if args.write_docs:
        replace_section(ROOT / "docs" / "benchmarks.md", "## Cluster", "## Cluster\n\n" + text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
