"""The README documents every command the CLI has (datasette's habit: tests that check the docs)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from archive.cli import EXIT_CODES, build_parser

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def subcommands(parser: argparse.ArgumentParser, prefix: str = ""):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield f"{prefix}{name}", sub
                yield from subcommands(sub, f"{prefix}{name} ")


def test_readme_starts_with_the_two_commands():
    first_block = README.split("```")[1]
    assert "make run" in first_block and "make test" in first_block


def test_every_command_and_option_is_documented():
    documented = README
    missing = []
    for name, sub in subcommands(build_parser()):
        if f"council-archive {name}" not in documented and f"{name} " not in documented:
            missing.append(name)
        for action in sub._actions:
            if action.option_strings and "--help" not in action.option_strings:
                if not any(opt in documented for opt in action.option_strings):
                    missing.append(f"{name} {action.option_strings[0]}")
    assert not missing, f"not in README.md: {missing}"


def test_engine_options_are_documented():
    for opt in ("--beam-size", "--compute-type", "--no-vad", "--workers"):
        assert opt in README, opt


def test_exit_codes_are_documented():
    section = README.split("## Command line", 1)[1].split("| command |", 1)[0]
    for code in sorted(set(EXIT_CODES.values()) - {0}):
        assert f"`{code}`" in section, code
