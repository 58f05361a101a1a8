"""The paper plan for a 10,000-hour backlog on a Ray cluster, from bench/cluster.py's figures.

What is measured comes in ``figures`` (see bench/cluster.py's ``report``); what is assumed is
named here (GPU_RATE, UPLINK, a node's rate = its actors' rate) and said in the text.
"""

from __future__ import annotations

import math

HOUR_FORMATS = {  # bytes of one hour of audio
    "Opus 32 kb/s mono": 32_000 / 8 * 3600,
    "MP3 128 kb/s": 128_000 / 8 * 3600,
    "WAV 16 kHz mono 16-bit": 16_000 * 2 * 3600,
    "WAV 44.1 kHz stereo 16-bit": 44_100 * 4 * 3600,
}


def mb(n: float) -> str:
    return f"{n / 1e6:,.0f} MB" if n >= 1e7 else f"{n / 1e6:,.1f} MB"


BACKLOG_HOURS = 10_000
MEETING = 7200.0  # the backlog in 2-hour meetings
GPU_RATE = 100.0  # ASSUMED: audio seconds per second of one GPU actor with tiny.en (float16, beam 5)
# diarization alone, 2 threads, a quiet machine: docs/benchmarks.md "Speakers / Speed and memory"
DIARIZE_RTF = 0.022
UPLINK = 125e6  # ASSUMED: the client's network, bytes per second (1 Gb/s)
NODES = (  # (kind, Whisper actors per node as plan_slots makes them, rate of one node in actor-rates or GPU)
    ("2 cores, like this one", 2, 0), ("8 cores", 8, 0), ("16 cores", 16, 0), ("32 cores", 32, 0),
    ("8 cores + 1 GPU", 7, 1),
)


def chunks(length: float, actors: int) -> int:
    """How many chunks transcription.transcriber.plan_chunks cuts ``length`` s into for ``actors``."""
    from transcription.transcriber import MAX_CHUNK, MIN_CHUNK

    return min(max(math.ceil(length / MAX_CHUNK), 3 * actors), max(1, int(length // MIN_CHUNK)))


def file_wall(actor: float, count: int, cpu: int, gpu: int, f: dict, files: int = 30) -> tuple[float, float, float]:
    """(the client's serial work, its link, the steady time between two files) for 2-hour
    meetings on ``count`` nodes of ``cpu`` CPU and ``gpu`` GPU actors, as the import runs:
    each chunk to the actor free first, the earliest file's chunks first; as a file starts, as
    many next files as give every actor a chunk, and one more (up to ``MAX_AHEAD``), are sent and cut into
    chunks on workers (``f['scan']`` s each, side by side), and their chunks fill the actors
    that come free; the writer commits each file whole, in turn. Every node with a
    chunk pulls the file from the client (the worst case)."""
    from transcription.cluster.schedule import MAX_AHEAD

    actors = count * (cpu + gpu)
    n = chunks(MEETING, actors)
    piece = MEETING / n
    depth = min(MAX_AHEAD, -(-actors // n) + 1)
    speed = [GPU_RATE if k % (cpu + gpu) < gpu else actor for k in range(actors)]
    free = [0.0] * actors
    plan = f["scan"] + (f["send"] + f["copy"]) * OPUS_2H
    ready = {0: plan}  # file -> when its chunks can go out
    committed = 0.0
    ends = []
    for j in range(files):
        for ahead in range(j + 1, j + 1 + depth):  # planned as this file starts
            ready.setdefault(ahead, ready[j] + plan)
        done = 0.0
        for _ in range(n):  # each chunk to the actor that is free first, not before its file is planned
            k = min(range(actors), key=free.__getitem__)
            free[k] = max(free[k], ready[j]) + piece / speed[k]
            done = max(done, free[k])
        committed = max(committed, done) + f["writer_s"]
        ends.append(committed)
    link = min(count, n) * OPUS_2H / UPLINK
    steady = (ends[-1] - ends[files // 3]) / (files - 1 - files // 3)
    return f["writer_s"], link, max(steady, link, f["writer_s"])


OPUS_2H = 2 * HOUR_FORMATS["Opus 32 kb/s mono"]


def plan_text(f: dict) -> str:
    files = BACKLOG_HOURS * 3600 / MEETING
    writer_h = f["writer_s"] * files / 3600
    lines = [
        f"### A plan for {BACKLOG_HOURS:,} hours",
        "",
        f"The backlog as {files:,.0f} meetings of 2 hours (Opus 32 kb/s, {mb(OPUS_2H)} each). **Measured** here: one "
        f"Whisper actor (one core, tiny.en int8, beam 5) transcribes **{f['actor']:.1f} s of audio per second** (the "
        f"`--cluster local` rate after its start, over its 2 actors); the writer takes **{f['writer_s']:.1f} s** per "
        f"2-hour recording; the client's chunk scan {f['scan']:.1f} s and the media's trip "
        f"{(f['send'] + f['copy']) * OPUS_2H:.2f} s per file; Ray and the actors start once, in "
        f"{f['start']:.0f} s. **Assumed**, not measured: a node's rate is its actors' (one per core) times the "
        f"measured actor rate, a shared machine's slowness included (a quiet or newer CPU is faster); a GPU actor "
        f"does {GPU_RATE:.0f}× real time with tiny.en (no GPU here; faster-whisper's own figures give large-v2 about "
        f"14× real time on an RTX 3070 Ti, and tiny is ~30 times smaller); the client has a {UPLINK * 8 / 1e9:.0f} Gb/s link.",
        "",
        "The client's one writer commits one file at a time, but the actors do not wait for it: a file's chunks "
        "spread over every actor (about 3 per actor, none shorter than 45 s, so a 2-hour meeting is at most "
        f"{chunks(MEETING, 10_000)} chunks), and as a file starts the next files (as many as give every actor a "
        "chunk, and one more, up to 8) are sent and cut into chunks on workers, side by side "
        f"({f['scan']:.0f} s each, the scan measured here), while the writer commits; their chunks fill the actors "
        "that come free. The client's link is counted at its worst: every node that gets a chunk pulls the file "
        "from the client (Ray picks a random node holding a copy, so later pulls may come from other nodes). "
        "*Ideal* is the backlog ÷ the cluster's rate with every actor always busy; *as imported* simulates the "
        "import as it runs (30 files, the steady time between two).",
        "",
        "| nodes | Whisper actors | ideal wall time | wall time, as imported | per file: writer · client's link · steady time between files | writer busy |",
        "|---|---:|---:|---:|---|---:|",
    ]
    walls, busy = [], []
    for kind, cpu, gpu in NODES:
        for count in ((1, 10, 50, 100) if cpu == 2 else (5, 20, 50) if gpu == 0 else (1, 10, 50)):
            rate = count * (cpu * f["actor"] + gpu * GPU_RATE)
            serial, link, each = file_wall(f["actor"], count, cpu, gpu, f)
            walls.append(files * each)
            busy.append(f["writer_s"] / each)
            lines.append(f"| {count} × {kind} | {count * (cpu + gpu):,} | {duration_text(BACKLOG_HOURS * 3600 / rate)} | "
                         f"{duration_text(files * each)} | {serial:.1f} s · {link:.1f} s · {each:.1f} s | "
                         f"{f['writer_s'] / each:.0%} |")
    per_min = 60 / f["writer_s"]
    keeps_up = per_min * MEETING / 60 / f["actor"]  # actors whose recordings the writer absorbs, all busy
    made = {kind: count * (cpu * f["actor"] + gpu * GPU_RATE) * 60 / MEETING
            for kind, count, cpu, gpu in (("100 nodes of 2 cores", 100, 2, 0), ("20 of 32 cores", 20, 32, 0),
                                          ("50 of 32 cores", 50, 32, 0), ("50 GPU nodes", 50, 7, 1))}
    lines += [
        "",
        f"**The single writer is not the bottleneck.** It absorbs **{per_min:.0f} two-hour recordings a minute** "
        f"({per_min * 2:.0f} hours of audio per minute); the whole backlog's commits and indexing take "
        f"{writer_h:.1f} h of its time, and works at most {max(busy):.0%} of the wall time (the *writer busy* "
        "column). What limits the largest clusters is the client's link (worst case: every node pulls every file "
        "from it) and, with up to 8 files planned ahead, the wait for the next files' cut, so no cluster in the "
        f"table gets below {duration_text(min(walls))}. A cluster with every actor busy makes recordings at its rate ÷ 7,200 s: "
        + ", ".join(f"{kind} {n:.1f} a minute" for kind, n in made.items())
        + f". The writer keeps up with about {keeps_up:,.0f} busy actors at the measured actor rate. Each file's "
        f"cut into chunks ({f['scan']:.0f} s of one worker core a file) runs on a worker, not on the archive's "
        "machine; it is about 1.5 % of a 2-hour file's transcription on one core, left out of the ideal.",
    ]
    serial_days = BACKLOG_HOURS * DIARIZE_RTF / 24
    lines += [
        "",
        f"**Speakers** are not in this plan (all of it is `--no-speakers`). With them, the cluster has one diarizer "
        "actor (`ClusterDiarizer`), which finds the speakers of a whole file while the Whisper actors wait, file "
        f"after file: at the {DIARIZE_RTF}× real time measured for diarization alone on 2 threads (\"Speakers\" above; "
        f"a bigger node may do better, not measured) that adds {BACKLOG_HOURS * DIARIZE_RTF:,.0f} hours "
        f"({serial_days:.0f} days) to any cluster's wall time. For a backlog, import with `--no-speakers` and run "
        "`council-archive diarize` later, or spread the diarizer over the nodes.",
    ]
    return "\n".join(lines + [""] + sizing(f))


def sizing(f: dict) -> list[str]:
    from transcription.cluster.schedule import MAX_AHEAD

    keep = MAX_AHEAD + 2  # transcription.cluster.connection.Cluster.media
    lines = [
        "### Object store and disk",
        "",
        f"The client keeps the bytes of at most {keep} files in its object store (the files planned ahead, as many "
        f"as give every actor a chunk and one more, up to {MAX_AHEAD}; the one transcribed; the one whose speakers "
        "are found), each sent once whatever name it has. Each node that runs a chunk pulls "
        "one copy into its own object store, and each actor writes the file to its node's temporary folder "
        "(`LocalCopy`, one per actor process: a 32-core node holds 32 copies). Ray's object store is 30 % of a "
        "node's RAM by default and spills to disk beyond it; a file is freed once no task holds it. "
        f"Read + `ray.put` measured {f['send'] * 1e9:.2f} s per GB, the worker's `ray.get` + copy "
        f"{f['copy'] * 1e9:.2f} s per GB on this machine.",
        "",
        f"| format | per hour | a 2-hour file | client object store (up to {keep} files) | temporary disk, 32-core node | "
        f"from the client to 50 nodes, worst case, at {UPLINK * 8 / 1e9:.0f} Gb/s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    formats = dict(HOUR_FORMATS, **{"video, MP4 720p ~1.5 Mb/s": 1.6e6 / 8 * 3600})
    for name, hour in formats.items():
        two = 2 * hour
        lines.append(f"| {name} | {mb(hour)} | {mb(two)} | {mb(keep * two)} | {mb(32 * two)} | "
                     f"{mb(50 * two)}, {duration_text(50 * two / UPLINK)} |")
    lines += [
        "",
        "Worst case: every node pulls the file from the client (Ray may serve later pulls from nodes that have it). "
        "At 50 nodes a WAV backlog would spend longer on the client's link than on transcription: convert to Opus "
        "first, or give the workers the archive's folder (`--shared-path`).",
    ]
    return lines


def duration_text(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 3 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"
