"""The Whisper models on this machine, by name: the bundled tiny.en and the local models
people registered (``council-archive models add PATH``).

Models belong to the machine, not to one archive: the registry is ``models.json`` in the
user's config folder (``$COUNCIL_ARCHIVE_CONFIG_DIR`` when set), written atomically. A name
is turned into a path here; the transcription package only ever sees paths, so nothing is
ever downloaded.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional

from transcription.models import (DEFAULT_MODEL, FASTER_WHISPER, OPENAI_WHISPER, ModelError, bundled_model_dir,
                                  choose_device, compute_type_for, english_only_refuses, inspect_model)
from transcription.types import ModelChoice, TranscribeOptions

log = logging.getLogger(__name__)

CONFIG_ENV = "COUNCIL_ARCHIVE_CONFIG_DIR"
REGISTRY_FILE = "models.json"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,63}")


@dataclass(frozen=True)
class Model:
    name: str
    engine: str  # the engine its format needs: faster-whisper (CTranslate2 folder) or openai-whisper (.pt)
    path: str
    languages: tuple[str, ...]
    default: bool = False

    @property
    def multilingual(self) -> bool:
        return self.languages != ("en",)

    def to_dict(self) -> dict:
        return {**asdict(self), "languages": list(self.languages)}

    def choice(self) -> ModelChoice:
        return ModelChoice(self.path, self.name, self.engine)


def config_dir(environ=os.environ) -> Path:
    """$COUNCIL_ARCHIVE_CONFIG_DIR, else the platform's user config folder."""
    if environ.get(CONFIG_ENV):
        return Path(environ[CONFIG_ENV]).expanduser()
    try:
        import platformdirs
    except ImportError:  # pragma: no cover - platformdirs is a dependency
        return Path.home() / ".config" / "council-archive"
    return Path(platformdirs.user_config_dir("council-archive", appauthor=False))


def registry_path() -> Path:
    return config_dir() / REGISTRY_FILE


def _read() -> dict:
    path = registry_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"default": None, "models": []}
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read the model registry {path} ({exc})".splitlines()[0]) from exc
    if not isinstance(data, dict) or not isinstance(data.get("models"), list):
        raise ModelError(f"the model registry {path} is not one this program wrote")
    return data


def _write(data: dict) -> None:
    """Replace the registry in one step: a reader sees the old one or the new one."""
    path = registry_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".models-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=2)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def bundled() -> Model:
    folder = bundled_model_dir()
    return Model(DEFAULT_MODEL, FASTER_WHISPER, str(folder) if folder else "", ("en",))


def models() -> list[Model]:
    """tiny.en first, then the registered models in the order they were added."""
    data = _read()
    default = data.get("default") or DEFAULT_MODEL
    try:
        found = [bundled()] + [Model(m["name"], m["engine"], m["path"], tuple(m["languages"])) for m in data["models"]]
    except (KeyError, TypeError) as exc:
        raise ModelError(f"the model registry {registry_path()} is not one this program wrote ({exc!r})") from exc
    return [Model(m.name, m.engine, m.path, m.languages, m.name == default) for m in found]


def find(name: str) -> Optional[Model]:
    return next((m for m in models() if m.name == name), None)


def default_name(path: Path) -> str:
    """A name for a model from its path: the folder's name, a .pt file's stem; a Hugging Face
    cache snapshot (``models--Systran--faster-whisper-base.en/snapshots/<hash>``) by its repository."""
    if path.parent.name == "snapshots" and path.parent.parent.name.startswith("models--"):
        return path.parent.parent.name.split("--")[-1]
    return path.stem if path.suffix.lower() == ".pt" else path.name


def add(path: str, name: Optional[str] = None) -> Model:
    """Register the model at ``path`` (checked first: ModelError, and nothing changes)."""
    info = inspect_model(path)
    name = name or default_name(Path(info.path))
    if not _NAME.fullmatch(name):
        raise ModelError(f"{name!r} cannot name a model: use letters, digits, '.', '_', '+' or '-' (up to 64)")
    data = _read()
    if name == DEFAULT_MODEL or any(m["name"] == name for m in data["models"]):
        raise ModelError(f"a model named {name} is already registered: choose another --name")
    same = next((m for m in data["models"] if m["path"] == info.path), None)
    if same is not None:
        raise ModelError(f"{path} is already registered as {same['name']}")
    model = Model(name, info.engine, info.path, info.languages)
    data["models"].append({k: v for k, v in model.to_dict().items() if k != "default"})
    _write(data)
    return model


def remove(name: str) -> Model:
    if name == DEFAULT_MODEL:
        raise ModelError(f"{DEFAULT_MODEL} ships with the program: it cannot be removed")
    model = find(name)
    if model is None:
        raise ModelError(unknown(name))
    data = _read()
    data["models"] = [m for m in data["models"] if m["name"] != name]
    if data.get("default") == name:
        data["default"] = None
    _write(data)
    return model


def set_default(name: str) -> Model:
    model = find(name)
    if model is None:
        raise ModelError(unknown(name))
    data = _read()
    data["default"] = None if name == DEFAULT_MODEL else name
    _write(data)
    return model


def unknown(name: str) -> str:
    return (f"unknown model {name!r}: `council-archive models list` shows the models on this machine, "
            "`models add PATH` registers one (nothing is downloaded)")


def resolve(spec: Optional[str]) -> Model:
    """The model a ``--model`` value names: nothing = the default model, a registered name,
    or a path to a model folder or .pt file (checked)."""
    if not spec:
        return next(m for m in models() if m.default)
    model = find(spec)
    if model is not None:
        if model.name != DEFAULT_MODEL and not os.path.exists(model.path):
            raise ModelError(f"model {model.name}: {model.path} is gone (moved or deleted?); "
                             f"`council-archive models remove {model.name}` forgets it")
        return model
    if os.path.sep in spec or os.path.exists(spec) or spec.endswith(".pt"):
        info = inspect_model(spec)
        return Model(default_name(Path(info.path)), info.engine, info.path, info.languages)
    raise ModelError(unknown(spec))


def choose_engine(model: Model, requested: Optional[str]) -> str:
    """The engine for ``model``: as asked, else the one its format needs. A .pt checkpoint
    is openai-whisper's only (a CTranslate2 folder works with both)."""
    if requested == FASTER_WHISPER and model.engine == OPENAI_WHISPER:
        raise ModelError(f"model {model.name} is an openai-whisper checkpoint (.pt): use --engine openai-whisper, "
                         "or a CTranslate2 folder for faster-whisper")
    return requested or model.engine


def multilingual_for(model: Model) -> Optional[Model]:
    """A registered multilingual model to hear the language with when ``model`` is English-only:
    the default one if it is multilingual, else the first registered."""
    if model.multilingual:
        return None
    candidates = [m for m in models() if m.multilingual]
    return next((m for m in candidates if m.default), candidates[0] if candidates else None)


def options_for(spec: Optional[str], engine: Optional[str] = None, device: str = "auto", compute_type: str = "auto",
                language: Optional[str] = None, **options) -> tuple[str, TranscribeOptions]:
    """The engine and TranscribeOptions for the model ``spec`` names (a registered name, a
    path, or nothing: the default) on a device that exists: ModelError in one line before
    anything is tried. An English-only model gets a registered multilingual one to hear
    the language with, and to transcribe a language other than English (``language``, or
    as heard: transcription.languages); with none, a ``language`` other than English is refused."""
    model = resolve(spec)
    engine = choose_engine(model, engine)
    # "auto" is settled by the engine when it loads (probing for a GPU imports CUDA
    # runtimes: too slow for the app's start); "cuda" is checked now, before anything changes
    device = choose_device(device, engine) if device not in (None, "auto") else "auto"
    multilingual = None if language == "en" else multilingual_for(model)
    if language and language != "en" and not model.multilingual and multilingual is None:
        raise english_only_refuses(model.name, language)
    return engine, TranscribeOptions(
        model=None if model.name == DEFAULT_MODEL else model.path,
        model_name=model.name,
        language=language,
        device=device,
        compute_type=compute_type if device == "auto" else compute_type_for(device, compute_type),
        multilingual=multilingual.choice() if multilingual else None,
        **options,
    )
