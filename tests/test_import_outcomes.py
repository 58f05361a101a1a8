"""How one file's import ends: one CancelToken checked between segments, one typed Outcome.

The fake engine plays the demo meeting's script back (tests/fakes.py), so these run on
the real media file, catalog, index and media store without Whisper.
"""

from __future__ import annotations

import logging

import pytest

from archive.cancel import CancelToken
from archive.importer import Importer, ImportMeta
from archive import logs
from archive.opening import open_archive
from archive.status import JobState, Outcome, Status
from fakes import FakeTranscriber

META = ImportMeta(title="Regular meeting", body="Springfield City Council", date="2011-05-02")


def import_demo(root, demo, transcriber, *, after: int = 0, action=None, token=None):
    """Import the demo with ``transcriber``; after ``after`` segments, call ``action(importer)``."""
    seen = []

    def on_event(event):
        if event.stage == Status.TRANSCRIBING and event.progress > 0:
            seen.append(event)
            if action is not None and len(seen) == after:
                action(importer)

    with open_archive(root) as archive:
        importer = Importer(archive, on_event=on_event, cancel=token, transcriber=transcriber)
        [result] = importer.import_paths([demo["path"]], META)
        return result, len(seen)


def state(root):
    with open_archive(root) as archive:
        recs = archive.catalog.recordings()
        jobs = [j["state"] for j in archive.db["jobs"].rows]
        segments = archive.db["segments"].count
        media = sorted(p.name for p in archive.media_dir.iterdir()) if archive.media_dir.exists() else []
        indexed = archive.index.recording_ids()
    return recs, jobs, segments, media, indexed


def test_cancel_between_segments_keeps_the_recording_and_only_its_own_resume_continues_it(tmp_path, demo):
    root = tmp_path / "archive"
    fake = FakeTranscriber()
    result, seen = import_demo(root, demo, fake, after=3, action=Importer.cancel)
    assert result.status is Outcome.CANCELLED and result.id is not None
    assert result.error == "cancelled; what was transcribed is kept to resume"
    assert seen == 3  # the token was checked before the fourth segment
    recs, jobs, segments, media, indexed = state(root)
    assert [r.status for r in recs] == [Status.CANCELLED] and jobs == [JobState.CANCELLED]
    assert segments == 3 and len(media) == 1 and indexed == set()

    with open_archive(root) as archive:
        assert Importer(archive, transcriber=fake).resume() == []  # not an open job: no resume of everything
        [resumed] = Importer(archive, transcriber=fake).resume([result.id])
        assert resumed.status is Outcome.INDEXED and resumed.id == result.id
        assert fake.calls[-1][2] == pytest.approx(demo["lines"][2]["end"])  # from where it was cancelled
        assert archive.db["segments"].count == len(demo["lines"])
    recs, jobs, _, _, indexed = state(root)
    assert [r.status for r in recs] == [Status.INDEXED] and jobs == [JobState.DONE] and indexed == {result.id}


def test_a_discarding_cancel_removes_the_half_made_recording(tmp_path, demo):
    root = tmp_path / "archive"
    result, seen = import_demo(root, demo, FakeTranscriber(), after=3, action=lambda importer: importer.cancel(discard=True))
    assert result.status is Outcome.CANCELLED and result.id is None and result.error == "cancelled"
    recs, jobs, segments, media, indexed = state(root)
    assert (recs, jobs, segments, media, indexed) == ([], [], 0, [], set())


def test_importing_a_cancelled_file_again_continues_it(tmp_path, demo):
    root = tmp_path / "archive"
    fake = FakeTranscriber()
    first, _ = import_demo(root, demo, fake, after=2, action=Importer.cancel)
    again, _ = import_demo(root, demo, fake)
    assert again.status is Outcome.INDEXED and again.id == first.id
    assert fake.calls[-1][2] == pytest.approx(demo["lines"][1]["end"])
    assert [r.status for r in state(root)[0]] == [Status.INDEXED]


def test_stop_keeps_the_job_open_and_resume_finishes_it(tmp_path, demo):
    root = tmp_path / "archive"
    fake = FakeTranscriber()
    result, _ = import_demo(root, demo, fake, after=3, action=Importer.stop)
    assert result.status is Outcome.STOPPED and result.id is not None
    recs, jobs, segments, media, indexed = state(root)
    assert [r.status for r in recs] == [Status.TRANSCRIBING]
    assert jobs == [JobState.RUNNING] and segments == 3 and len(media) == 1 and indexed == set()

    with open_archive(root) as archive:
        [resumed] = Importer(archive, transcriber=fake).resume()
        assert resumed.status is Outcome.INDEXED and resumed.id == result.id
        assert fake.calls[-1][2] == pytest.approx(demo["lines"][2]["end"])  # from where it stopped
        assert archive.db["segments"].count == len(demo["lines"])
    recs, jobs, _, _, indexed = state(root)
    assert [r.status for r in recs] == [Status.INDEXED] and jobs == [JobState.DONE] and indexed == {result.id}


class BrokenOnCancel(FakeTranscriber):
    """Like real worker processes that are killed: a cancel makes the stream fail."""

    def transcribe(self, path, options=None, start: float = 0.0):
        segments, info = super().transcribe(path, options, start)

        def stream():
            for seg in segments:
                yield seg
            if self._cancel.is_set():
                raise RuntimeError("A process in the process pool was terminated abruptly")

        return stream(), info


def test_the_token_decides_the_outcome_whatever_the_killed_engine_raised(tmp_path, demo):
    root = tmp_path / "archive"
    token = CancelToken()
    result, _ = import_demo(root, demo, BrokenOnCancel(), after=2, action=lambda importer: token.cancel(), token=token)
    assert result.status is Outcome.CANCELLED and result.error.startswith("cancelled")
    assert [r.status for r in state(root)[0]] == [Status.CANCELLED]


def test_a_token_set_before_the_batch_starts_imports_nothing(tmp_path, demo):
    root = tmp_path / "archive"
    token = CancelToken()
    token.stop()
    result, seen = import_demo(root, demo, FakeTranscriber(), token=token)
    assert result.status is Outcome.STOPPED and result.error == "stopped before it started" and seen == 0
    assert state(root)[0] == []


class FailingEngine(FakeTranscriber):
    def transcribe(self, path, options=None, start: float = 0.0):
        segments, info = super().transcribe(path, options, start)

        def stream():
            yield next(iter(segments))
            raise RuntimeError("the engine ran out of memory")

        return stream(), info


@pytest.fixture
def archive_log():
    yield logs.configure
    logs.close()


def test_an_engine_failure_is_one_line_and_its_traceback_goes_to_the_log(tmp_path, demo, archive_log):
    root = tmp_path / "archive"
    log_file = archive_log(root)  # the folder is made by the import that follows
    result, _ = import_demo(root, demo, FailingEngine())
    logs.close()  # flushed and closed
    assert log_file == root.resolve() / logs.LOG_FILE
    assert result.status is Outcome.FAILED
    assert result.error == f"{demo['path'].resolve()}: the engine ran out of memory"
    assert state(root)[0] == []  # nothing half-made is left
    text = log_file.read_text()
    assert "importing" in text and "Traceback" in text and "RuntimeError: the engine ran out of memory" in text


def test_the_log_file_waits_for_its_archive_folder(tmp_path, archive_log):
    root = tmp_path / "not yet"
    log_file = archive_log(root)
    logging.getLogger("archive.test").warning("before the folder exists")
    assert not root.exists()
    root.mkdir()
    logging.getLogger("transcription.test").warning("after it was made")
    logging.getLogger("elsewhere").warning("not one of ours")
    logs.close()
    text = log_file.read_text()
    assert "WARNING transcription.test" in text and "after it was made" in text
    assert "before the folder" not in text and "not one of ours" not in text
