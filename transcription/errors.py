"""Typed errors for media input. Each message is one line a person understands."""

from __future__ import annotations

import os


def printable(path: str | bytes | os.PathLike) -> str:
    """A path as text that can be printed, logged and stored: a name that is not valid
    UTF-8 (any bytes are a valid name on POSIX) keeps its readable part, with U+FFFD for
    the bytes that are not."""
    return os.fsencode(path).decode("utf-8", "replace")


class AudioError(Exception):
    """Base class: the file could not be used as audio."""

    reason = "cannot be read as audio"

    def __init__(self, path: str | os.PathLike, detail: str | None = None):
        self.path = os.fspath(path)
        self.detail = detail
        super().__init__(self.message)

    @property
    def message(self) -> str:
        name = printable(self.path)
        text = f"{name}: {self.reason}"
        detail = self.detail
        if detail and detail.startswith(f"{name}: "):  # ffmpeg's "PATH: reason": the path once is enough
            detail = detail[len(name) + 2:]
        if detail and detail != name:
            text += f" ({detail})"
        return text.replace("\n", " ")


class MediaNotFoundError(AudioError):
    reason = "file not found"


class MediaPermissionError(AudioError):
    reason = "permission denied"


class NotMediaError(AudioError):
    reason = "not an audio or video file"


class EmptyFileError(NotMediaError):
    reason = "empty file (0 bytes)"


class NoAudioStreamError(AudioError):
    reason = "has no audio track"


class CorruptMediaError(AudioError):
    reason = "audio is corrupt or truncated"


class NotRegularFileError(AudioError):
    """A FIFO, a device, a socket: reading one could block for ever or never end."""

    reason = "not a regular file"


class FileTooLargeError(AudioError):
    reason = "file too large"


class MediaTimeoutError(AudioError):
    reason = "ffmpeg did not finish reading it in time"


class FFmpegMissingError(AudioError):
    reason = "no ffmpeg binary found (install ffmpeg or the imageio-ffmpeg package)"
