"""The search panel's language controls (Exact, Sounds like, "Did you mean") and the query help."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt

from archive import views
from archive.query_help import QUERY_LANGUAGE
from desktop.help_dialog import QueryHelpDialog
from test_desktop import ROOT, demo_copy, imported, lines_with, open_window, search, settings  # noqa: F401  (fixtures)

pytestmark = pytest.mark.no_qt_log


def test_did_you_mean_appears_for_a_misspelling_and_runs_the_suggestion(qtbot, imported):
    panel = search(qtbot, imported, "sidewalsk")
    qtbot.waitUntil(lambda: panel.suggestion.isVisible(), timeout=5000)
    assert "Did you mean" in panel.suggestion.text()
    suggested = panel._suggested
    assert suggested and "sidewalk" in suggested.lower()

    panel.suggestion.linkActivated.emit("suggestion")  # what clicking the link does
    assert panel.query.text() == suggested
    qtbot.waitUntil(lambda: panel.model.rowCount() > 0, timeout=5000)
    assert not panel.suggestion.isVisible()


def test_exact_and_sounds_like_reach_the_search(qtbot, imported, monkeypatch):
    seen = []
    real = views.prepare_search

    def spy(archive, request, **kw):
        seen.append(request)
        return real(archive, request, **kw)

    monkeypatch.setattr(views, "prepare_search", spy)
    panel = search(qtbot, imported, "sidewalk")
    qtbot.waitUntil(lambda: bool(seen))
    loose = panel.model.rowCount()
    assert loose == len(lines_with("sidewalk"))
    assert not seen[-1].exact and not seen[-1].phonetic

    panel.exact.setChecked(True)  # re-runs the search at once
    assert seen[-1].exact
    qtbot.waitUntil(lambda: not panel.waiting)  # (on the search worker)
    assert panel.model.rowCount() < loose  # "sidewalks" no longer matches "sidewalk"

    panel.sounds_like.setChecked(True)
    assert seen[-1].phonetic and seen[-1].exact


def _readme_query_section() -> str:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("### Query language\n") + len("### Query language\n")
    return readme[start:readme.index("\n##", start)].strip()  # up to the next heading (## or ###)


def test_the_query_help_and_the_readme_tell_one_text():
    assert _readme_query_section() == QUERY_LANGUAGE.strip()


def test_help_search_syntax_shows_the_query_language(qtbot, open_window):
    window = open_window()
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    action = next(a for a in help_menu.actions() if a.text() == "Search &Syntax")
    action.trigger()
    dialog = window.findChild(QueryHelpDialog, "queryHelp")
    qtbot.waitUntil(lambda: dialog is not None and dialog.isVisible())
    shown = dialog.text.toPlainText()
    examples = re.findall(r"^\| `([^`]+)`", QUERY_LANGUAGE, flags=re.M)  # each row's first example
    assert len(examples) >= 10
    assert all(e in shown for e in examples), [e for e in examples if e not in shown]
    assert "`" not in shown and "|---|" not in shown  # rendered, not Markdown source
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())
