"""The search panel's language controls: Exact, Sounds like and "Did you mean"."""

from __future__ import annotations

import pytest

from archive import views
from test_desktop import demo_copy, imported, lines_with, open_window, search, settings  # noqa: F401  (fixtures)

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
    real = views.run_search

    def spy(archive, request, **kw):
        seen.append(request)
        return real(archive, request, **kw)

    monkeypatch.setattr(views, "run_search", spy)
    panel = search(qtbot, imported, "sidewalk")
    qtbot.waitUntil(lambda: bool(seen))
    loose = panel.model.rowCount()
    assert loose == len(lines_with("sidewalk"))
    assert not seen[-1].exact and not seen[-1].sounds_like

    panel.exact.setChecked(True)  # re-runs the search at once
    assert seen[-1].exact
    assert panel.model.rowCount() < loose  # "sidewalks" no longer matches "sidewalk"

    panel.sounds_like.setChecked(True)
    assert seen[-1].sounds_like and seen[-1].exact
