"""Hard audio in the app: speech Whisper doubted is found by search, drawn as uncertain,
and a mostly doubtful recording says so above its transcript.

The fake engine plays the demo script (known text) through the guards, with Whisper's
no-speech doubt on most lines; the real engine on radio audio is in tests/test_coverage.py.
"""

from __future__ import annotations

import dataclasses

from archive.transcripts import HARD_AUDIO
from fakes import FakeTranscriber, demo_segments
from test_desktop import (  # noqa: F401  (fixtures)
    click_row, demo_copy, import_via_dialog, lines_with, open_window, search, settings, wait_indexed)
from transcription.guards import guard

DOUBT = dict(no_speech_prob=0.72, avg_logprob=-1.3)


def test_doubtful_speech_is_searchable_marked_and_noted(qtbot, open_window, demo_copy):
    segments = [dataclasses.replace(s, **DOUBT) if i % 4 else s for i, s in enumerate(demo_segments())]
    doubted = next(s for i, s in enumerate(segments) if i % 4 and "sidewalk" in s.text.lower())
    window = open_window(FakeTranscriber(list(guard(segments))))
    import_via_dialog(qtbot, window, demo_copy)
    wait_indexed(qtbot, window)

    panel = search(qtbot, window, "sidewalks", expect_rows=len(lines_with("sidewalk")))
    starts = [panel.model.hit(r).segment_start for r in range(panel.model.rowCount())]
    row = min(range(len(starts)), key=lambda r: abs(starts[r] - doubted.start))
    assert abs(starts[row] - doubted.start) < 0.01
    click_row(qtbot, panel.view, row)
    view = window.recording_view
    qtbot.waitUntil(lambda: HARD_AUDIO in view.details.text())

    rows = window.transcript.model().segments
    shown = next(r for r in rows if abs(r.start - doubted.start) < 0.01)
    assert shown.words and all(w.uncertain for w in shown.words)
    confident = [r for i, r in enumerate(rows) if i % 4 == 0]
    assert confident and not any(w.uncertain for r in confident for w in r.words)
