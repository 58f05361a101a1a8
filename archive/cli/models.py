"""``models list|add|remove|default``: the Whisper models on this machine, by name
(:mod:`archive.models_registry`). They belong to the machine, not to one archive."""

from __future__ import annotations

import argparse
import contextlib

from archive.cli.common import EXIT_OK, JSON, Commands, UsageError, arg, print_json, say

actions = Commands()


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("models", help="the Whisper models on this machine: list, add, remove, default")
    actions.register(parser.add_subparsers(dest="models_command", metavar="ACTION", required=True))


@contextlib.contextmanager
def model_errors():
    """A model that cannot be used (not a model, unknown, no GPU) is a usage error: exit 2."""
    from transcription.models import ModelError

    try:
        yield
    except ModelError as exc:
        raise UsageError(str(exc)) from exc


def languages_text(languages) -> str:
    return "English only" if list(languages) == ["en"] else f"multilingual ({len(languages)} languages)"


@actions.command("list", help="list the models (the bundled tiny.en first)")
@JSON
def cmd_list(args: argparse.Namespace) -> int:
    from archive import models_registry

    with model_errors():
        found = models_registry.models()
    if args.json:
        print_json([m.to_dict() for m in found])
        return EXIT_OK
    for m in found:
        mark = "*" if m.default else " "
        say(f"{mark} {m.name:24} {m.engine:15} {languages_text(m.languages):28} {m.path or '(not installed)'}")
    return EXIT_OK


@actions.command("add", help="register a CTranslate2 model folder or an openai-whisper .pt checkpoint")
@arg("path", metavar="PATH")
@arg("--name", help="the name to use it by (default: the folder's name or the file's stem)")
def cmd_add(args: argparse.Namespace) -> int:
    from archive import models_registry

    with model_errors():
        model = models_registry.add(args.path, args.name)
    say(f"added {model.name}: {model.engine}, {languages_text(model.languages)}, {model.path}")
    return EXIT_OK


def change_by_name(change: str, name: str):
    """``models_registry.<change>(name)``, a model that cannot be used refused in one line."""
    from archive import models_registry

    with model_errors():
        return getattr(models_registry, change)(name)


@actions.command("remove", help="forget a registered model (its files stay where they are)")
@arg("name")
def cmd_remove(args: argparse.Namespace) -> int:
    model = change_by_name("remove", args.name)
    say(f"removed {model.name} (its files at {model.path} are left as they are)")
    return EXIT_OK


@actions.command("default", help="the model import, transcribe and the app use when none is named")
@arg("name")
def cmd_default(args: argparse.Namespace) -> int:
    say(f"default model: {change_by_name('set_default', args.name).name}")
    return EXIT_OK
