"""The archive vocabulary: stored per body, used as Whisper's prompt when importing."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from archive import vocab
from archive.importer import Importer, ImportMeta
from archive.store import Archive
from fakes import FakeTranscriber


@pytest.fixture
def archive(tmp_path):
    with Archive(tmp_path / "archive") as a:
        yield a


def test_add_merge_list_remove(archive):
    vocab.add(archive, "Napolitano", ["Neapolitano"], "name")
    vocab.add(archive, "napolitano", ["Napolitino", "Neapolitano"])  # merges, keeps the category
    vocab.add(archive, "Harbor Street", category="street", body="Riverton City Council")
    [entry, street] = sorted(vocab.entries(archive.db), key=lambda e: e.term, reverse=True)
    assert (entry.term, entry.variants, entry.category) == ("Napolitano", ["Neapolitano", "Napolitino"], "name")
    assert [e.term for e in vocab.entries(archive.db, "Springfield City Council")] == ["Napolitano"]
    assert vocab.expansions(archive.db) == [["Napolitano", "Neapolitano", "Napolitino"]]
    assert vocab.remove(archive, "harbor street") == 1 and vocab.remove(archive, "nope") == 0
    with pytest.raises(ValueError):
        vocab.add(archive, "  ")


def test_prompt_names_the_bodys_people_and_places(archive):
    vocab.add(archive, "Morgan", category="name", body="Riverton City Council")
    vocab.add(archive, "Harbor Street", category="street", body="Riverton City Council")
    vocab.add(archive, "Menino", category="name", body="Boston City Council")
    prompt = vocab.prompt_for(archive.db, "Riverton City Council")
    assert prompt == "Riverton City Council. Names: Morgan. Streets: Harbor Street."


def test_import_uses_the_vocabulary_as_whisper_prompt(archive, demo):
    vocab.add(archive, "Morgan", category="name", body="Riverton City Council")
    fake = FakeTranscriber()
    importer = Importer(archive, transcriber=fake)
    [result] = importer.import_paths([demo["path"]], ImportMeta(body="Riverton City Council"))
    assert result.status == "indexed"
    options = fake.calls[0][1]
    assert options.initial_prompt == "Riverton City Council. Names: Morgan."
    assert archive.catalog.current_transcript(result.id)["prompt"] == options.initial_prompt


def test_explicit_prompt_wins(archive, demo):
    vocab.add(archive, "Morgan", category="name")
    fake = FakeTranscriber()
    Importer(archive, transcriber=fake).import_paths([demo["path"]], ImportMeta(), prompt="Mayor Morgan, Harbor Street.")
    assert fake.calls[0][1].initial_prompt == "Mayor Morgan, Harbor Street."


def test_vocab_cli(tmp_path):
    def run(*args):
        return subprocess.run([sys.executable, "-m", "desktop.launcher", "--archive", str(tmp_path / "a"), "vocab", *args],
                              capture_output=True, text=True, timeout=60)

    missing = run("list")
    assert missing.returncode == 1 and "no archive at" in missing.stderr and not (tmp_path / "a").exists()
    assert run("add", "Sarno", "--variant", "Sarnow", "--category", "name").returncode == 0
    listed = json.loads(run("list", "--json").stdout)
    assert listed[0]["term"] == "Sarno" and listed[0]["variants"] == ["Sarnow"]
    assert "Sarno" in run("list").stdout
    gone = run("remove", "Nobody")
    assert gone.returncode == 1 and "not in the vocabulary" in gone.stderr
    assert run("remove", "Sarno").returncode == 0
