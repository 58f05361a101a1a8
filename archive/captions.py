"""Read existing captions (SubRip .srt, WebVTT .vtt) as transcript segments.

Archives already hold captions for much of their video; these are indexed without
transcribing. Captions carry no word times: the index spreads them over the cue.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from transcription.errors import AudioError, printable
from transcription.inputs import read_input

CAPTION_EXTENSIONS = (".srt", ".vtt")

_TIME = r"(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{1,3})"
_CUE_TIME = re.compile(_TIME + r"\s*-->\s*" + _TIME)
_VOICE = re.compile(r"<v(?:\.[\w.]+)?\s+([^>]+)>")
_TAG = re.compile(r"</?[^>]+>")
_SPEAKER_PREFIX = re.compile(r"^([A-Z][\w.' -]{1,40}):\s+")
# Ten hours of captions take about 1.5 MB: anything much bigger is not a caption file.
MAX_CAPTION_BYTES = 16 * 2**20


class CaptionError(ValueError):
    pass


@dataclass
class CaptionSegment:
    start: float
    end: float
    text: str
    speaker: Optional[str] = None
    words: list = field(default_factory=list)
    flag: Optional[str] = None


def _seconds(h, m, s, ms) -> float:
    return int(h or 0) * 3600 + int(m) * 60 + int(s) + int(ms.ljust(3, "0")) / 1000


def parse_captions(path: str | Path) -> list[CaptionSegment]:
    """Parse an .srt or .vtt file. Raises CaptionError with a one-line reason."""
    path = Path(path)
    try:
        data = read_input(path, MAX_CAPTION_BYTES, "captions")
    except AudioError as exc:  # not a regular file, too large, missing, unreadable
        raise CaptionError(exc.message) from exc
    except OSError as exc:
        raise CaptionError(f"{printable(path)}: cannot read captions ({exc.strerror})") from exc
    try:
        raw = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raw = data.decode("latin-1")
    blocks = re.split(r"\n\s*\n", raw.replace("\r\n", "\n").replace("\r", "\n"))
    out: list[CaptionSegment] = []
    for block in blocks:
        lines = [ln for ln in block.strip().split("\n") if ln.strip()]
        idx = next((i for i, ln in enumerate(lines) if _CUE_TIME.search(ln)), None)
        if idx is None:
            continue
        m = _CUE_TIME.search(lines[idx])
        start, end = _seconds(*m.groups()[:4]), _seconds(*m.groups()[4:])
        body = " ".join(lines[idx + 1 :])
        speaker = None
        voice = _VOICE.search(body)
        if voice:
            speaker = voice.group(1).strip()
        text = html.unescape(_TAG.sub("", body)).strip()
        prefix = _SPEAKER_PREFIX.match(text)
        if prefix and speaker is None:
            speaker, text = prefix.group(1).strip(), text[prefix.end() :]
        if text and end >= start:
            out.append(CaptionSegment(start, end, " ".join(text.split()), speaker))
    if not out:
        raise CaptionError(f"{printable(path)}: no caption cues found (expected SubRip or WebVTT)")
    out.sort(key=lambda s: s.start)
    return out


def sidecar_for(media: Path) -> Optional[Path]:
    for ext in CAPTION_EXTENSIONS:
        candidate = media.with_suffix(ext)
        if candidate.exists():
            return candidate
    return None
