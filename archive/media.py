"""The media store: imported files copied under their content hash.

``media/<sha256><ext>`` survives the source disk going away; ``--link`` keeps the
original path instead. Copies are written to a temporary name and renamed, so a
crash never leaves a half-copied file under a real name.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
from pathlib import Path
from typing import BinaryIO, Callable, Optional

from transcription.inputs import open_input

log = logging.getLogger(__name__)

CHUNK = 1 << 20
HASH_BLOCK = 4 << 20  # large reads into one reused buffer: hashlib keeps up with sha256sum


def sha256_of(path: str | os.PathLike, on_block: Optional[Callable[[int], None]] = None) -> str:
    """The SHA-256 of a regular file (anything else is refused: it might never end).
    ``on_block(n)`` runs after each block read (progress, throttling: archive.fixity)."""
    digest = hashlib.sha256()
    buf = bytearray(HASH_BLOCK)
    view = memoryview(buf)
    with open_input(path) as fh:
        while n := fh.readinto(buf):
            digest.update(view[:n])  # hashlib releases the GIL for blocks this size
            if on_block is not None:
                on_block(n)
    return digest.hexdigest()


def stored_name(sha256: str, source: str | os.PathLike) -> str:
    ext = Path(source).suffix.lower()
    if not ext or len(ext) > 8 or not ext[1:].isalnum():
        ext = ".media"
    return f"{sha256}{ext}"


def store(media_dir: Path, source: str | os.PathLike, sha256: str) -> Path:
    """Copy ``source`` into the store (no-op if already there). Returns the stored path."""
    media_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = media_dir / stored_name(sha256, source)
    if target.exists() and target.stat().st_size == os.path.getsize(source):
        return target
    with open_input(source) as src:
        return _write(src, target)


def store_stream(media_dir: Path, stream: BinaryIO, name: str, sha256: str, verify: Callable[[Path], None]) -> Path:
    """Write ``stream`` (a bundle's media) into the store under ``sha256``. ``verify(copy)``
    sees the whole copy before it gets its real name, and refuses it by raising."""
    media_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    return _write(stream, media_dir / stored_name(sha256, name), verify)


def _write(src: BinaryIO, target: Path, verify: Optional[Callable[[Path], None]] = None) -> Path:
    """Copy through ``.<name>.partial`` and rename: a crash never leaves a half file under a real name."""
    tmp = target.parent / f".{target.name}.partial"
    try:
        # created 0600 from the start: the bytes are never readable by others, even half-copied
        with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as dst:
            shutil.copyfileobj(src, dst, CHUNK)
            dst.flush()
            os.fsync(dst.fileno())
        os.chmod(tmp, 0o600)
        if verify is not None:
            verify(tmp)
        os.replace(tmp, target)
    except BaseException:
        # a failed copy (disk full, source gone, refused) must not leave its half behind
        try:
            tmp.unlink()
        except OSError:
            log.warning("cannot delete the half-copied %s", tmp, exc_info=True)
        raise
    return target


def partial_files(media_dir: Path) -> list[Path]:
    return sorted(media_dir.glob(".*.partial")) if media_dir.exists() else []
