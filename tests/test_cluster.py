"""Imports on a real Ray cluster (tests/ray_cluster.py: a head on 127.0.0.1 and a worker
node on 127.0.0.2, as separate processes), with this process as the archive's single writer.

The actors run the fake engine of tests/cluster_fakes.py (the demo script at its real
times), so a cluster import can be compared exactly with a local import of the same file;
tests/test_cluster_real.py runs real Whisper on the cluster once.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archive.cli import main
from archive.cli.common import EXIT_ERROR
from archive.importer import Importer
from archive.opening import open_archive
from archive.status import Outcome, Status
from tests.cluster_fakes import FakeDiarizerFactory, FakeEngineFactory
from ray_cluster import ray_available
from transcription.diarize.fake import FakeDiarizer
from transcription.transcriber import Transcriber
from transcription.types import TranscribeOptions

pytestmark = pytest.mark.skipif(not ray_available(), reason="needs the 'cluster' extra (Ray)")

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "archive" / "demo" / "council_meeting.opus"


def worker_node() -> str:
    """The worker node's ``where`` tag (its short node id): the only node with CPUs. Called
    while connected."""
    import ray

    (node,) = [n for n in ray.nodes() if n.get("Alive") and n["Resources"].get("CPU")]
    return "/" + node["NodeID"][:6]


def stored(archive_dir) -> list[tuple]:
    """Every recording's current segments: (title, start, end, text, speaker)."""
    with open_archive(archive_dir, create=False) as archive:
        rows = []
        for rec in archive.catalog.recordings():
            transcript = archive.catalog.current_transcript(rec.id)
            for seg in archive.catalog.segments(transcript["id"]):
                rows.append((rec.title, round(seg["start"], 3), round(seg["end"], 3), seg["text"],
                             seg.get("speaker")))
        return rows


def on_this_computer(archive_dir, work, speakers=True):
    """``work(importer)`` on this computer with the same fake engine and diarizer as the actors'."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("transcription.transcriber.build_engine", FakeEngineFactory())
        with open_archive(archive_dir) as archive, \
                Transcriber(options=TranscribeOptions(workers=1)) as transcriber:
            return work(Importer(archive, transcriber=transcriber,
                                 diarizer=FakeDiarizerFactory()() if speakers else FakeDiarizer()))


def resumed_alike(rows: list[tuple], reference: list[tuple]) -> bool:
    """A resumed import against one that ran through: the same sentences, words, ends and
    speakers; a sentence the resume began in the middle of starts at its first word (within
    a pause of where the whole line's split put it)."""
    return len(rows) == len(reference) and all(
        (a[0], a[2], a[3].strip(), a[4]) == (b[0], b[2], b[3].strip(), b[4]) and abs(a[1] - b[1]) <= 0.25
        for a, b in zip(rows, reference))


def import_locally(archive_dir, paths, speakers=True):
    return on_this_computer(archive_dir, lambda importer: importer.import_paths(paths), speakers)


@pytest.fixture(scope="module")
def local_reference(tmp_path_factory):
    folder = tmp_path_factory.mktemp("local")
    results = import_locally(folder / "archive", [DEMO])
    assert [r.status for r in results] == [Outcome.INDEXED]
    rows = stored(folder / "archive")
    assert len(rows) > 20 and {r[4] for r in rows} >= {"Speaker 1", "Speaker 2"}
    return rows


def cluster_import(ray_cluster, archive_dir, paths, *, delay=0.0, on_event=None, shared_path=None, **kw):
    from archive.cluster import cluster_work

    with cluster_work(ray_cluster.address, "faster-whisper", TranscribeOptions(), speakers=True,
                      archive_root=str(archive_dir), shared_path=shared_path,
                      factory=FakeEngineFactory(delay), diarizer_factory=FakeDiarizerFactory()) as work, \
            open_archive(archive_dir) as archive:
        importer = Importer(archive, transcriber=work.transcriber, diarizer=work.diarizer,
                            on_event=on_event or (lambda e: None), **kw)
        work.node = worker_node()
        results = importer.import_paths(paths)
        work.sent = work.transcriber.cluster.media.handles()
        return work, results


def test_a_cluster_import_stores_what_a_local_import_stores(ray_cluster, tmp_path, local_reference):
    events = []
    work, results = cluster_import(ray_cluster, tmp_path / "archive", [DEMO], on_event=events.append)
    assert [r.status for r in results] == [Outcome.INDEXED]
    assert stored(tmp_path / "archive") == local_reference
    # the work ran on the worker node, on both of its actors, and the queue was told where
    assert len(work.workers) == 2 and all(w["where"].endswith(work.node) for w in work.workers)
    where = {e.where for e in events if e.stage == Status.TRANSCRIBING and e.where}
    assert where and all(work.node in w for w in where)
    assert any(e.where and work.node in e.where for e in events if e.stage == Status.DIARIZING), ([(e.stage, e.where) for e in events if e.stage == Status.DIARIZING], work.node)
    with open_archive(tmp_path / "archive", create=False) as archive:  # searchable at once
        assert archive.index.search("budget").total > 0


def test_a_worker_killed_mid_file_still_imports_it_exactly_once(ray_cluster, tmp_path, local_reference):
    killed = []

    def kill_a_busy_worker(event):
        if not killed and event.stage == Status.TRANSCRIBING and event.progress > 0:
            # the first chunk is in; the other actor is still on its own
            pids = [w["pid"] for w in work_reports]
            victim = pids[-1]
            ray_cluster.kill(victim)
            killed.append(victim)

    from archive.cluster import cluster_work

    with cluster_work(ray_cluster.address, "faster-whisper", TranscribeOptions(), speakers=True,
                      factory=FakeEngineFactory(0.15), diarizer_factory=FakeDiarizerFactory()) as work, \
            open_archive(tmp_path / "archive") as archive:
        work_reports = work.workers
        results = Importer(archive, transcriber=work.transcriber, diarizer=work.diarizer,
                           on_event=kill_a_busy_worker).import_paths([DEMO])
        pids_after = [p.pid for p in ray_cluster.processes()]
    assert killed and killed[0] not in pids_after
    assert [r.status for r in results] == [Outcome.INDEXED]
    assert stored(tmp_path / "archive") == local_reference  # one recording, each segment once


def test_sharing_a_filesystem_sends_paths_not_bytes(ray_cluster, tmp_path, local_reference):
    archive_dir = tmp_path / "archive"
    work, results = cluster_import(ray_cluster, archive_dir, [DEMO], shared_path=str(archive_dir))
    assert [r.status for r in results] == [Outcome.INDEXED]
    sent = work.sent
    assert sent and all(m.path is not None and m.data is None for m in sent)
    assert stored(archive_dir) == local_reference


@pytest.mark.parametrize("resume_on", ["cluster", "this computer"])
def test_the_client_killed_mid_file_resumes_and_loses_nothing(ray_cluster, tmp_path, local_reference, resume_on):
    archive_dir = tmp_path / "archive"
    driver = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "cluster_driver.py"), "--delay", "0.3", "--",
         "--archive", str(archive_dir), "import", "--cluster", ray_cluster.address, str(DEMO)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=str(ROOT))
    deadline = time.monotonic() + 120
    committed = 0
    while time.monotonic() < deadline and driver.poll() is None:
        committed = _segments_committed(archive_dir / "catalog.db")
        if committed >= 6:
            break
        time.sleep(0.2)
    assert driver.poll() is None, driver.communicate()
    driver.send_signal(signal.SIGKILL)
    driver.wait()
    assert committed >= 6
    # Ray ends the actors of a driver that died: none is left working for nobody
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and _actor_processes(ray_cluster):
        time.sleep(0.5)
    assert not _actor_processes(ray_cluster)

    if resume_on == "cluster":
        from archive.cluster import cluster_work

        with cluster_work(ray_cluster.address, "faster-whisper", TranscribeOptions(), speakers=True,
                          factory=FakeEngineFactory(), diarizer_factory=FakeDiarizerFactory()) as work, \
                open_archive(archive_dir) as archive:
            results = Importer(archive, transcriber=work.transcriber, diarizer=work.diarizer).resume()
    else:
        results = on_this_computer(archive_dir, Importer.resume)
    assert [r.status for r in results] == [Outcome.INDEXED]
    assert resumed_alike(stored(archive_dir), local_reference), stored(archive_dir)


def _segments_committed(catalog: Path) -> int:
    if not catalog.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{catalog}?mode=ro", uri=True, timeout=1) as db:
            return db.execute("SELECT count(*) FROM segments").fetchone()[0]
    except sqlite3.Error:
        return 0


def _actor_processes(cluster) -> list:
    found = []
    for proc in cluster.processes():
        try:
            if any("Worker" in part for part in proc.cmdline()[:1]) or "TranscribeWorker" in proc.name():
                found.append(proc)
        except Exception:  # gone meanwhile
            continue
    return found


def test_another_version_on_a_worker_is_one_line_and_changes_nothing(ray_cluster, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("transcription.cluster.transcriber.package_version", lambda: "0.0.1-other")
    archive_dir = tmp_path / "archive"
    code = main(["--archive", str(archive_dir), "import", "--cluster", ray_cluster.address, "--no-speakers", str(DEMO)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == EXIT_ERROR
    assert len(err) == 1 and "0.0.1-other" in err[0] and "on this computer" in err[0]
    assert not archive_dir.exists()
    assert not _actor_processes(ray_cluster)  # the checked actors were stopped


def test_a_worker_without_the_model_is_one_line_and_changes_nothing(ray_cluster, tmp_path):
    from archive.cluster import cluster_work
    from transcription.cluster import ClusterError

    options = TranscribeOptions(model=str(tmp_path / "models" / "base.en"))  # never copied to the workers
    with pytest.raises(ClusterError) as caught:
        with cluster_work(ray_cluster.address, "faster-whisper", options):
            pass
    message = caught.value.message
    assert "\n" not in message and "the Ray worker on " in message and "cannot load the model" in message
    assert str(tmp_path / "models" / "base.en") in message


def test_an_unreachable_cluster_is_one_line_fast_and_changes_nothing(tmp_path, capsys):
    from ray_cluster import free_port

    archive_dir = tmp_path / "archive"
    started = time.monotonic()
    code = main(["--archive", str(archive_dir), "import", "--cluster", f"127.0.0.1:{free_port()}", str(DEMO)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == EXIT_ERROR and len(err) == 1 and "cannot reach the Ray cluster" in err[0]
    assert time.monotonic() - started < 30  # a plain TCP connect, not Ray's minute of retries
    assert not archive_dir.exists()
    assert main(["--archive", str(archive_dir), "import", "--shared-path", str(tmp_path), str(DEMO)]) == 2


def test_the_cluster_re_transcribes_and_finds_speakers_again(ray_cluster, tmp_path, local_reference):
    from archive.cluster import cluster_diarizer, cluster_work
    from archive.speakers import diarize_recordings

    archive_dir = tmp_path / "archive"
    import_locally(archive_dir, [DEMO], speakers=False)
    with cluster_diarizer(ray_cluster.address, factory=FakeDiarizerFactory()) as diarizer, \
            open_archive(archive_dir) as archive:
        assert diarizer.where.endswith(worker_node())
        results = diarize_recordings(archive, [1], diarizer, redo=True)
    assert [r.status for r in results] == ["diarized"]
    assert stored(archive_dir) == local_reference
    with cluster_work(ray_cluster.address, "faster-whisper", TranscribeOptions(), speakers=True,
                      factory=FakeEngineFactory(), diarizer_factory=FakeDiarizerFactory()) as work, \
            open_archive(archive_dir) as archive:
        results = Importer(archive, transcriber=work.transcriber, diarizer=work.diarizer).retranscribe([1])
        versions = archive.db.execute("SELECT count(*) FROM transcripts WHERE recording_id = 1").fetchone()[0]
    assert [r.status for r in results] == [Outcome.INDEXED] and versions == 2
    assert stored(archive_dir) == local_reference


def test_without_cluster_ray_is_never_imported(tmp_path):
    captions = tmp_path / "meeting.srt"
    captions.write_text("1\n00:00:01,000 --> 00:00:04,000\nThe council will come to order.\n")
    code = (
        "import sys; from archive.cli import main\n"
        f"rc = main(['--archive', {str(tmp_path / 'a')!r}, 'import', '--no-speakers', '--captions', {str(captions)!r}, {str(DEMO)!r}])\n"
        "assert rc == 0, rc\n"
        "assert 'ray' not in sys.modules, 'ray was imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=str(ROOT), capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr



def test_losing_every_worker_node_stops_the_file_to_resume_on_this_computer(tmp_path, local_reference):
    """The worker node of a cluster of its own (the session's must live on) dies mid-file:
    the file stops with what was committed and its job open, and `resume` finishes it here."""
    from archive.cluster import cluster_work
    from ray_cluster import LocalRayCluster

    archive_dir = tmp_path / "archive"
    with LocalRayCluster() as cluster:
        def kill_the_worker_node(event):
            if event.stage == Status.TRANSCRIBING and event.progress > 0 and not killed:
                node = [p for p in cluster.processes() if f"{cluster.root}/w" in " ".join(p.cmdline())]
                node += [child for p in node for child in p.children(recursive=True)]  # its actors
                for proc in node:
                    proc.kill()
                killed.extend(node)

        killed = []

        with cluster_work(cluster.address, "faster-whisper", TranscribeOptions(), speakers=False,
                          factory=FakeEngineFactory(0.2)) as work, open_archive(archive_dir) as archive:
            [result] = Importer(archive, transcriber=work.transcriber, on_event=kill_the_worker_node,
                                diarizer=FakeDiarizerFactory()()).import_paths([DEMO])
    assert killed and result.status == Outcome.STOPPED, result
    assert "lost the Ray cluster" in result.error and "resume" in result.error
    assert 0 < _segments_committed(archive_dir / "catalog.db") < len(local_reference)
    results = on_this_computer(archive_dir, Importer.resume)
    assert [r.status for r in results] == [Outcome.INDEXED]
    assert resumed_alike(stored(archive_dir), local_reference), stored(archive_dir)


def test_a_batch_keeps_the_actors_busy_with_the_next_file(ray_cluster, tmp_path, make_media, local_reference, caplog):
    """Once a file's chunks are all out, the next file's go to the actors that come free; each
    file is still committed whole and in turn, and stores what a local import does."""
    import logging
    import shutil

    copies = [make_media(f"demo-copy-{k}.opus", "-i", str(DEMO), "-af", f"volume={0.9 - k / 10}") for k in range(2)]
    again = tmp_path / "same-bytes-again.opus"  # a duplicate: planned ahead, then not wanted
    shutil.copyfile(DEMO, again)
    caplog.set_level(logging.INFO, logger="transcription.cluster.schedule")
    work, results = cluster_import(ray_cluster, tmp_path / "archive", [DEMO, again, *copies], delay=0.02)
    assert [r.status for r in results] == [Outcome.INDEXED, Outcome.DUPLICATE, Outcome.INDEXED, Outcome.INDEXED]
    ahead = [r.getMessage() for r in caplog.records if "queued behind the current file's" in r.getMessage()]
    assert [m.split(":")[0] for m in ahead] == [str(again), *map(str, copies)]  # each planned while another ran
    rows = stored(tmp_path / "archive")
    per_title = {}
    for row in rows:
        per_title.setdefault(row[0], []).append(row[1:])
    assert len(per_title) == 3 and all(segs == [r[1:] for r in local_reference] for segs in per_title.values())


def test_ray_client_from_a_machine_outside_the_cluster(ray_cluster, tmp_path, local_reference):
    """``ray://HEAD:10001``: the archive's machine need not be a node (here the head's Ray Client port)."""
    from archive.cluster import cluster_work

    address = f"ray://127.0.0.1:{ray_cluster.client_port}"
    with cluster_work(address, "faster-whisper", TranscribeOptions(), speakers=True, factory=FakeEngineFactory(),
                      diarizer_factory=FakeDiarizerFactory()) as work, open_archive(tmp_path / "archive") as archive:
        results = Importer(archive, transcriber=work.transcriber, diarizer=work.diarizer).import_paths([DEMO])
    assert [r.status for r in results] == [Outcome.INDEXED]
    assert stored(tmp_path / "archive") == local_reference
