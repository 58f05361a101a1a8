"""``council-archive://`` links (issue 14 item 7): made by Copy Reference Link, opened by
``council-archive open LINK`` (or the bare link as the argument, as a desktop passes it),
and registered with the desktop by ``council-archive desktop-entry --install``."""

from __future__ import annotations

import pytest

from archive.citation import parse_reference, reference
from archive.desktop_entry import FILE_NAME, MIME_TYPE, exec_argument, with_default
from desktop import launcher
from desktop.app import main as app_main
from desktop.link_server import LinkServer, hand_over
from fakes import FakeTranscriber, demo_lines, factory
from test_desktop import DEMO_META, demo_copy, import_via_dialog, open_window, settings, wait_indexed  # noqa: F401

pytestmark = pytest.mark.no_qt_log


def test_a_reference_link_reads_back():
    assert parse_reference(reference(12, 100.456)) == (12, pytest.approx(100.46))
    assert parse_reference("council-archive://recording/3") == (3, 0.0)
    for bad in ("https://example.org/?t=3", "council-archive://recording/x?t=3", "council-archive://recording/3?t=soon", ""):
        with pytest.raises(ValueError, match="not a council-archive link"):
            parse_reference(bad)


def test_open_takes_a_link_or_refuses_it_in_one_line(tmp_path, monkeypatch, capsys):
    opened = []
    monkeypatch.setattr(launcher, "open_app", lambda archive_dir, link=None: opened.append((archive_dir, link)) or 0)
    link = reference(3, 61.5)
    archive = str(tmp_path / "a")
    assert launcher.main(["--archive", archive, "open", link]) == 0
    assert launcher.main(["--archive", archive, link]) == 0  # the bare link, as a desktop passes it
    assert opened == [(archive, link), (archive, link)]
    assert launcher.main(["--archive", archive, "open", "council-archive://nothing"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not a council-archive link" in err[0] and len(opened) == 2


def test_desktop_entry_installs_a_handler_for_the_links(tmp_path, monkeypatch, capsys):
    data, config = tmp_path / "data", tmp_path / "config"
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    config.mkdir()
    (config / "mimeapps.list").write_text("[Default Applications]\ntext/html=firefox.desktop\n"
                                         f"{MIME_TYPE}=old.desktop\n\n[Added Associations]\nimage/png=gimp.desktop\n")
    archive = str(tmp_path / "a")
    assert launcher.main(["--archive", archive, "desktop-entry"]) == 0  # prints it, installs nothing
    assert f"MimeType={MIME_TYPE};" in capsys.readouterr().out and not (data / "applications").exists()

    assert launcher.main(["--archive", archive, "desktop-entry", "--install"]) == 0
    entry = (data / "applications" / FILE_NAME).read_text()
    assert f"MimeType={MIME_TYPE};" in entry
    exec_line = next(line for line in entry.splitlines() if line.startswith("Exec="))
    assert exec_line.endswith(f"--archive {archive} open %u") and "council-archive" in exec_line
    mimeapps = (config / "mimeapps.list").read_text()
    assert f"{MIME_TYPE}={FILE_NAME}" in mimeapps and "old.desktop" not in mimeapps
    assert "text/html=firefox.desktop" in mimeapps and "image/png=gimp.desktop" in mimeapps
    assert with_default("") == f"[Default Applications]\n{MIME_TYPE}={FILE_NAME}\n"
    assert exec_argument("/home/Jo Ann/bin/council-archive") == '"/home/Jo Ann/bin/council-archive"'  # the spec's quoting
    assert "installed" in capsys.readouterr().out


def test_the_app_opens_a_link_at_its_moment(qtbot, open_window, demo_copy, tmp_path, settings):
    window = open_window()
    import_via_dialog(qtbot, window, demo_copy, title=DEMO_META["title"])
    wait_indexed(qtbot, window)
    rid = window.archive.catalog.recordings()[0].id
    root = window.archive.root
    window.shutdown()
    window.close()

    line = demo_lines()[9]
    word = line["words"][8]  # "regional"
    seen = {}

    def ready(w):
        seen["recording"] = w.recording_view.recording_id
        seen["at"] = w.player.seconds()
        seen["word"] = w.transcript.marked_word().text.strip()
        seen["status"] = w.statusBar().currentMessage()
        w.close()

    rc = app_main(str(root), settings=settings, transcriber_factory=factory(FakeTranscriber()), on_ready=ready,
                  link=reference(rid, word["start"]))
    assert rc == 0
    assert seen["recording"] == rid and seen["at"] == pytest.approx(word["start"], abs=0.01)
    assert seen["word"] == "regional" and "00:00:2" in seen["status"]


def test_a_link_goes_to_the_app_already_open_on_its_archive(qtbot, open_window, demo_copy, settings):
    window = open_window()
    import_via_dialog(qtbot, window, demo_copy, title=DEMO_META["title"])
    wait_indexed(qtbot, window)
    rid = window.archive.catalog.recordings()[0].id
    server = LinkServer(window.archive.root, window)  # what desktop.app.main starts beside its window
    server.link_received.connect(window.open_link)
    word = demo_lines()[12]["words"][6]  # "I understand the concern, but those cameras": "cameras"
    started = []
    rc = app_main(str(window.archive.root), settings=settings, transcriber_factory=factory(FakeTranscriber()),
                  on_ready=started.append, link=reference(rid, word["start"]))
    assert rc == 0 and not started  # handed over: no second app
    qtbot.waitUntil(lambda: window.recording_view.recording_id == rid and window.transcript.marked_word() is not None)
    assert window.transcript.marked_word().text.strip() == "cameras"
    assert window.player.seconds() == pytest.approx(word["start"], abs=0.01)
    assert not hand_over(window.archive.root.parent / "elsewhere", reference(rid, 1.0))  # nobody listens there
