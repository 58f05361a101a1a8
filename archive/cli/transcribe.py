"""``transcribe``: one file to stdout, no archive involved; and the engine options that
``import`` and ``resume`` share with it."""

from __future__ import annotations

import argparse
import sys

from archive.cli.common import EXIT_OK, Commands, arg, arg_group
from archive.cli.models import model_errors
from archive.progress import ProgressBar

commands = Commands()
register = commands.register

ENGINE_ARGS = arg_group(
    arg("--engine", choices=("faster-whisper", "openai-whisper"),
        help="default: the one the model's format needs (faster-whisper for the bundled tiny.en)"),
    arg("--model", metavar="NAME|PATH", help="a model from `models list`, or a model folder or .pt file "
        "(default: the default model, tiny.en unless `models default` chose another)"),
    arg("--language", metavar="xx", help="spoken language code, e.g. en (default: detected)"),
    arg("--prompt", metavar="TEXT", help="custom vocabulary: names and terms Whisper should spell right"),
    arg("--beam-size", type=int, default=5),
    arg("--device", choices=("auto", "cpu", "cuda"), default="auto",
        help="auto: the GPU (CUDA, float16) when there is one, else the CPU (int8)"),
    arg("--compute-type", default="auto", help="CTranslate2 compute type (auto, int8, float16, float32, ...)"),
    arg("--no-vad", action="store_true", help="do not skip silence with the voice activity detector"),
    arg("--workers", type=int, default=0, help="worker processes for one file (0 = one per core)"),
)


def engine_options(args: argparse.Namespace):
    """``(engine, TranscribeOptions)`` from the engine flags: the model by name or path, the
    engine its format needs, a device that exists. Checked before anything is changed: a
    model that is not one, or ``--device cuda`` without a GPU, ends in one line (exit 2).
    Sets ``args.engine`` to the engine chosen."""
    from archive.models_registry import options_for

    with model_errors():
        engine, options = options_for(
            args.model, args.engine, args.device, args.compute_type, args.language,
            beam_size=args.beam_size, initial_prompt=args.prompt, vad=not args.no_vad, workers=args.workers,
        )
    args.engine = engine
    return engine, options


@commands.command("transcribe", help="transcribe one audio/video file to stdout (no archive involved)")
@arg("file")
@ENGINE_ARGS
@arg("--format", choices=("txt", "json", "srt", "vtt"), default="txt")
def cmd_transcribe(args: argparse.Namespace) -> int:
    from transcription import formats
    from transcription.transcriber import Transcriber, default_cache_dir

    engine, options = engine_options(args)
    with Transcriber(engine, options, cache_dir=default_cache_dir()) as transcriber:
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
    if info.note:
        print(f"{args.file}: {info.note}", file=sys.stderr)
    if not speech:
        print(f"{args.file}: no speech found", file=sys.stderr)
    return EXIT_OK
