"""``transcribe``: one file to stdout, no archive involved; and the engine options that
``import`` and ``resume`` share with it."""

from __future__ import annotations

import argparse
import sys

from archive.cli.common import EXIT_OK, Commands, arg, arg_group
from archive.progress import ProgressBar

commands = Commands()
register = commands.register

ENGINE_ARGS = arg_group(
    arg("--engine", choices=("faster-whisper", "openai-whisper"), default="faster-whisper"),
    arg("--model", metavar="NAME|PATH", help="Whisper model name or path (default: bundled tiny.en)"),
    arg("--language", metavar="xx", help="spoken language code, e.g. en"),
    arg("--prompt", metavar="TEXT", help="custom vocabulary: names and terms Whisper should spell right"),
    arg("--beam-size", type=int, default=5),
    arg("--compute-type", default="int8", help="CTranslate2 compute type (int8, float32, ...)"),
    arg("--no-vad", action="store_true", help="do not skip silence with the voice activity detector"),
    arg("--workers", type=int, default=0, help="worker processes for one file (0 = one per core)"),
)


def transcribe_options(args: argparse.Namespace):
    from transcription.types import TranscribeOptions

    return TranscribeOptions(
        model=args.model,
        language=args.language,
        beam_size=args.beam_size,
        compute_type=args.compute_type,
        initial_prompt=args.prompt,
        vad=not args.no_vad,
        workers=args.workers,
    )


@commands.command("transcribe", help="transcribe one audio/video file to stdout (no archive involved)")
@arg("file")
@ENGINE_ARGS
@arg("--format", choices=("txt", "json", "srt", "vtt"), default="txt")
def cmd_transcribe(args: argparse.Namespace) -> int:
    from transcription import formats
    from transcription.transcriber import Transcriber, default_cache_dir

    with Transcriber(args.engine, transcribe_options(args), cache_dir=default_cache_dir()) as transcriber:
        segments, info = transcriber.transcribe(args.file)
        with ProgressBar(total=info.duration, label=args.file) as bar:
            collected = []
            for seg in segments:
                collected.append(seg)
                bar.update_to(seg.end)
    speech = [s for s in collected if not s.flag]
    if args.format == "json":
        out = formats.to_json(collected, info)
    elif args.format == "srt":
        out = formats.to_srt(speech)
    elif args.format == "vtt":
        out = formats.to_vtt(speech)
    else:
        out = formats.to_txt(speech)
    sys.stdout.write(out)
    sys.stdout.flush()
    if not speech:
        print(f"{args.file}: no speech found", file=sys.stderr)
    return EXIT_OK
