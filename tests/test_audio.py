"""Probing and decoding real media files of every supported kind, and the typed errors."""

from __future__ import annotations

import numpy as np
import pytest

from transcription import audio
from transcription.errors import (
    CorruptMediaError,
    EmptyFileError,
    MediaNotFoundError,
    NoAudioStreamError,
    NotMediaError,
)

TONE = ("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=3")
PICTURE = ("-f", "lavfi", "-i", "testsrc=size=64x48:rate=5:duration=3")

FORMATS = {
    "tone.wav": TONE,
    "tone.mp3": (*TONE, "-c:a", "libmp3lame"),
    "tone.flac": TONE,
    "tone.ogg": (*TONE, "-c:a", "libvorbis"),
    "tone.opus": (*TONE, "-c:a", "libopus"),
    "tone.m4a": (*TONE, "-c:a", "aac"),
    "tone.aac": (*TONE, "-c:a", "aac"),
    "video.mp4": (*PICTURE, *TONE, "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest"),
    "video.mkv": (*PICTURE, *TONE, "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "libvorbis", "-shortest"),
    "video.webm": (*PICTURE, *TONE, "-c:v", "libvpx", "-c:a", "libopus", "-shortest"),
    "video.mov": (*PICTURE, *TONE, "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest"),
}


def test_ffmpeg_binary_is_found():
    exe = audio.ffmpeg_exe()
    assert exe and ("ffmpeg" in exe)


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_probe_and_decode_every_format(make_media, name):
    path = make_media(name, *FORMATS[name])
    info = audio.probe(path)
    assert info.has_audio
    assert info.has_video == name.startswith("video")
    assert info.duration == pytest.approx(3.0, abs=0.2)
    samples = audio.decode(path)
    assert samples.dtype == np.float32 and samples.ndim == 1
    assert len(samples) / audio.SAMPLE_RATE == pytest.approx(3.0, abs=0.15)
    # it really is the 440 Hz tone: the spectrum peaks there
    spectrum = np.abs(np.fft.rfft(samples[: audio.SAMPLE_RATE]))  # 1 s window: 1 Hz bins
    peak_hz = int(np.argmax(spectrum))
    assert peak_hz == pytest.approx(440, abs=3)


def test_decode_window_and_stream(make_media):
    path = make_media("tone10.wav", "-f", "lavfi", "-i", "sine=frequency=300:duration=10")
    part = audio.decode(path, start=2.0, duration=3.5)
    assert len(part) == pytest.approx(3.5 * audio.SAMPLE_RATE, abs=200)
    blocks = list(audio.iter_blocks(path, block_seconds=4))
    assert [len(b) for b in blocks[:2]] == [4 * audio.SAMPLE_RATE] * 2
    assert sum(len(b) for b in blocks) == pytest.approx(10 * audio.SAMPLE_RATE, abs=200)
    energy = audio.frame_energy(path, frame_seconds=0.1)
    assert len(energy) == pytest.approx(100, abs=1)
    # lavfi's sine is 1/8 of full scale: -21 dBFS, steady from start to end
    assert energy.min() == pytest.approx(-21.1, abs=1.0) and energy.max() < -20


def test_real_speech_decodes_to_16k_mono(shared_audio):
    info = audio.probe(shared_audio / "jfk.flac")
    assert (info.sample_rate, info.channels) == (44100, 2)
    samples = audio.decode(shared_audio / "jfk.flac")
    assert len(samples) / audio.SAMPLE_RATE == pytest.approx(11.0, abs=0.05)
    assert 0.01 < float(np.sqrt(np.mean(samples**2))) < 0.5


def test_missing_file():
    with pytest.raises(MediaNotFoundError, match="file not found"):
        audio.probe("/no/such/meeting.mp3")


def test_text_file_renamed_mp3(tmp_path):
    fake = tmp_path / "minutes.mp3"
    fake.write_text("These are the minutes of the meeting, not audio.\n" * 20)
    with pytest.raises(NotMediaError) as err:
        audio.probe(fake)
    assert "not an audio or video file" in err.value.message
    assert "\n" not in err.value.message


def test_zero_byte_file(tmp_path):
    empty = tmp_path / "empty.wav"
    empty.touch()
    with pytest.raises(EmptyFileError, match="empty file"):
        audio.probe(empty)


def test_video_without_audio(make_media):
    path = make_media("silent_film.mp4", *PICTURE, "-c:v", "libx264", "-pix_fmt", "yuv420p")
    with pytest.raises(NoAudioStreamError, match="has no audio track"):
        audio.probe(path)


def test_truncated_file_is_corrupt(make_media, tmp_path):
    good = make_media("long_tone.flac", "-f", "lavfi", "-i", "sine=frequency=500:duration=20")
    cut = tmp_path / "cut.flac"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 4])
    with pytest.raises(CorruptMediaError, match="corrupt or truncated"):
        audio.decode(cut)


def test_errors_are_one_line_and_name_the_file(tmp_path):
    path = tmp_path / 'odd "name" ünïcode.mp3'
    path.write_bytes(b"\x00\x01garbage" * 100)
    with pytest.raises(NotMediaError) as err:
        audio.probe(path)
    assert str(path) in err.value.message and "\n" not in err.value.message
