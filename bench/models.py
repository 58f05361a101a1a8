"""Benchmark: the Whisper models on this machine (``council-archive models list``).

Not a test. For each model and compute type, a fresh process transcribes the demo meeting
(language given: no detection) and reports the real-time factor, peak memory and WER
against the script. For each multilingual model, a fresh process measures what hearing a
recording's language costs (loading the model, then detecting the language of the demo's
first two minutes): what an import with an English-only model pays per recording once a
multilingual model is registered (transcription.languages).

    .venv/bin/python bench/models.py                          # every registered model, compute type auto
    .venv/bin/python bench/models.py --compute-types int8,float32
    .venv/bin/python bench/models.py --random-multilingual    # + the tests' random-weight checkpoint (detection only)
    .venv/bin/python bench/models.py --write-docs             # also update docs/benchmarks.md "## Models"
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

from benchlib import machine, replace_section  # noqa: E402
from transcribe import make_audio, run_code  # noqa: E402  (bench/transcribe.py)

TRANSCRIBE = r"""
import json, sys, time
sys.path.insert(0, {root!r})
from archive.models_registry import options_for
from transcription.transcriber import Transcriber
if __name__ == "__main__":
    t0 = time.perf_counter()
    engine, opts = options_for({model!r}, None, "auto", {compute!r}, "en", workers={workers})
    with Transcriber(engine, opts, cache_dir={cache!r}) as t:
        segs, info = t.transcribe({path!r})
        text = " ".join(s.text for s in segs if not s.flag)
    print(json.dumps({{"seconds": time.perf_counter() - t0, "text": text, "duration": info.duration,
                      "device": opts.device, "compute": opts.compute_type}}))
"""

DETECT = r"""
import json, sys, time
sys.path.insert(0, {root!r})
from transcription import audio
from transcription.languages import detect
from transcription.transcriber import build_engine
from transcription.types import TranscribeOptions
if __name__ == "__main__":
    t0 = time.perf_counter()
    engine = build_engine({engine!r}, TranscribeOptions(model={path!r}), {cache!r})
    t1 = time.perf_counter()
    language, p = detect(engine, {audio!r}, audio.probe({audio!r}).duration)
    print(json.dumps({{"load": t1 - t0, "detect": time.perf_counter() - t1, "language": language}}))
"""


def main() -> int:
    from archive import models_registry
    from wer import wer

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--compute-types", default="auto", help="comma-separated, e.g. int8,float32")
    ap.add_argument("--workers", type=int, default=0, help="worker processes (0: one per core)")
    ap.add_argument("--random-multilingual", action="store_true",
                    help="also time detection with tests/random_whisper.py's checkpoint (the plumbing, not a real model)")
    ap.add_argument("--write-docs", action="store_true")
    args = ap.parse_args()

    found = models_registry.models()
    rows, detections = [], []
    with tempfile.TemporaryDirectory() as tmp:
        audio, script = make_audio(1, Path(tmp))
        cache = str(Path(tmp) / "cache")
        for model in found:
            for compute in args.compute_types.split(","):
                code = TRANSCRIBE.format(root=str(ROOT), model=model.name, compute=compute, workers=args.workers,
                                         cache=cache, path=str(audio))
                r = run_code(code, model.name)
                rows.append({**r, "name": model.name, "engine": model.engine, "wer": wer(script, r["text"])})
                print(f"{model.name:20} {r['compute']:8} RTF {r['seconds'] / r['duration']:.3f}  "
                      f"peak {r['peak_mb']:.0f} MB  WER {rows[-1]['wer']:.3f}", flush=True)
        multilingual = [(m.name, m.engine, m.path) for m in found if m.multilingual]
        if args.random_multilingual:
            from random_whisper import random_checkpoint

            path = random_checkpoint(Path(tmp) / "random-multilingual.pt")
            multilingual.append(("random weights, tiny layers (tests)", "openai-whisper", str(path)))
        for name, engine, path in multilingual:
            code = DETECT.format(root=str(ROOT), engine=engine, path=path, cache=cache, audio=str(audio))
            detections.append({**run_code(code, name), "name": name})
            print(f"detect with {name}: load {detections[-1]['load']:.1f} s, detect {detections[-1]['detect']:.1f} s",
                  flush=True)

    lines = [
        "## Models", "",
        f"Measured with `bench/models.py`. Audio: the demo meeting ({rows[0]['duration']:.0f} s), language given (en).",
        f"Machine: {machine()}. One run each, a fresh process (model load included).", "",
        "| model | engine | device, compute type | real-time factor | peak memory | WER vs script |",
        "|---|---|---|---:|---:|---:|",
    ]
    lines += [f"| {r['name']} | {r['engine']} | {r['device']}, {r['compute']} | {r['seconds'] / r['duration']:.3f}× | "
              f"{r['peak_mb']:.0f} MB | {r['wer'] * 100:.1f} % |" for r in rows]
    if detections:
        lines += ["", "Hearing a recording's language (what an English-only model's import adds per recording when "
                      "a multilingual model is registered):", "",
                  "| multilingual model | load | detect (first 2 min) | peak memory |", "|---|---:|---:|---:|"]
        lines += [f"| {d['name']} | {d['load']:.1f} s | {d['detect']:.1f} s | {d['peak_mb']:.0f} MB |" for d in detections]
    if len(found) == 1:
        lines += ["", "Only the bundled tiny.en is on this machine (no bigger or multilingual weights, and nothing may "
                      "be downloaded), so what is compared is tiny.en's compute types; each registered model gets its "
                      "own rows (`models add PATH`, then run this again)."]
    if args.random_multilingual:
        lines += ["The random-weight row times the plumbing of hearing a language (decoding two minutes, the VAD, a "
                  "one-layer encoder), not a real model: a real multilingual model adds its own load time and one "
                  "encoder pass per 30-second window (up to three)."]
    lines += ["", f"Load average when it finished: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
                  "(other jobs on a shared machine inflate times; WER does not depend on them)."]
    table = "\n".join(lines)
    print("\n" + table)
    if args.write_docs:
        replace_section(ROOT / "docs" / "benchmarks.md", "## Models", table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
