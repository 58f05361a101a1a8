"""``diarize``, ``speakers`` and ``roster``: who said it, from the command line; and the
speaker options ``import`` and ``resume`` share (:data:`SPEAKER_ARGS`)."""

from __future__ import annotations

import argparse
import sys
from typing import Optional

from archive.cli.cluster import CLUSTER_ARGS, diarize_worker
from archive.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    JSON,
    CommandError,
    Commands,
    UsageError,
    arg,
    arg_group,
    open_archive,
    print_json,
    recording_id,
    say,
)
from archive.progress import ProgressBar

commands = Commands()
register = commands.register

COUNT_FLAGS = (("speakers", "num_speakers"), ("min-speakers", "min_speakers"), ("max-speakers", "max_speakers"))
COUNT_ARGS = arg_group(
    arg("--speakers", metavar="N", help="how many people speak, when known"),
    arg("--min-speakers", metavar="N", help="at least this many people speak"),
    arg("--max-speakers", metavar="N", help="at most this many people speak"),
)
SPEAKER_ARGS = arg_group(
    COUNT_ARGS,
    arg("--no-speakers", action="store_true", help="do not find who spoke (`council-archive diarize` adds it later)"),
)
SPEAKERS_USAGE = ("speakers ID [--json] | speakers name ID LABEL NAME [--here-only] | speakers confirm ID LABEL | "
                  "speakers reject ID LABEL | speakers merge ID LABEL OTHER")
ROSTER_USAGE = "roster [list] [--json] | roster rename OLD NEW | roster remove NAME | roster accept NAME"


def speaker_options(args: argparse.Namespace, *, given_only: bool = False):
    """The :class:`archive.diarizing.SpeakerOptions` the flags ask for (a bad count: one
    line, exit 2). ``given_only``: None when no speaker flag was given (``resume`` then
    does what each job's import asked)."""
    from archive.diarizing import SpeakerOptions
    from transcription.diarize import SpeakerCountError

    counts = {}
    for flag, key in COUNT_FLAGS:
        raw = getattr(args, flag.replace("-", "_"), None)
        if raw is None:
            continue
        try:
            counts[key] = int(raw)
        except ValueError:
            raise UsageError(f"--{flag} must be a whole number of at least 1, not {raw!r}") from None
    off = getattr(args, "no_speakers", False)
    if off and counts:
        raise UsageError("--no-speakers cannot go with --speakers, --min-speakers or --max-speakers")
    if given_only and not counts and not off:
        return None
    try:
        return SpeakerOptions(enabled=not off, **counts)
    except SpeakerCountError as exc:
        raise UsageError(str(exc)) from None


def _diarizer():
    from archive.diarizing import shared_diarizer
    from transcription.diarize import DiarizerUnavailable

    try:
        diarizer = shared_diarizer()
    except DiarizerUnavailable as exc:
        raise CommandError(str(exc)) from None
    diarizer.warm()  # numba compiles once per machine (cached), seconds after
    return diarizer


@commands.command("diarize", help="find who spoke in recordings imported earlier (never changes a speaker a person set)")
@arg("ids", nargs="*", type=recording_id, metavar="ID")
@arg("--all", action="store_true", help="every recording not diarized yet (with --redo: every recording)")
@COUNT_ARGS
@arg("--redo", action="store_true", help="find the speakers again; names people gave carry over to matching voices")
@CLUSTER_ARGS
@JSON
def cmd_diarize(args: argparse.Namespace) -> int:
    if bool(args.ids) == bool(args.all):
        raise UsageError("give recording IDs or --all (not both)")
    options = speaker_options(args)
    from archive.speakers import diarize_recordings

    with diarize_worker(args, _diarizer) as diarizer, open_archive(args) as archive:
        ids = args.ids or [r.id for r in reversed(archive.catalog.recordings())]
        bars: dict[int, tuple[ProgressBar, float]] = {}

        def progress(rid: int, fraction: float) -> None:
            if rid not in bars:
                total = archive.catalog.recording(rid).duration or 0.0
                bars[rid] = (ProgressBar(total=total, label=f"#{rid} speakers"), total)
            bar, total = bars[rid]
            bar.update_to(fraction * total)

        def report(result) -> None:
            if result.recording_id in bars:
                bars.pop(result.recording_id)[0].close()
            if args.json:
                return
            if result.status == "failed":
                say(f"council-archive: error: {result.message}", file=sys.stderr)
            elif result.status == "diarized":
                say(f"diarized #{result.recording_id}: {result.voices} voice{'s' * (result.voices != 1)}")
            elif not (args.all and result.message and result.message.startswith("already")):
                say(f"skipped  #{result.recording_id}: {result.message}")

        results = diarize_recordings(archive, ids, diarizer, options, redo=args.redo, progress=progress, on_result=report)
    if args.json:
        print_json([{"id": r.recording_id, "status": r.status, "message": r.message, "voices": r.voices} for r in results])
    return EXIT_ERROR if any(r.status == "failed" for r in results) else EXIT_OK


@commands.command("speakers", help="who spoke in a recording (talk time, turns, first words); name, confirm, reject, merge voices")
@arg("words", nargs="+", metavar="ID | name|confirm|reject|merge ID LABEL ...", help=SPEAKERS_USAGE)
@arg("--here-only", action="store_true", help="speakers name: name the voice in this recording only, not in the roster")
@JSON
def cmd_speakers(args: argparse.Namespace) -> int:
    action, rest = (args.words[0], args.words[1:]) if args.words[0] in ("name", "confirm", "reject", "merge") else (None, args.words)
    need = {None: 1, "name": 3, "confirm": 2, "reject": 2, "merge": 3}[action]
    if len(rest) < need or (action != "name" and len(rest) > need):
        raise UsageError(f"usage: council-archive {SPEAKERS_USAGE}")
    try:
        rid = recording_id(rest[0])
    except argparse.ArgumentTypeError as exc:
        raise UsageError(str(exc)) from None
    from archive import speakers

    labels = [_label(w) for w in rest[1:3]]
    with open_archive(args) as archive:
        if action is None:
            return _print_table(speakers.speaker_table(archive, rid), args.json)
        if action == "name":
            name = speakers.name_voice(archive, rid, labels[0], " ".join(rest[2:]), roster=not args.here_only)
            say(f"#{rid} {labels[0]} is {name}" + (" (here only)" if args.here_only else " (in the roster)"))
        elif action == "confirm":
            speakers.confirm_voice(archive, rid, labels[0])
            say(f"#{rid} {labels[0]}: name confirmed")
        elif action == "reject":
            speakers.reject_voice(archive, rid, labels[0])
            say(f"#{rid} {labels[0]}: name removed")
        else:
            speakers.merge_voices(archive, rid, labels[0], labels[1])
            say(f"#{rid} {labels[1]} merged into {labels[0]}")
    return EXIT_OK


def _label(word: str) -> str:
    """``2`` is short for "Speaker 2"."""
    return f"Speaker {word}" if word.isdigit() else word


def _print_table(rows, as_json: bool) -> int:
    if as_json:
        print_json([r.to_dict() for r in rows])
        return EXIT_OK
    if not rows:
        say("no speakers yet: run `council-archive diarize ID` to find who spoke")
        return EXIT_OK
    from transcription.formats import hms

    for r in rows:
        name = (r.name or "?") + ("?" if r.suggested else "")
        score = f" ({r.score:.2f})" if r.suggested and r.score is not None else ""
        label = r.label if r.voice else "-"
        say(f"{label:11} {name + score:28} {hms(r.talk_time)}  {r.turns:3} turn{'s' if r.turns != 1 else ' '}  {r.first_words}")
    return EXIT_OK


@commands.command("roster", help="the archive's named voices: list, rename, remove, accept (one offered by a bundle)")
@arg("words", nargs="*", metavar="list | rename OLD NEW | remove NAME | accept NAME", help=ROSTER_USAGE)
@JSON
def cmd_roster(args: argparse.Namespace) -> int:
    action, rest = (args.words[0], args.words[1:]) if args.words else ("list", [])
    need: Optional[int] = {"list": 0, "rename": 2, "remove": 1, "accept": 1}.get(action)
    if need is None or len(rest) != need:
        raise UsageError(f"usage: council-archive {ROSTER_USAGE}")
    from archive import speakers

    with open_archive(args) as archive:
        if action == "list":
            entries = speakers.roster_list(archive)
        elif action == "rename":
            count = speakers.roster_rename(archive, rest[0], rest[1])
            say(f"renamed {rest[0]} to {rest[1]} ({count} voice{'s' * (count != 1)})")
        elif action == "remove":
            speakers.roster_remove(archive, rest[0])
            say(f"removed {rest[0]} from the roster (voices keep their names)")
        else:
            speakers.roster_accept(archive, rest[0])
            say(f"{rest[0]} now names voices in later imports")
    if action != "list":
        return EXIT_OK
    if args.json:
        print_json([e.to_dict() for e in entries])
    elif not entries:
        say("the roster is empty: name a voice with `council-archive speakers name ID LABEL NAME`")
    else:
        from transcription.formats import hms

        for e in entries:
            say(f"{e.name:28} {hms(e.talk_time)}  {e.recordings:3} recording{'s' if e.recordings != 1 else ' '}  "
                f"{e.voices:3} voice{'s' if e.voices != 1 else ' '}" + ("  (offered by a bundle: accept to use)" if e.offered else ""))
    return EXIT_OK
