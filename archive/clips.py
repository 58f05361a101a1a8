"""Audio clips for radio: cut a recording (or a video's sound) with ffmpeg-python and tag
the file with title, date and the citation of what is said in it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Optional

import ffmpeg

from archive.alignment import spread_words
from archive.citation import Quote, words_quote
from archive.exports import ExportError, load_transcript, safe_filename
from archive.outputs import output_path
from transcription.audio import ffmpeg_exe, media_arg, time_limit

CLIP_FORMATS = {
    "mp3": {"acodec": "libmp3lame", "audio_bitrate": "128k"},
    "wav": {"acodec": "pcm_s16le"},
    "m4a": {"acodec": "aac", "audio_bitrate": "128k"},
}


def parse_time(value: str | float) -> float:
    """Seconds from ``75.5``, ``1:15.5`` or ``00:01:15.5``."""
    if isinstance(value, (int, float)):
        return float(value)
    text = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    m = re.fullmatch(r"(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)", text)
    if not m:
        raise ValueError(f"not a time: {value!r} (use seconds or HH:MM:SS)")
    return int(m[1] or 0) * 3600 + int(m[2]) * 60 + float(m[3])


def quote_between(recording, segments: list[dict], start: float, end: float) -> Optional[Quote]:
    """The quote spoken between two times (the words whose middle falls inside), with the
    speaker of most of them; None when nothing is said there."""
    words: list[dict] = []
    speakers: dict[str, int] = {}
    for seg in segments:
        if seg.get("flag") or seg["end"] < start or seg["start"] > end:
            continue
        seg_words = seg["words"] or spread_words(seg["text"], seg["start"], seg["end"])
        for w in seg_words:
            if start - 0.05 <= (w["start"] + w["end"]) / 2 <= end + 0.05:
                words.append(w)
                if seg["speaker"]:
                    speakers[seg["speaker"]] = speakers.get(seg["speaker"], 0) + 1
    return words_quote(recording, words, max(speakers, key=speakers.get) if speakers else None)


def default_clip_name(rec, start: float, fmt: str) -> str:
    """The file name a clip gets when none is given: date, title and start second."""
    return safe_filename(f"{rec.date or ''} {rec.title} {int(start)}s".strip()) + f".{fmt}"


def make_clip(
    archive,
    recording_id: int,
    start: float,
    end: float,
    out: Optional[Path] = None,
    fmt: str = "mp3",
    pad: float = 0.0,
) -> tuple[Path, str]:
    """Cut [start - pad, end + pad] into ``out``, tagged with the citation of the quote spoken
    in [start, end] (archive.citation: cited at its first word). Returns (path, citation)."""
    if fmt not in CLIP_FORMATS:
        raise ExportError(f"clip format must be one of {', '.join(CLIP_FORMATS)}")
    data = load_transcript(archive, recording_id)
    rec = data.recording
    media = archive.media_path(rec)
    if media is None or not media.exists():
        raise ExportError(f"the media file of recording {recording_id} is missing: {media}")
    duration = rec.duration or 0.0
    if end <= start:
        raise ExportError("the clip's end must come after its start")
    if start < 0 or (duration and start >= duration):
        raise ExportError(f"start {start:.2f}s is outside the recording (0–{duration:.2f}s)")
    a = max(0.0, start - max(0.0, pad))
    b = min(duration, end + max(0.0, pad)) if duration else end + max(0.0, pad)
    quote = quote_between(rec, data.segments, start, end) or Quote(
        rec.id, "(no transcript)", start, end, None, rec.body, rec.title, rec.date)
    cite = quote.citation
    out = output_path(archive, out if out is not None else Path(default_clip_name(rec, start, fmt)))
    tags = {"title": quote.tag_title, "artist": rec.body or "", "date": rec.date or "", "album": rec.title, "comment": cite}
    target = media_arg(out)  # never read as an option (-o=-foo.mp3), whatever the name
    stream = ffmpeg.input(media_arg(media), ss=f"{a:.3f}", t=f"{b - a:.3f}").output(
        filename=target, vn=None, ac=1, **CLIP_FORMATS[fmt]
    )
    args = stream.overwrite_output().get_args()
    # output options (the tags) must come before the output file name
    at = len(args) - 1 - args[::-1].index(target)
    for key, value in tags.items():
        if value:
            args[at:at] = ["-metadata", f"{key}={value}"]
            at += 2
    limit = time_limit(media, b - a)
    try:
        proc = subprocess.run([ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", *args],
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace", timeout=limit)
    except subprocess.TimeoutExpired as exc:
        raise ExportError(f"ffmpeg did not finish the clip in {limit:.0f} s") from exc
    if proc.returncode != 0:
        raise ExportError(f"ffmpeg could not cut the clip: {proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else proc.returncode}")
    return out, cite
