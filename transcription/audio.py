"""Probe and decode media with ffmpeg-python.

The ``ffmpeg`` binary is the system one when it is on PATH, otherwise the one that
``imageio-ffmpeg`` ships, so a fresh machine needs no system package for audio.

Decoding produces 16 kHz mono float32. A whole recording is read straight into one
preallocated array (never a list of chunks joined afterwards), and :func:`iter_blocks`
streams a file block by block for work that needs only a window at a time.

Every run of ffmpeg or ffprobe is bounded: it gets a path through :func:`media_arg`
(absolute, behind ``file:``, as bytes on POSIX: no name reads as an option or a protocol,
and any name works, valid UTF-8 or not), reads only a regular file
(:func:`transcription.inputs.check_input`), and is killed past a time limit that grows
with the audio it decodes (:func:`time_limit`).
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

import ffmpeg
import numpy as np

from transcription.errors import (
    CorruptMediaError,
    EmptyFileError,
    FFmpegMissingError,
    MediaTimeoutError,
    NoAudioStreamError,
    NotMediaError,
)
from transcription.formats import hms
from transcription.inputs import check_input

SAMPLE_RATE = 16000
_BYTES_PER_SAMPLE = 4  # float32

AUDIO_EXTENSIONS = {".wav", ".mp3", ".flac", ".ogg", ".oga", ".opus", ".m4a", ".aac", ".wma", ".aiff", ".aif"}
VIDEO_EXTENSIONS = {".mp4", ".mkv", ".webm", ".mov", ".avi", ".m4v", ".mpg", ".mpeg", ".ts", ".wmv"}
MEDIA_EXTENSIONS = AUDIO_EXTENSIONS | VIDEO_EXTENSIONS

PROBE_TIMEOUT = 60.0  # seconds: a probe reads the container's header, no more
# A decode may take DECODE_BASE seconds plus DECODE_RATE seconds per second of audio
# (ffmpeg decodes speech codecs a hundred times faster than that, even on a busy machine).
DECODE_BASE = 60.0
DECODE_RATE = 1.0
# A file that declares no length is bounded by its size, at a bit rate under any speech codec's.
SLOWEST_BYTES_PER_SECOND = 500  # 4 kbit/s


@functools.cache
def ffmpeg_exe() -> str:
    """The ffmpeg binary: the system one if on PATH, else imageio-ffmpeg's."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg  # only needed where there is no system ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except Exception as exc:  # pragma: no cover - depends on the machine
        raise FFmpegMissingError("ffmpeg", str(exc)) from exc


@functools.cache
def ffprobe_exe() -> Optional[str]:
    """ffprobe next to the chosen ffmpeg, or on PATH; None when there is none."""
    sibling = Path(ffmpeg_exe()).with_name("ffprobe")
    if sibling.exists():
        return str(sibling)
    return shutil.which("ffprobe")


def media_arg(path: str | bytes | os.PathLike) -> str | bytes:
    """A path as ffmpeg and ffprobe are given it, input or output.

    Absolute and behind the ``file:`` protocol, so no name reads as an option (``-x.wav``)
    or as another protocol (``pipe:3.wav``); bytes on POSIX, where any bytes make a file
    name, so a name that is not valid UTF-8 passes through ffmpeg-python and subprocess
    as it is (Windows names are always text).
    """
    url = "file:" + os.path.abspath(os.fsdecode(path))
    return os.fsencode(url) if os.name == "posix" else url


def time_limit(path: str | os.PathLike, seconds: Optional[float] = None) -> float:
    """How long ffmpeg may take to decode ``seconds`` of ``path`` (all of it when None)."""
    if not seconds or seconds <= 0:
        seconds = os.path.getsize(path) / SLOWEST_BYTES_PER_SECOND
    return DECODE_BASE + DECODE_RATE * seconds


class _Deadline:
    """Kills a process still running after ``seconds``; ``expired`` then says so."""

    def __init__(self, proc: subprocess.Popen, seconds: float):
        self.proc = proc
        self.seconds = seconds
        self.expired = False
        self._timer = threading.Timer(seconds, self._kill)
        self._timer.daemon = True
        self._timer.start()

    def _kill(self) -> None:
        if self.proc.poll() is None:
            self.expired = True
            self.proc.kill()

    def cancel(self, path: str) -> None:
        """Stop the clock; raise :class:`MediaTimeoutError` if it had run out."""
        self._timer.cancel()
        if self.expired:
            raise MediaTimeoutError(path, f"stopped after {self.seconds:.0f} s")


@dataclass(frozen=True)
class MediaInfo:
    path: str
    duration: float  # seconds; 0.0 when the container does not say
    has_audio: bool
    has_video: bool
    format_name: str = ""
    audio_codec: str = ""
    sample_rate: int = 0
    channels: int = 0


def _run_probe(path: str, cmd: list) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=PROBE_TIMEOUT, check=False)
    except subprocess.TimeoutExpired as exc:
        raise MediaTimeoutError(path, f"its header took over {PROBE_TIMEOUT:.0f} s to read") from exc


_DURATION_RE = re.compile(r"Duration:\s*(\d+):(\d+):(\d+(?:\.\d+)?)")
_AUDIO_RE = re.compile(r"Stream #\d+:\d+.*?: Audio: ([^,\s]+)(?:.*?, (\d+) Hz)?(?:, (mono|stereo|[\d.]+ channels|[\w.()]+))?")
_INPUT_RE = re.compile(r"Input #0, ([^ ]+), from")


def _probe_with_ffprobe(path: str, exe: str) -> MediaInfo:
    proc = _run_probe(path, [exe, "-v", "error", "-show_format", "-show_streams", "-of", "json", media_arg(path)])
    try:
        data = json.loads(proc.stdout.decode("utf-8", "replace")) if proc.returncode == 0 else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise NotMediaError(path, _last_line(proc.stderr))
    streams = data.get("streams", [])
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    video = any(s.get("codec_type") == "video" and s.get("disposition", {}).get("attached_pic", 0) == 0 for s in streams)
    fmt = data.get("format", {})
    duration = float(fmt.get("duration") or (audio or {}).get("duration") or 0.0)
    return MediaInfo(
        path=path,
        duration=duration,
        has_audio=audio is not None,
        has_video=video,
        format_name=fmt.get("format_name", ""),
        audio_codec=(audio or {}).get("codec_name", ""),
        sample_rate=int((audio or {}).get("sample_rate") or 0),
        channels=int((audio or {}).get("channels") or 0),
    )


def _probe_with_ffmpeg(path: str) -> MediaInfo:
    # Without ffprobe, `ffmpeg -i FILE` prints the same header on stderr (and exits 1
    # because no output is named). This is the container header, not progress.
    proc = _run_probe(path, [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", media_arg(path)])
    err = proc.stderr.decode("utf-8", "replace")
    fmt = _INPUT_RE.search(err)
    if not fmt:
        raise NotMediaError(path, _last_line(err))
    duration = 0.0
    m = _DURATION_RE.search(err)
    if m:
        h, mi, s = m.groups()
        duration = int(h) * 3600 + int(mi) * 60 + float(s)
    audio = _AUDIO_RE.search(err)
    video = any(
        "Video:" in line and "attached pic" not in line for line in err.splitlines() if "Stream #" in line
    )
    channels = 0
    if audio and audio.group(3):
        layout = audio.group(3)
        channels = 1 if layout == "mono" else 2 if layout == "stereo" else int(float(layout.split()[0])) if layout[0].isdigit() else 0
    return MediaInfo(
        path=path,
        duration=duration,
        has_audio=audio is not None,
        has_video=video,
        format_name=fmt.group(1).rstrip(","),
        audio_codec=audio.group(1).rstrip(",") if audio else "",
        sample_rate=int(audio.group(2)) if audio and audio.group(2) else 0,
        channels=channels,
    )


def probe(path: str | os.PathLike) -> MediaInfo:
    """Duration and streams of a media file. Raises a typed :class:`AudioError`."""
    path = os.fspath(path)
    if check_input(path).st_size == 0:
        raise EmptyFileError(path)
    exe = ffprobe_exe()
    info = _probe_with_ffprobe(path, exe) if exe else _probe_with_ffmpeg(path)
    if not info.has_audio:
        raise NoAudioStreamError(path)
    return info


def check_complete(path: str | os.PathLike, info: MediaInfo) -> None:
    """Refuse a file whose audio stops well before the length its header declares.

    That is a truncated file (a cut-off download or copy): transcribing it would give a
    recording that silently ends part-way, so it fails as :class:`CorruptMediaError` and
    the complete copy can be used instead. The check decodes one second at 90 % of the
    declared length (the tolerance :func:`decode` allows). A truncated file that declares
    no length (raw streams, many mp3s without a Xing header) is simply a shorter recording.
    """
    duration = info.duration or 0.0
    if duration < 2.0:
        return
    at = duration * 0.9
    try:
        samples = decode(path, start=at, duration=1.0, expected_duration=1.0)
    except CorruptMediaError:
        samples = np.zeros(0, dtype=np.float32)
    if len(samples) == 0:
        raise CorruptMediaError(path, f"the audio stops before {hms(at)} of the {hms(duration)} its header declares")


def _last_line(stderr: bytes | str | None) -> str:
    if not stderr:
        return ""
    if isinstance(stderr, bytes):
        stderr = stderr.decode("utf-8", "replace")
    lines = [ln.strip() for ln in stderr.strip().splitlines() if ln.strip()]
    return lines[-1][:200] if lines else ""


def _decode_process(path: str, start: Optional[float], duration: Optional[float]) -> subprocess.Popen:
    check_input(path)  # a FIFO or a device would never end
    input_args = {}
    if start:
        input_args["ss"] = f"{start:.3f}"
    if duration is not None:
        input_args["t"] = f"{duration:.3f}"
    stream = (
        ffmpeg.input(media_arg(path), **input_args)
        .output("pipe:", format="f32le", acodec="pcm_f32le", ac=1, ar=SAMPLE_RATE, map="0:a:0", vn=None)
        .global_args("-nostdin", "-hide_banner", "-loglevel", "error")
    )
    return stream.run_async(cmd=ffmpeg_exe(), pipe_stdout=True, pipe_stderr=True)


class _StderrReader(threading.Thread):
    """Drains ffmpeg's stderr so a chatty decoder cannot dead-lock the pipe."""

    def __init__(self, pipe):
        super().__init__(daemon=True)
        self.pipe = pipe
        self.data = b""

    def run(self):
        self.data = self.pipe.read()


def decode(
    path: str | os.PathLike,
    start: Optional[float] = None,
    duration: Optional[float] = None,
    expected_duration: Optional[float] = None,
) -> np.ndarray:
    """Decode (part of) a file's first audio track to 16 kHz mono float32.

    ``start``/``duration`` select a window in seconds. ``expected_duration`` sizes the
    buffer up front (it is probed when not given), so the samples are held once.
    """
    path = os.fspath(path)
    if expected_duration is None:
        info = probe(path)
        total = info.duration
        expected_duration = duration if duration is not None else max(0.0, total - (start or 0.0))
    capacity = int((expected_duration + 1.0) * SAMPLE_RATE) + SAMPLE_RATE
    buf = np.empty(capacity, dtype=np.float32)
    proc = _decode_process(path, start, duration)
    deadline = _Deadline(proc, time_limit(path, expected_duration))
    err = _StderrReader(proc.stderr)
    err.start()
    filled = 0  # bytes
    try:
        while True:
            view = memoryview(buf).cast("B")
            if filled >= len(view):
                buf = np.resize(buf, len(buf) + 60 * SAMPLE_RATE)  # rare: container under-reported
                continue
            n = proc.stdout.readinto(view[filled:])
            if not n:
                break
            filled += n
    finally:
        proc.stdout.close()
        rc = proc.wait()
        err.join()
        deadline.cancel(path)
    samples = filled // _BYTES_PER_SAMPLE
    if rc != 0 or (err.data and samples == 0):
        if samples == 0:
            raise CorruptMediaError(path, _last_line(err.data))
    if err.data and expected_duration and samples < 0.9 * expected_duration * SAMPLE_RATE:
        raise CorruptMediaError(path, _last_line(err.data))
    return buf[:samples]


def iter_blocks(
    path: str | os.PathLike, block_seconds: float = 30.0, duration: Optional[float] = None
) -> Iterator[np.ndarray]:
    """Stream a file's audio as consecutive 16 kHz mono float32 blocks.

    ``duration`` (the probed length, if known) sets the time the whole stream may take.
    """
    path = os.fspath(path)
    proc = _decode_process(path, None, None)
    deadline = _Deadline(proc, time_limit(path, duration))
    err = _StderrReader(proc.stderr)
    err.start()
    nbytes = int(block_seconds * SAMPLE_RATE) * _BYTES_PER_SAMPLE
    got_any = False
    try:
        while True:
            data = proc.stdout.read(nbytes)
            if not data:
                break
            usable = len(data) - len(data) % _BYTES_PER_SAMPLE
            got_any = True
            yield np.frombuffer(data[:usable], dtype=np.float32)
    finally:
        proc.stdout.close()
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        err.join()
        deadline.cancel(path)
    if not got_any:
        raise CorruptMediaError(path, _last_line(err.data))


def frame_energy(path: str | os.PathLike, frame_seconds: float = 0.1, duration: Optional[float] = None) -> np.ndarray:
    """RMS energy (dBFS) per frame over the whole file, streamed: a few MB for hours."""
    frame = int(frame_seconds * SAMPLE_RATE)
    parts = []
    carry = np.zeros(0, dtype=np.float32)
    for block in iter_blocks(path, block_seconds=60.0, duration=duration):
        data = np.concatenate([carry, block]) if carry.size else block
        n = data.size // frame
        if n:
            frames = data[: n * frame].reshape(n, frame)
            rms = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-12)
            parts.append(20 * np.log10(rms))
        carry = data[n * frame :].copy()
    if carry.size:
        rms = np.sqrt(np.mean(carry.astype(np.float64) ** 2) + 1e-12)
        parts.append(np.array([20 * np.log10(rms)]))
    return np.concatenate(parts) if parts else np.zeros(0)


def is_media_path(path: str | os.PathLike) -> bool:
    return Path(path).suffix.lower() in MEDIA_EXTENSIONS
