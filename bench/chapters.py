"""Chapters and votes measured on meetings whose item starts are known.

Synthetic captioned meetings (tests/meetings.py: the chair takes items up by number, by
title, with "next item", with part of the title only, a cue split over two captions; talk
between items naming later items; votes with counts, roll calls, voice votes) go through
the real import path, each with its agenda in one of the formats the archive reads (txt,
Markdown, DOCX, a PDF with a text layer) lying beside the media; the same meetings go into
a second archive without agendas (automatic chapters). The project's demo meeting, the
real recording transcribed by Whisper, is measured too (``--no-whisper`` leaves it out).

- chapters: share of agenda items whose chapter starts within 10 s of where the item is
  taken up (goal >= 90 %); share of items an automatic chapter starts within 10 s of;
- votes: precision of the counts read (goal 100 %) and recall (votes whose counts were said
  or called by roll, read right); results read.

    .venv/bin/python bench/chapters.py [--meetings 24] [--no-whisper]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from archive.cli import main as cli  # noqa: E402
from meetings import meeting, silent_media, within, write_agenda, write_srt  # noqa: E402

FORMATS = (".txt", ".md", ".docx", ".pdf")


def _json(archive: Path, *args: str):
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli(["--archive", str(archive), *args, "--json"]) == 0
    return json.loads(out.getvalue())


def _quiet_import(archive: Path, *args: str) -> None:
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert cli(["--archive", str(archive), "import", "--no-speakers", *args]) == 0


def synthetic(n: int, work: Path) -> dict:
    rows = {fmt: [0, 0] for fmt in FORMATS}
    auto = [0, 0]
    votes = {"read": 0, "right": 0, "said": 0, "found": 0, "results": 0, "results_right": 0, "votes": 0}
    align_time = 0.0
    for seed in range(n):
        m = meeting(seed)
        fmt = FORMATS[seed % len(FORMATS)]
        folder = work / f"m{seed}"
        folder.mkdir()
        media = silent_media(folder / "meeting.opus", m.duration)
        write_srt(folder / "meeting.srt", m.cues)
        write_agenda(folder / f"meeting{fmt}", m.items)
        started = time.perf_counter()
        _quiet_import(work / "with_agenda", str(media))
        align_time += time.perf_counter() - started
        rid = seed + 1
        chapters = {c["item"]: c["start"] for c in _json(work / "with_agenda", "chapters", str(rid))}
        rows[fmt][0] += sum(within(chapters.get(num), t) for (num, _), t in zip(m.items, m.starts))
        rows[fmt][1] += len(m.items)
        for v in _json(work / "with_agenda", "votes", str(rid)):
            said = min(m.votes, key=lambda s: abs(s["start"] - v["start"])) if m.votes else None
            near = said is not None and abs(said["start"] - v["start"]) < 60
            if v["yes"] is not None:
                votes["read"] += 1
                votes["right"] += near and (said["yes"], said["no"]) == (v["yes"], v["no"])
            if v["result"] is not None:
                votes["results"] += 1
                votes["results_right"] += near and said["result"] == v["result"]
        votes["said"] += sum(s["yes"] is not None for s in m.votes)
        votes["votes"] += len(m.votes)
        plain = folder / "plain"
        plain.mkdir()
        (plain / "meeting.opus").write_bytes(media.read_bytes())
        _quiet_import(work / "without", str(plain / "meeting.opus"), "--captions", str(folder / "meeting.srt"))
        found = [c["start"] for c in _json(work / "without", "chapters", str(rid))]
        auto[0] += sum(any(within(f, t) for f in found) for t in m.starts)
        auto[1] += len(m.starts)
    return {"formats": rows, "automatic": auto, "votes": votes, "import_seconds": align_time}


def demo(work: Path) -> dict:
    """The demo meeting through Whisper, then its agenda."""
    meta = json.loads((ROOT / "archive" / "demo" / "council_meeting.json").read_text())
    lines = meta["lines"]
    truth = {k: next(line["start"] for line in lines if cue in line["text"]) for k, cue in
             (("1", "come to order"), ("2", "first item"), ("3", "public comment"), ("4", "adjourned"))}
    archive = work / "demo"
    _quiet_import(archive, str(ROOT / "archive" / "demo" / "council_meeting.opus"))
    auto = [c["start"] for c in _json(archive, "chapters", "1")]
    agenda = work / "demo_agenda.txt"
    agenda.write_text("1. Call to order\n2. Regional camera program\n3. Public comment\n4. Adjournment\n")
    _json(archive, "agenda", "1", str(agenda))
    chapters = {c["item"]: c["start"] for c in _json(archive, "chapters", "1")}
    return {"agenda": sum(within(chapters.get(k), t) for k, t in truth.items()), "items": len(truth),
            "automatic": sum(any(within(f, t) for f in auto) for t in truth.values()),
            "votes": _json(archive, "votes", "1")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meetings", type=int, default=24)
    parser.add_argument("--no-whisper", action="store_true")
    args = parser.parse_args()
    from benchlib import machine

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        result = synthetic(args.meetings, work)
        print(f"machine: {machine()}")
        print(f"{args.meetings} synthetic meetings, {sum(t for _, t in result['formats'].values())} items\n")
        print("| agenda format | items | chapter starts within 10 s |\n|---|---:|---:|")
        total = [0, 0]
        for fmt, (ok, n) in result["formats"].items():
            total[0] += ok
            total[1] += n
            print(f"| {fmt.lstrip('.')} | {n} | {ok / n:.1%} |")
        print(f"| **all** | {total[1]} | **{total[0] / total[1]:.1%}** |")
        ok, n = result["automatic"]
        print(f"\nwithout an agenda: {ok / n:.1%} of item starts have an automatic chapter within 10 s ({ok}/{n})")
        v = result["votes"]
        print(f"votes: {v['votes']} held, {v['said']} with counts said or called by roll; counts read {v['read']}, "
              f"right {v['right']}: precision {v['right'] / max(v['read'], 1):.1%}, recall {v['right'] / max(v['said'], 1):.1%}; "
              f"results read {v['results']} of {v['votes']}, right {v['results_right']}")
        print(f"import with agenda (captions, {args.meetings} meetings): {result['import_seconds']:.1f} s in all")
        if not args.no_whisper:
            d = demo(work)
            print(f"\ndemo meeting (Whisper): {d['agenda']}/{d['items']} agenda chapters within 10 s; "
                  f"automatic {d['automatic']}/{d['items']}; votes {d['votes']}")


if __name__ == "__main__":
    main()
