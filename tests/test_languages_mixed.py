"""The language of each stretch of speech: a meeting that opens in English and has public
comment in Spanish gets its Spanish passages transcribed by the multilingual model, each
segment stores its language, `list` says "en+es", `show` and the app tag the other
language's passages, and `lang:es` finds the Spanish segments.

Routing, storing, showing and searching run with fake engines and a fake detector that
hears a known language in each stretch; the real path runs once on two real clips with the
random-weight multilingual checkpoint (tests/random_whisper.py), whose guesses are random:
what is checked there is that each segment's language is a real code and agrees with what
the detector heard at its time."""

from __future__ import annotations

import json

import pytest

from archive.cli import main as cli_main
from archive.importer import Importer, ImportMeta
from archive.opening import open_archive
from archive.search import SearchRequest, search
from conftest import NoVoices
from transcription import languages
from transcription.languages import Stretch, hear, join, windows
from transcription.types import ModelChoice, Segment, TranscribeOptions, TranscriptionInfo, Word

MULTI = ModelChoice("/models/multi.pt", "multi", "openai-whisper")
PLAN = [(0.0, 30.0, "en"), (30.0, 50.0, "es"), (50.0, 70.0, "en")]  # what the fake detector hears
RATE = 16000


# --- hearing: windows, sharing a decision, splitting an unsure window ---------------------------


def test_windows_join_speech_up_to_30_seconds_and_cut_long_speech():
    spans = [(0.0, 5.0), (6.0, 12.0), (13.0, 29.0), (31.0, 95.0)]
    assert windows(spans) == [[(0.0, 5.0), (6.0, 12.0), (13.0, 29.0)], [(31.0, 61.0)], [(61.0, 91.0)],
                              [(91.0, 95.0)]]


def test_confident_windows_share_a_decision_and_an_unsure_one_is_heard_span_by_span(monkeypatch):
    import numpy as np

    samples = np.full(60 * RATE, 0.1, dtype=np.float32)
    samples[21 * RATE:] = 0.2  # English (0.1) until 21 s, then Spanish (0.2)
    spans = [(0.0, 5.0), (6.0, 12.0), (13.0, 20.0), (21.0, 28.0), (40.0, 50.0), (51.0, 58.0)]
    monkeypatch.setattr(languages, "speech_spans", lambda s, vad: spans)
    heard = []

    class Detector:
        def detect_language(self, audio):
            spanish = float(np.mean(audio > 0.15))
            heard.append(len(audio) / RATE)
            return ("es", spanish) if spanish >= 0.5 else ("en", 1.0 - spanish)

    stretches = hear(Detector(), samples, offset=100.0)
    # 0-28 s is one window, unsure (21 of 28 s English): heard again span by span; 40-58 s is one window
    assert heard == [28.0, 5.0, 6.0, 7.0, 7.0, 18.0]
    assert [(s.start, s.end, s.language) for s in stretches] == [(100.0, 120.5, "en"), (120.5, 160.0, "es")]


def test_stretches_cover_the_audio_and_cut_in_the_pause():
    heard = [Stretch(2.0, 9.0, "en", 0.9), Stretch(10.0, 14.0, "en", 0.95), Stretch(16.0, 20.0, "es", 0.9)]
    assert join(heard, 25.0) == [Stretch(0.0, 15.0, "en", 0.9), Stretch(15.0, 25.0, "es", 0.9)]


# --- routing (fake engines and detector, a real media file) ---------------------------------------


class FakeEngine:
    """Says one sentence at the start of each piece it is given, in the language it is told."""

    stop = None  # called when asked for the last stretch (a test stops the import there)
    sentences = 1  # said in each piece, 4 s apart

    def __init__(self, name, options):
        self.name, self.model_label = name, options.model_name or "tiny.en"

    def detect_language(self, audio):  # pragma: no cover - the fake detector below hears instead
        raise AssertionError("the fake detector hears the language")

    def transcribe_array(self, audio, options, offset=0.0):
        language = options.language
        if offset >= PLAN[-1][0] and FakeEngine.stop is not None:
            FakeEngine.stop()
        segments = []
        for at in (offset + 4.0 * k for k in range(FakeEngine.sentences)):
            words = [Word(at + 1.0 + i * 0.5, at + 1.4 + i * 0.5, f" {w}")
                     for i, w in enumerate(f"Passage at {at:.0f} by {self.model_label} in {language}.".split())]
            segments.append(Segment(words[0].start, words[-1].end, "".join(w.word for w in words).strip(), words,
                                    avg_logprob=-0.2))
        return iter(segments), TranscriptionInfo(language, len(audio) / RATE, self.name, self.model_label)


@pytest.fixture
def fakes(monkeypatch):
    """Fake engines (the ones built are listed) and a detector hearing PLAN (its offsets listed)."""
    import transcription.transcriber

    built, heard_at = [], []

    def build_engine(name, options, cache_dir=None):
        built.append(options.model_name or "tiny.en")
        return FakeEngine(name, options)

    def fake_hear(engine, samples, offset=0.0, vad=True):
        heard_at.append(offset)
        end = offset + len(samples) / RATE
        return [Stretch(max(a, offset), min(b, end), lang, 0.9) for a, b, lang in PLAN if b > offset and a < end]

    monkeypatch.setattr(transcription.transcriber, "build_engine", build_engine)
    monkeypatch.setattr(transcription.transcriber, "hear", fake_hear)
    monkeypatch.setattr(FakeEngine, "stop", None)
    monkeypatch.setattr(FakeEngine, "sentences", 1)
    return built, heard_at


@pytest.fixture
def meeting(make_media):
    return make_media("meeting_70s.wav", "-f", "lavfi", "-i", "sine=frequency=300:duration=70")


def test_english_stretches_go_to_the_chosen_model_and_spanish_to_the_multilingual_one(fakes, meeting):
    from transcription.transcriber import Transcriber

    built, heard_at = fakes
    with Transcriber("faster-whisper", TranscribeOptions(workers=1, multilingual=MULTI)) as transcriber:
        segments, info = transcriber.transcribe(meeting)
        got = [(s.text, s.language) for s in segments]
    assert got == [("Passage at 0 by tiny.en in en.", "en"), ("Passage at 30 by multi in es.", "es"),
                   ("Passage at 50 by tiny.en in en.", "en")]
    assert sorted(built) == ["multi", "tiny.en"] and heard_at == [0.0]  # each model loaded once, heard once
    assert (info.language, info.model) == ("en", "tiny.en")  # the main language: 50 s of 70
    assert info.note == "spoken languages en+es: transcribed with multi (es passages), not the English-only tiny.en"


def test_a_chosen_multilingual_model_hears_every_stretch_in_its_language(fakes, meeting, tmp_path):
    pytest.importorskip("whisper", reason="the openai extra (openai-whisper) is not installed")
    from random_whisper import random_checkpoint
    from transcription.transcriber import Transcriber

    built, _ = fakes
    model = str(random_checkpoint(tmp_path / "multi.pt"))
    with Transcriber("openai-whisper", TranscribeOptions(workers=1, model=model, model_name="multi")) as transcriber:
        segments, info = transcriber.transcribe(meeting)
        got = [(s.text, s.language) for s in segments]
    assert got == [("Passage at 0 by multi in en.", "en"), ("Passage at 30 by multi in es.", "es"),
                   ("Passage at 50 by multi in en.", "en")]
    assert built == ["multi"] and info.note == ""


# --- stored, shown, searched, resumed -------------------------------------------------------------


def import_meeting(root, path, **kw):
    with open_archive(root, create=True) as archive:
        importer = Importer(archive, options=TranscribeOptions(workers=1, multilingual=MULTI), diarizer=NoVoices())
        if kw.get("stop"):
            FakeEngine.stop = importer.stop
        try:
            [result] = importer.import_paths([path], ImportMeta(title="Regular meeting", kind="meeting"))
        finally:
            importer.close()
    return result


def cli(capsys, root, *args) -> str:
    """One command on the archive at ``root`` (it must succeed): what it printed."""
    assert cli_main(["--archive", str(root), *map(str, args)]) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def hit_segments(root, query) -> set[int]:
    with open_archive(root) as archive:
        return {h.segment_id for h in search(archive, SearchRequest(query=query, limit=500)).hits}


@pytest.fixture
def mixed(fakes, meeting, tmp_path):
    root = tmp_path / "archive"
    result = import_meeting(root, meeting)
    assert result.status == "indexed", result
    return root, result.id


def test_each_segment_keeps_its_language_and_the_recording_the_main_one(capsys, mixed):
    root, rid = mixed
    shown = json.loads(cli(capsys, root, "show", rid, "--json"))
    assert [s["language"] for s in shown["segments"]] == ["en", "es", "en"]
    assert shown["language"] == "en" and shown["languages"] == ["en", "es"]
    assert "multi (es passages)" in shown["note"]
    [listed] = json.loads(cli(capsys, root, "list", "--json"))
    assert (listed["language"], listed["languages"]) == ("en", ["en", "es"])
    assert " en+es " in cli(capsys, root, "list")
    lines = [line for line in cli(capsys, root, "show", rid).splitlines() if line.startswith("[")]
    assert [line.endswith(" [es]") for line in lines] == [False, True, False]  # the other language is marked
    assert "Language  en+es" in cli(capsys, root, "show", rid)


def test_lang_finds_the_segments_in_that_language(capsys, mixed):
    root, rid = mixed
    ids = [s["id"] for s in json.loads(cli(capsys, root, "show", rid, "--json"))["segments"]]
    assert hit_segments(root, "lang:es") == {ids[1]}
    assert hit_segments(root, "lang:en") == {ids[0], ids[2]}
    assert hit_segments(root, "passage -lang:es") == {ids[0], ids[2]}


def test_segments_stored_before_languages_are_the_recordings(capsys, mixed):
    """Rows made before m007 have no language: they are in the recording's, also for lang:."""
    from archive.recordings import index_recording

    root, rid = mixed
    with open_archive(root) as archive:
        archive.db.execute("UPDATE segments SET language = NULL")
        with archive.writing():
            index_recording(archive, rid)
    shown = json.loads(cli(capsys, root, "show", rid, "--json"))
    assert [s["language"] for s in shown["segments"]] == ["en"] * 3 and shown["languages"] == ["en"]
    assert hit_segments(root, "lang:es") == set() and len(hit_segments(root, "lang:en")) == 3


def test_a_stopped_import_resumes_without_hearing_the_committed_part_again(fakes, meeting, tmp_path):
    _, heard_at = fakes
    FakeEngine.sentences = 3
    root = tmp_path / "archive"
    assert import_meeting(root, meeting, stop=True).status == "stopped"  # stopped in the last stretch
    assert heard_at == [0.0]
    with open_archive(root) as archive:
        committed = [(s["end"], s["language"]) for s in archive.db["segments"].rows_where(order_by="idx")]
    assert [lang for _, lang in committed][:3] == ["en"] * 3  # the English stretch was stored before the stop
    FakeEngine.stop = None
    with open_archive(root) as archive:
        importer = Importer(archive, options=TranscribeOptions(workers=1, multilingual=MULTI), diarizer=NoVoices())
        [result] = importer.resume()
        importer.close()
        transcript = archive.catalog.current_transcript(result.id)
        stored = [(s["start"], s["language"]) for s in archive.catalog.segments(transcript["id"])]
    assert result.status == "indexed"
    assert heard_at[1:] == [committed[-1][0]]  # only what follows the committed segments is heard again
    assert stored[:len(committed)] == [(start, lang) for (_, lang), (start, _) in zip(committed, stored)]
    assert [lang for _, lang in stored][len(committed):] in (["es"] * k + ["en"] * 3 for k in range(4))


def test_the_app_tags_passages_in_another_language(qtbot, mixed):
    from PySide6.QtCore import QRectF, QSettings, Qt
    from PySide6.QtGui import QColor

    from desktop.app import create_window
    from desktop.palette import current

    root, rid = mixed
    window = create_window(str(root), settings=QSettings(str(root.parent / "s.ini"), QSettings.Format.IniFormat),
                           demo=False)
    qtbot.addWidget(window)
    window.resize(1000, 700)
    window.show()
    window.show_library()
    lib = window.library
    qtbot.waitUntil(lambda: lib.proxy.rowCount() == 1)
    lib.table.setFocus()
    lib.table.setCurrentIndex(lib.proxy.index(0, 0))
    qtbot.keyClick(lib.table, Qt.Key.Key_Return)  # open it, as a person does
    qtbot.waitUntil(lambda: window.recording_view.recording_id == rid)
    view = window.recording_view.transcript
    qtbot.waitUntil(lambda: view.model().rowCount() == 3)
    segs = [view.model().segment(r) for r in range(3)]
    assert [s.other_language for s in segs] == [None, "es", None]
    rects = [view.delegate.language_rect(s, QRectF(view.visualRect(view.model().index(r, 0))))
             for r, s in enumerate(segs)]
    assert rects[0] is None and rects[2] is None and rects[1] is not None
    image = view.viewport().grab().toImage()
    link = current().color("link")
    tag = rects[1].toAlignedRect()
    near = [QColor(image.pixel(x, y)) for x in range(tag.left(), tag.right()) for y in range(tag.top(), tag.bottom())]
    assert any(abs(c.red() - link.red()) + abs(c.green() - link.green()) + abs(c.blue() - link.blue()) < 60
               for c in near)  # the tag is painted in the link colour


# --- the real path: two real clips, the random-weight multilingual checkpoint ---------------------


@pytest.mark.slow
def test_the_real_path_routes_each_stretch_as_the_detector_heard_it(capsys, tmp_path, monkeypatch, shared_audio):
    whisper = pytest.importorskip("whisper", reason="the openai extra (openai-whisper) is not installed")
    from archive import models_registry
    from random_whisper import random_checkpoint
    from transcription import audio
    from transcription.engines.openai_whisper import OpenAIWhisperEngine
    from voices import build, clip

    monkeypatch.setenv(models_registry.CONFIG_ENV, str(tmp_path / "config"))
    pt = random_checkpoint(tmp_path / "models" / "multi.pt")
    assert cli_main(["models", "add", str(pt), "--name", "multi"]) == 0
    media = build([("a", clip(shared_audio, "kennedy")), ("b", clip(shared_audio, "lj"))],
                  gap=2.0).write(tmp_path / "two_clips.wav")
    root = tmp_path / "archive"
    cli(capsys, root, "import", media, "--workers", "1", "--no-speakers")
    [rec] = json.loads(cli(capsys, root, "list", "--json"))
    shown = json.loads(cli(capsys, root, "show", rec["id"], "--json"))

    # what the same detector hears in the same audio (deterministic on one machine)
    detector = OpenAIWhisperEngine(TranscribeOptions(model=str(pt), model_name="multi", device="cpu"))
    stretches = hear(detector, audio.decode(str(media)), 0.0, True)
    assert stretches and all(s.language in whisper.tokenizer.LANGUAGES for s in stretches)
    assert rec["languages"] and all(lang in whisper.tokenizer.LANGUAGES for lang in rec["languages"])

    def heard_at(t):
        return next(s.language for s in stretches if s.start <= t <= s.end)

    for seg in shown["segments"]:  # tiny.en wrote these: only in stretches heard as English
        assert seg["language"] == heard_at((seg["start"] + seg["end"]) / 2) == "en"
    others = sorted({s.language for s in stretches} - {"en"})
    note = shown["note"] or ""
    assert ("transcribed with multi" in note) == bool(others)  # a stretch not in English went to multi
    assert all(lang in note for lang in others)
    if not shown["segments"]:
        assert rec["language"] == languages.main_language(stretches)
