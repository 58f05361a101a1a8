"""Finding things in the app with mouse and keyboard (issue 14, items 8-10, 18, 19): date
fields that take typed dates, clear in one click and open on the archive's dates; oldest
first; an empty result under filters that offers to clear them; status messages that
expire and elide; filters that wrap in a small window; a search that never blocks the UI.

The archive: three recordings of the demo meeting's script (real catalog, real index),
written as the importer writes them, so each query's hits are known."""

from __future__ import annotations

import hashlib
import json
import threading

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QLabel, QToolButton

from archive import views
from archive.cli import main as cli_main
from archive.recordings import index_recording
from archive.status import Status
from archive.store import Archive
from desktop.status_line import StatusLine
from fakes import demo_segments
from test_desktop import click_row, lines_with, open_window, search, settings  # noqa: F401  (fixtures)

pytestmark = pytest.mark.no_qt_log

RECORDINGS = (  # title, body, date
    ("Budget hearing on the sidewalks of the north end and the regional camera program", "Riverton City Council", "2019-05-02"),
    ("Regular meeting", "Planning Board", "2022-09-14"),
    ("Regular meeting", "Riverton City Council", "2024-03-12"),
)
PER_RECORDING = len(lines_with("sidewalk"))


def build(root, recordings=RECORDINGS) -> None:
    """An archive of ``recordings`` (title, body, date), each the demo script, indexed."""
    with Archive(root) as archive, archive.writing():
        catalog = archive.catalog
        for i, (title, body, date) in enumerate(recordings):
            rid = catalog.add_recording(
                title=title, body=body, kind="meeting", date=date, source_path=f"/nowhere/{i}.opus",
                media_path=None, sha256=hashlib.sha256(title.encode() + bytes([i])).hexdigest(),
                duration=120.0, status=Status.INDEXED, progress=1.0)
            tid = catalog.start_transcript(rid, "fake", "fake-tiny", None, "whisper")
            for idx, seg in enumerate(demo_segments()):
                catalog.add_segment(tid, idx, seg)
            catalog.finish_transcript(tid)
            index_recording(archive, rid)


@pytest.fixture
def three(tmp_path, open_window):
    """A shown window on an archive of three dated recordings of the demo script."""
    build(tmp_path / "archive")
    return open_window()


def dates_of(panel) -> list[str]:
    return [panel.model.hit(r).date for r in range(panel.model.rowCount())]


def type_date(qtbot, field, text: str) -> None:
    qtbot.mouseClick(field.edit, Qt.MouseButton.LeftButton)
    field.edit.selectAll()
    qtbot.keyClicks(field.edit, text)
    qtbot.keyClick(field.edit, Qt.Key.Key_Return)


def settled(qtbot, panel) -> None:
    qtbot.waitUntil(lambda: not panel._timer.isActive() and not panel.waiting, timeout=5000)


def calendar_page(qtbot, field) -> tuple[int, int]:
    """Click the field's calendar button; the (year, month) its calendar opens on."""
    seen = {}

    def look():
        if field.menu.isVisible():
            seen["page"] = (field.calendar.yearShown(), field.calendar.monthShown())
            field.menu.hide()
        else:
            QTimer.singleShot(20, look)

    QTimer.singleShot(20, look)
    qtbot.mouseClick(field.button, Qt.MouseButton.LeftButton)  # (the menu runs its own loop)
    qtbot.waitUntil(lambda: "page" in seen)
    return seen["page"]


# --- 8. date filters ------------------------------------------------------------------------


def test_date_fields_take_typed_dates_clear_in_one_click_and_open_on_the_archive(qtbot, three):
    panel = search(qtbot, three, "sidewalks", expect_rows=3 * PER_RECORDING)
    assert calendar_page(qtbot, panel.date_from) == (2019, 5)  # the archive's first date, not 1900
    assert calendar_page(qtbot, panel.date_to) == (2024, 3)  # and its last

    type_date(qtbot, panel.date_from, "20240101")  # typed without dashes
    assert panel.date_from.edit.text() == "2024-01-01" and panel.date_from.value() == "2024-01-01"
    settled(qtbot, panel)
    assert dates_of(panel) == ["2024-03-12"] * PER_RECORDING
    assert panel.year.currentText() == "From 2024-01-01"  # never "Any time" while a date filters

    clear = next(b for b in panel.date_from.edit.findChildren(QToolButton) if b.isVisible())
    qtbot.mouseClick(clear, Qt.MouseButton.LeftButton)  # one click
    assert panel.date_from.edit.text() == "" and panel.date_from.value() == ""
    settled(qtbot, panel)
    assert panel.model.rowCount() == 3 * PER_RECORDING and panel.year.currentText() == "Any time"


def test_the_year_and_the_date_fields_never_contradict_each_other(qtbot, three):
    panel = search(qtbot, three, "sidewalks", expect_rows=3 * PER_RECORDING)
    qtbot.mouseClick(panel.year, Qt.MouseButton.LeftButton)
    panel.year.hidePopup()
    qtbot.keyClicks(panel.year, "2022")  # a combo box selects an item by typing its start
    settled(qtbot, panel)
    assert panel.year.value() == "2022"
    assert (panel.date_from.edit.text(), panel.date_to.edit.text()) == ("2022-01-01", "2022-12-31")
    assert dates_of(panel) == ["2022-09-14"] * PER_RECORDING

    type_date(qtbot, panel.date_from, "2022-10-01")  # no longer the whole year
    settled(qtbot, panel)
    assert panel.year.currentText() == "2022-10-01 to 2022-12-31" and panel.model.rowCount() == 0

    type_date(qtbot, panel.date_to, "2023-13-45")
    settled(qtbot, panel)
    assert "month 13 is invalid" in panel.message.text() and panel.date_to.value() == ""
    assert panel.date_to.edit.property("invalid") and panel.model.rowCount() == 0


# --- 9. sorting ---------------------------------------------------------------------------


def test_oldest_first_sorts_by_date_ascending(qtbot, three):
    panel = search(qtbot, three, "sidewalks", expect_rows=3 * PER_RECORDING)
    qtbot.mouseClick(panel.sort, Qt.MouseButton.LeftButton)
    panel.sort.hidePopup()
    qtbot.keyClicks(panel.sort, "Oldest")
    settled(qtbot, panel)
    assert panel.sort.currentText() == "Oldest first"
    dates = dates_of(panel)
    assert dates == sorted(dates) and dates[0] == "2019-05-02" and dates[-1] == "2024-03-12"
    starts = [panel.model.hit(r).start for r in range(PER_RECORDING)]
    assert starts == sorted(starts)  # in time order within a recording

    qtbot.keyClick(panel.sort, Qt.Key.Key_Up)  # the item above: Newest first
    settled(qtbot, panel)
    assert panel.sort.currentText() == "Newest first"
    assert dates_of(panel) == sorted(dates, reverse=True)


def test_the_cli_sorts_oldest_first_too(three, capsys):
    code = cli_main(["--archive", str(three.archive.root), "search", "sidewalks", "--sort", "oldest", "--json"])
    hits = json.loads(capsys.readouterr().out)["hits"]
    assert code == 0 and len(hits) == 3 * PER_RECORDING
    dates = [h["date"] for h in hits]
    assert dates == sorted(dates) and dates[0] == "2019-05-02"


def test_undated_recordings_come_last_either_way(tmp_path):
    build(tmp_path / "archive", RECORDINGS[:2] + (("Undated tape", "Riverton City Council", None),))
    with Archive(tmp_path / "archive") as archive:
        for sort in ("oldest", "date"):
            hits = views.run_search(archive, views.SearchRequest(query="sidewalks", sort=sort)).hits
            assert [h.date for h in hits[-PER_RECORDING:]] == [None] * PER_RECORDING, sort
            assert {h.date for h in hits[:-PER_RECORDING]} == {"2019-05-02", "2022-09-14"}


# --- 10. an empty result under filters ----------------------------------------------------


def test_an_empty_result_under_filters_offers_to_clear_them(qtbot, three):
    panel = search(qtbot, three, "sidewalks", expect_rows=3 * PER_RECORDING)
    panel.body.setFocus()
    qtbot.keyClicks(panel.body, "Planning")
    type_date(qtbot, panel.date_from, "2023-01-01")
    settled(qtbot, panel)
    assert panel.model.rowCount() == 0
    text = panel.message.text()
    assert "filters" in text and "Planning Board" in text and "2023-01-01" in text and "fewer words" not in text
    assert panel.clear_filters_button.isVisible()

    qtbot.mouseClick(panel.clear_filters_button, Qt.MouseButton.LeftButton)
    settled(qtbot, panel)
    assert panel.model.rowCount() == 3 * PER_RECORDING and not panel.clear_filters_button.isVisible()
    assert (panel.body.value(), panel.date_from.value(), panel.year.currentText()) == ("", "", "Any time")
    assert panel.date_from.edit.text() == "" and f"{3 * PER_RECORDING} hits" in panel.message.text()

    search(qtbot, three, "flamingo", expect_rows=0)  # no filters: the usual advice
    assert "fewer words" in panel.message.text() and not panel.clear_filters_button.isVisible()


# --- 18. status messages ------------------------------------------------------------------


def test_status_messages_expire_and_long_ones_end_in_an_ellipsis(qtbot, three, monkeypatch):
    bar = three.statusBar()
    assert isinstance(bar, StatusLine)
    monkeypatch.setattr(bar, "expire_ms", 300)
    three.resize(640, 480)
    panel = search(qtbot, three, "sidewalks", expect_rows=3 * PER_RECORDING)
    click_row(qtbot, panel.view, 0)  # plays the hit of the recording with the long title
    qtbot.waitUntil(lambda: bar.currentMessage().startswith("Playing"))
    message = bar.currentMessage()
    assert bar.shown_text().endswith("…") and len(bar.shown_text()) < len(message)
    assert bar.toolTip() == message  # the whole text on hover
    three.player.stop()
    qtbot.waitUntil(lambda: bar.currentMessage() == "", timeout=5000)  # it expires


# --- 19. small windows --------------------------------------------------------------------


@pytest.mark.parametrize("size", [(800, 600), (1024, 640)])
def test_filters_wrap_in_a_small_window_and_nothing_is_cut(qtbot, three, size):
    three.resize(*size)
    panel = three.search_panel
    qtbot.waitUntil(lambda: three.width() <= size[0])
    qtbot.wait(50)
    assert panel.query.width() >= 200  # never squeezed to a few letters
    widgets = [panel.sort, panel.exact, panel.sounds_like, panel.body, panel.kind, panel.speaker, panel.year,
               panel.date_from, panel.date_to]
    labels = [w for w in panel.findChildren(QLabel) if w.text() in ("from", "to")]
    assert len(labels) == 2
    for w in widgets + labels:
        assert w.isVisible(), w
        left = w.mapTo(panel, QPoint(0, 0)).x()
        assert left >= 0 and left + w.width() <= panel.width(), (w, left, w.width(), panel.width())
        assert w.width() >= w.minimumSizeHint().width(), w  # labels and fields are not cut
    rows = {w.mapTo(panel, QPoint(0, 0)).y() for w in widgets}
    assert len(rows) > 1  # the filters wrapped onto more lines


# --- the search runs off the UI thread ----------------------------------------------------


def test_a_slow_search_does_not_block_the_ui_and_stale_results_are_dropped(qtbot, three, monkeypatch):
    panel = three.search_panel
    search(qtbot, three, "sidewalks", expect_rows=3 * PER_RECORDING)  # (the index is open)
    release = threading.Event()
    real = views.prepare_search

    def slow(archive, request, **kw):
        call = real(archive, request, **kw)

        def run():
            if request.query == "sidewalks order":
                release.wait(10)  # held until the test has typed on
            return call()
        return run

    monkeypatch.setattr(views, "prepare_search", slow)
    shown = []
    real_show = panel.show_results
    monkeypatch.setattr(panel, "show_results", lambda results, request=None, known=None: (
        shown.append(request.query), real_show(results, request, known)))
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(panel.waiting))
    timer.start(10)

    panel.query.end(False)
    qtbot.keyClicks(panel.query, " order")
    qtbot.waitUntil(lambda: not panel._timer.isActive() and panel.waiting)
    qtbot.waitUntil(lambda: sum(ticks) >= 3)  # the event loop runs while the search does
    qtbot.keyClicks(panel.query, "s")  # and typing goes on: a newer search
    assert panel.query.text() == "sidewalks orders"
    release.set()
    settled(qtbot, panel)
    timer.stop()
    assert shown == ["sidewalks orders"]  # the older search's results never showed
    assert panel.model.total == views.run_search(three.archive, panel.request()).total
