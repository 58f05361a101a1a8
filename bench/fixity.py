"""Fixity benchmark: the audit's hashing (``archive.media.sha256_of``, what
``council-archive fixity`` reads every file with) against ``sha256sum`` on the same files.

Writes ``--files`` files of ``--mib`` MiB of random bytes, then times, alternately and
``--runs`` times each, ``sha256sum`` over all of them (one process) and ``sha256_of`` over
each (this process), and reports the median throughput of each and their ratio
(sha256sum's time / ours: 1.0 is as fast). Goal: >= 0.9x, so an audit takes the time the
disk allows.

Page cache, stated in the table: ``warm`` reads the files once before timing (they fit in
RAM, so both read from memory: the hashing alone is compared); ``cold`` drops each file's
pages (``posix_fadvise(DONTNEED)``, no root needed) before every timed read, so both read
from the disk.

    .venv/bin/python bench/fixity.py [--files 4] [--mib 256] [--runs 5] [--write docs/benchmarks.md]

Not a test: it prints a table. Exit status 1 if the warm ratio misses 0.9.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from archive import media  # noqa: E402
from benchlib import machine, replace_section  # noqa: E402  (bench/ is the script's folder)

GOAL = 0.9


def make_files(folder: Path, n: int, mib: int) -> list[Path]:
    paths = []
    for i in range(n):
        path = folder / f"media{i}.bin"
        with open(path, "wb") as fh:
            for _ in range(mib):
                fh.write(os.urandom(1 << 20))
        paths.append(path)
    return paths


def drop_cache(paths: list[Path]) -> None:
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def time_sha256sum(paths: list[Path], cold: bool) -> tuple[float, list[str]]:
    if cold:
        drop_cache(paths)
    start = time.perf_counter()
    out = subprocess.run(["sha256sum", *map(str, paths)], capture_output=True, text=True, check=True).stdout
    return time.perf_counter() - start, [line.split()[0] for line in out.splitlines()]


def time_ours(paths: list[Path], cold: bool) -> tuple[float, list[str]]:
    if cold:
        drop_cache(paths)
    start = time.perf_counter()
    digests = [media.sha256_of(p) for p in paths]
    return time.perf_counter() - start, digests


def measure(paths: list[Path], runs: int, cold: bool) -> dict:
    total = sum(p.stat().st_size for p in paths)
    if not cold:
        time_ours(paths, False)  # into the page cache
    theirs, ours = [], []
    for _ in range(runs):  # alternated, so a busy moment of the machine hits both
        t, expect = time_sha256sum(paths, cold)
        theirs.append(t)
        t, got = time_ours(paths, cold)
        ours.append(t)
        assert got == expect, "sha256_of and sha256sum disagree"
    t_theirs, t_ours = statistics.median(theirs), statistics.median(ours)
    return {"cache": "cold" if cold else "warm", "theirs": total / t_theirs / 1e6, "ours": total / t_ours / 1e6,
            "ratio": t_theirs / t_ours}


def tools() -> str:
    import ssl

    coreutils = subprocess.run(["sha256sum", "--version"], capture_output=True, text=True).stdout.splitlines()[:1]
    return f"`{coreutils[0] if coreutils else 'sha256sum'}`; Python's hashlib on {ssl.OPENSSL_VERSION}."


def table(rows: list[dict], args, load: str) -> str:
    lines = [
        "## Fixity",
        "",
        f"`bench/fixity.py --files {args.files} --mib {args.mib} --runs {args.runs}`: {args.files} files of "
        f"{args.mib} MiB of random bytes, `archive.media.sha256_of` (hashlib, {media.HASH_BLOCK >> 20} MiB "
        "`readinto` a reused buffer: what `council-archive fixity` hashes with) against `sha256sum` on the "
        f"same files, median of {args.runs} alternated runs. Ratio = sha256sum's time / ours (goal >= {GOAL}x). "
        "*warm*: the files are in the page cache (the hashing alone); *cold*: each file's pages dropped "
        "(`posix_fadvise(DONTNEED)`) before every read, so both read the disk.",
        "",
        f"Machine: {machine()}; load average {load} (other work shared the 2 cores). {tools()}",
        "",
        "| page cache | sha256sum MB/s | sha256_of MB/s | ratio |",
        "|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['cache']} | {r['theirs']:.0f} | {r['ours']:.0f} | {r['ratio']:.2f}x |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--mib", type=int, default=256)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-cold", action="store_true", help="only the warm page cache")
    parser.add_argument("--write", metavar="MD", help="replace the ## Fixity section of this Markdown file")
    args = parser.parse_args()
    if shutil.which("sha256sum") is None:
        print("bench/fixity.py: sha256sum is not on PATH", file=sys.stderr)
        return 2
    folder = Path(tempfile.mkdtemp(prefix="fixity-bench-"))
    try:
        paths = make_files(folder, args.files, args.mib)
        rows = [measure(paths, args.runs, cold=False)]
        if not args.no_cold:
            rows.append(measure(paths, args.runs, cold=True))
    finally:
        shutil.rmtree(folder)
    text = table(rows, args, " / ".join(f"{x:.1f}" for x in os.getloadavg()))
    print(text)
    if args.write:
        replace_section(Path(args.write), "## Fixity", text)
    return 0 if rows[0]["ratio"] >= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
