"""What an import makes of a file's name: titles keep acronyms and digits as written, a file
without a date in its name stays undated (not its copy date), and a wrong date says what is
wrong with it, in the CLI and in the app's Details dialog."""

from __future__ import annotations

import os
import shutil

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from archive.cli import main as cli_main
from archive.dates import date_problem, title_from_name, typed_date
from archive.importer import Importer, ImportMeta
from archive.opening import open_archive
from desktop.import_dialog import ImportDialog
from fakes import FakeTranscriber
from test_desktop import DEMO, open_window, settings  # noqa: F401  (fixtures)

pytestmark = pytest.mark.no_qt_log

OLD = 978_307_200  # 2001-01-01: a file copied long ago (its mtime is not its date)


@pytest.mark.parametrize("stem, title", [
    ("JFK_rice_1962-09-12", "JFK rice"),
    ("iPhone recording 3", "iPhone recording 3"),
    ("NASA-Apollo11 debrief", "NASA Apollo11 debrief"),
    ("council_budget_v1.5_2024-25", "Council budget v1.5 2024-25"),
    ("case 12345678 hearing", "Case 12345678 hearing"),  # eight digits, not a date: kept
    ("riverton_2024-03-12", "Riverton"),
    ("2nd reading 20110502", "2nd reading"),
])
def test_titles_from_file_names_keep_acronyms_and_digits(stem, title):
    assert title_from_name(stem) == title


def test_a_date_problem_says_what_is_wrong():
    assert date_problem("2023-13-45") == "month 13 is invalid (months run 01 to 12)"
    assert date_problem("2023-02-29") == "day 29 is invalid (2023-02 has 28 days)"
    assert "YYYY-MM-DD" in date_problem("yesterday")
    assert date_problem("2024-02-29") is None
    assert typed_date("20240101") == "2024-01-01" and typed_date("2024/3/1") is None


@pytest.fixture
def undated_archive(tmp_path):
    """An archive holding one file imported with no date in its name and an old mtime."""
    src = tmp_path / "src" / "JFK moon speech.opus"
    src.parent.mkdir()
    shutil.copy(DEMO, src)
    os.utime(src, (OLD, OLD))
    root = tmp_path / "archive"
    with open_archive(root) as archive:
        [result] = Importer(archive, transcriber=FakeTranscriber()).import_paths([str(src)], ImportMeta())
    return root, result.id


def cli(capsys, root, *args):
    code = cli_main(["--archive", str(root), *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def test_an_undated_file_stays_undated_and_the_cli_lets_the_user_date_it(undated_archive, capsys):
    root, rid = undated_archive
    with open_archive(root) as archive:
        rec = archive.catalog.recording(rid)
    assert (rec.title, rec.date) == ("JFK moon speech", None)  # not 2001-01-01, the copy date
    code, out, _ = cli(capsys, root, "list")
    assert code == 0 and "undated" in out and "JFK moon speech" in out and "2001" not in out

    code, out, err = cli(capsys, root, "edit", rid, "--date", "2023-13-45")
    assert code != 0 and out == ""
    assert err.strip().endswith("month 13 is invalid (months run 01 to 12)"), err
    code, out, err = cli(capsys, root, "edit", rid, "--date", "2023-12-31")
    assert code == 0, err
    code, out, _ = cli(capsys, root, "list")
    assert "2023-12-31" in out and "undated" not in out


def test_the_library_shows_undated_and_details_say_what_is_wrong(qtbot, undated_archive, open_window):
    root, rid = undated_archive
    window = open_window(name=root.name)
    model = window.library.model
    assert model.rowCount() == 1 and model.index(0, 2).data() == "undated"

    window.editing.edit_details(rid)  # (the Library's "Edit Details…")
    dialog = window.findChild(ImportDialog)
    qtbot.waitUntil(lambda: dialog.isVisible())
    assert dialog.date.text() == ""
    qtbot.keyClicks(dialog.date, "2023-13-45")
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "month 13 is invalid" in dialog.error.text()
    assert "must look like" not in dialog.error.text()

    dialog.date.selectAll()
    qtbot.keyClicks(dialog.date, "2023-12-31")
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.archive.catalog.recording(rid).date == "2023-12-31", timeout=10000)
    qtbot.waitUntil(lambda: model.index(0, 2).data() == "2023-12-31", timeout=10000)
