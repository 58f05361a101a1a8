"""Benchmark: speaker diarization (senko behind transcription.diarize) on real voices.

Not a test. On recordings built from the real voices in ../shared/audio and the demo
meeting's synthetic voices (tests/voices.py) it measures:

- DER (collar 0.25 s, overlap scored; bench/der.py) on the project's multi-voice
  recordings, on 64 recordings of the naming cases (rooms, noise, brief speakers) and on
  long meetings built so that no audio repeats as it was (10 min: spectral clustering;
  25 min: UMAP + HDBSCAN), each with senko's own clustering and with the shipped one;
- named voices across recordings (bench/speakers_naming.py): each rule step on its own,
  a threshold sweep, and the threshold chosen;
- speed and memory of diarization alone, each run in a fresh process: real-time factor
  with one thread and with all cores, first load with a cold and a warm numba cache, and
  the peak (VmHWM) of a 4-hour meeting;
- with ``--import``: a real ``council-archive import`` of a 10-minute multi-voice meeting
  with and without speakers (real-time factors).

    .venv/bin/python bench/speakers.py               # everything (~40 minutes on 2 shared cores)
    .venv/bin/python bench/speakers.py --quick       # DER and naming only
    .venv/bin/python bench/speakers.py --write-docs  # also write "## Speakers" in docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
# bench/ would shadow installed packages (bench/coverage.py; numba imports coverage): its
# modules are loaded from their files instead of from sys.path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def bench_module(name: str):
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


import voices  # noqa: E402
from transcription.diarize.voices import MATCH_THRESHOLD  # noqa: E402

benchlib = bench_module("benchlib")
der = bench_module("der").der
naming = bench_module("speakers_naming")
report_module = bench_module("speakers_report")

SHARED = ROOT.parent / "shared" / "audio"
SHIPPED, SENKO = naming.RULES[-1], naming.RULES[0]
REPEAT = 3  # speed runs of the short meeting at each thread count (the cores are shared: times vary)


def demo_mix(start: float = 0.0, end: float | None = None) -> voices.Mix:
    """The project's synthetic demo meeting (espeak voices), with its script's times."""
    script = json.loads((ROOT / "archive" / "demo" / "council_meeting.json").read_text())
    audio = voices.decode(ROOT / "archive" / "demo" / "council_meeting.opus")
    end = len(audio) / voices.RATE if end is None else end
    mix = voices.Mix(audio[int(start * voices.RATE): int(end * voices.RATE)])
    mix.reference = [(ln["start"] - start, ln["end"] - start, ln["speaker"]) for ln in script["lines"]
                     if start <= ln["start"] and ln["end"] <= end]
    return mix


def scored(diarizer, found, reference, rules) -> tuple[dict, int]:
    turns, info = naming.voices_of(naming.recluster(diarizer, found, rules), rules, diarizer.join_gap)
    return der(reference, [(t.start, t.end, t.speaker) for t in turns]), info.num_speakers


def der_rows(diarizer) -> list[dict]:
    configs = [
        ("2 voices, 4 turns (Kennedy, LJ reader)", voices.two_voices(SHARED)),
        ("3 voices, 3 turns (Kennedy, LJ, LibriVox)", voices.three_voices(SHARED)),
        ("4 voices, 9 turns (Kennedy, LJ, LibriVox, Harvard)", voices.four_voices(SHARED)),
        ("stereo_diarization.wav mixed to mono (2 voices, overlapping)", voices.stereo(SHARED)),
        ("demo meeting (synthetic espeak voices)", demo_mix()),
    ]
    rows = []
    for name, mix in configs:
        found = diarizer.analyse(mix.audio)
        before, _ = scored(diarizer, found, mix.reference, SENKO)
        score, count = scored(diarizer, found, mix.reference, SHIPPED)
        rows.append(dict(name=name, duration=mix.duration, people=len(mix.people), found=count, before=before["der"], **score))
        print(f"{name}: DER {before['der']:.1%} -> {score['der']:.1%} ({count}/{len(mix.people)} speakers)", flush=True)
    return rows


HELD_OUT = 100  # first seed of the held-out real cases (the rules were developed on seeds 0..cases-1)


def naming_results(diarizer, cases: int) -> dict:
    """Every rule step on the development cases; the shipped rules and the step before also
    on as many held-out cases (other cuts, rooms and levels of the same people) that played
    no part in choosing them, plus leave-one-out over the development cases."""
    material = voices.material(SHARED)
    real = naming.analyses(diarizer, "real", range(cases), material)
    synthetic = naming.analyses(diarizer, "synthetic", range(max(5, cases * 5 // 8)), voices.demo_material(ROOT))
    out = {}
    for kind, found in (("real", real), ("synthetic", synthetic)):
        out[kind] = [naming.evaluate(diarizer, found, rules) for rules in naming.RULES]
        out[kind + "_cases"] = len(found)
        print(f"{kind}: " + "; ".join(f"{r['rules']}: DER {r['der']:.1%}" for r in out[kind]), flush=True)
    held = naming.analyses(diarizer, "real", range(HELD_OUT, HELD_OUT + cases), material)
    out["held_out"] = [naming.evaluate(diarizer, held, rules) for rules in naming.RULES[-2:]]
    out["leave_one_out"] = [naming.leave_one_out(r) for r in out["real"][-2:]]
    out["rule_threshold"] = naming.choose_threshold(out["real"][-1])
    for r in out["held_out"] + out["real"]:
        r.pop("per_case"), r.pop("case_impostor")  # kept out of the saved results (only leave-one-out needs them)
    return out


# === long meetings, speed, memory: each diarization in a fresh process ======================


def build_meeting(folder: Path, minutes: float, seed: int) -> Path:
    path = folder / f"meeting-{minutes:g}min-{seed}.wav"
    if path.exists():
        return path
    material = dict(voices.material(SHARED))
    material.update(voices.demo_material(ROOT))
    mix = voices.meeting(material, minutes, seed)
    mix.write(path)
    path.with_suffix(".json").write_text(json.dumps(dict(reference=mix.reference, people=len(mix.people))))
    return path


def child(path: str, threads: int) -> None:
    """In a fresh process: load, warm, diarize ``path``; print one JSON line."""
    from transcription.diarize import load_diarizer

    t0 = time.perf_counter()
    diarizer = load_diarizer(threads=threads)
    loaded = time.perf_counter() - t0
    diarizer.warm()
    out = dict(load=loaded, load_and_warm=time.perf_counter() - t0)
    if path:
        t1 = time.perf_counter()
        found = diarizer.analyse(path)
        out.update(seconds=time.perf_counter() - t1, duration=found.duration, pieces=len(found.pieces))
        for key, rules in (("turns", SHIPPED), ("senko_turns", SENKO)):
            turns, info = naming.voices_of(naming.recluster(diarizer, found, rules), rules, diarizer.join_gap)
            out[key] = [(t.start, t.end, t.speaker) for t in turns]
            out[key.replace("turns", "found")] = info.num_speakers
    out["peak_rss_mb"] = benchlib.proc_kb("/proc/self/status", "VmHWM:") / 1024  # ru_maxrss keeps the parent's peak
    print(json.dumps(out))


def run_child(path: str, threads: int, env: dict | None = None) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", path, "--threads", str(threads)],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=4 * 3600)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip().splitlines()[-1])
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    if path:
        truth = json.loads(Path(path).with_suffix(".json").read_text())
        reference = [tuple(r) for r in truth["reference"]]
        out.update(people=truth["people"], der=der(reference, out.pop("turns")),
                   senko_der=der(reference, out.pop("senko_turns")), threads=threads,
                   rtf=out["seconds"] / out["duration"])
    return out


def long_runs(folder: Path, minutes: float, long_minutes: float, hours: float) -> dict:
    cold_env = dict(os.environ, XDG_CACHE_HOME=str(folder / "cold-cache"))
    out = dict(cold=run_child("", 1, env=cold_env), warm=run_child("", 1, env=cold_env), runs=[])
    plan = [(minutes, 0, 0), (minutes, 0, 1)] * REPEAT + [(long_minutes, 1, 0)] + ([(hours * 60, 4, 0)] if hours else [])
    for length, seed, threads in plan:
        path = build_meeting(folder, length, seed)
        load = os.getloadavg()[0]
        r = run_child(str(path), threads)
        r.update(cores=threads or os.cpu_count(), load=load)
        out["runs"].append(r)
        print(f"{length:g} min meeting, {r['cores']} thread(s): {r['rtf']:.3f}x real time, DER {r['senko_der']['der']:.1%} "
              f"-> {r['der']['der']:.1%}, {r['found']}/{r['people']} speakers, peak {r['peak_rss_mb']:.0f} MB", flush=True)
        if length >= 60:
            path.unlink()
    return out


def import_runs(folder: Path, minutes: float) -> dict:
    """A real ``council-archive import`` of a multi-voice meeting, without and with speakers."""
    path = build_meeting(folder, minutes, 5)
    out = {"minutes": minutes}
    for key, extra in (("without", ["--no-speakers"]), ("with", [])):
        archive = folder / f"archive-{key}"
        cmd = [sys.executable, "-m", "desktop.launcher", "--archive", str(archive), "import", str(path), *extra]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=4 * 3600)
        seconds = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(f"import {key} speakers: " + (proc.stderr.strip().splitlines() or ["failed"])[-1])
        out[key] = dict(seconds=seconds, rtf=seconds / (minutes * 60))
        print(f"import {key} speakers: {seconds:.0f} s ({out[key]['rtf']:.3f}x real time)", flush=True)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="DER and naming only (no runs in fresh processes)")
    parser.add_argument("--cases", type=int, default=32, help="naming cases of real voices (synthetic: 5/8 as many)")
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the speed meeting")
    parser.add_argument("--long-minutes", type=float, default=25.0, help="a meeting long enough for UMAP + HDBSCAN")
    parser.add_argument("--hours", type=float, default=4.0, help="the memory meeting (0: skip)")
    parser.add_argument("--import", dest="import_", action="store_true", help="also time real imports")
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument("--from-json", type=Path, help="only print (and --write-docs) the report of saved results")
    parser.add_argument("--reuse", type=Path, help="take DER and naming from saved results; run the rest again")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        child(args.child, args.threads)
        return 0
    if args.from_json:
        results = json.loads(args.from_json.read_text())
    else:
        if not (SHARED / "jfk.wav").exists():
            print(f"real speech clips not found at {SHARED}", file=sys.stderr)
            return 2
        from transcription.diarize import load_diarizer

        if args.reuse:
            results = {k: v for k, v in json.loads(args.reuse.read_text()).items() if k in ("machine", "der", "naming")}
        else:
            diarizer = load_diarizer(threads=1)
            results = dict(machine=benchlib.machine(), der=der_rows(diarizer), naming=naming_results(diarizer, args.cases))
        results["threshold"] = MATCH_THRESHOLD
        with tempfile.TemporaryDirectory() as tmp:
            if not args.quick:
                results["long"] = long_runs(Path(tmp), args.minutes, args.long_minutes, args.hours)
            if args.import_:
                results["import"] = import_runs(Path(tmp), args.minutes)
    text = report_module.report(results)
    print(text)
    if args.json and not args.from_json:
        args.json.write_text(json.dumps(results, indent=1))
    if args.write_docs:
        report_module.write_docs(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
