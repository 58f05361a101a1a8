"""The app's settings (QSettings) and the Settings dialog.

``AppSettings`` wraps one QSettings object that the app's ``main`` creates and passes
in; tests give it an INI file in a temporary folder so they never touch real settings.
The models offered are the machine's (:mod:`archive.models_registry`), by name.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Optional

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

ORGANIZATION = "Council Archive"
APPLICATION = "Council Archive"
ENGINES = ("faster-whisper", "openai-whisper")
DEVICES = ("auto", "cpu", "cuda")
COMPUTE_TYPES = ("auto", "int8", "int8_float32", "float32", "float16", "int8_float16")

log = logging.getLogger(__name__)


def default_qsettings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)


@dataclass
class Preferences:
    archive_location: str = ""  # empty: the one given on the command line / the default
    engine: str = "faster-whisper"
    model: str = ""  # a name from `models list`; empty: the default model (tiny.en unless `models default`)
    device: str = "auto"  # auto: the GPU when there is one, else the CPU
    compute_type: str = "auto"  # auto: float16 on a GPU, int8 on the CPU
    language: str = ""  # empty: let the model decide
    pre_roll: float = 1.0  # seconds played before a hit's first word
    default_body: str = ""
    cluster: str = ""  # a Ray cluster to transcribe on: HOST:PORT, ray://HOST:10001 or local; empty: this computer
    shared_path: str = ""  # with a cluster: where its workers see the archive folder (a shared filesystem)


class AppSettings:
    """Typed access to the QSettings keys the app uses."""

    KEYS = {
        "archive_location": "archive/location",
        "engine": "transcription/engine",
        "model": "transcription/model",
        "device": "transcription/device",
        "compute_type": "transcription/compute_type",
        "language": "transcription/language",
        "pre_roll": "player/pre_roll",
        "default_body": "import/default_body",
        "cluster": "cluster/address",
        "shared_path": "cluster/shared_path",
    }

    def __init__(self, qsettings: Optional[QSettings] = None):
        self.qsettings = qsettings if qsettings is not None else default_qsettings()

    def load(self) -> Preferences:
        prefs = Preferences()
        for name, key in self.KEYS.items():
            default = getattr(prefs, name)
            value = self.qsettings.value(key, default)
            try:
                value = type(default)(value) if value is not None else default
            except (TypeError, ValueError):
                value = default
            setattr(prefs, name, value)
        prefs.pre_roll = max(0.0, min(10.0, prefs.pre_roll))
        if prefs.engine not in ENGINES:
            prefs.engine = ENGINES[0]
        if prefs.device not in DEVICES:
            prefs.device = DEVICES[0]
        return prefs

    def save(self, prefs: Preferences) -> None:
        for name, key in self.KEYS.items():
            self.qsettings.setValue(key, getattr(prefs, name))
        self.qsettings.sync()

    # window state and the queue of imports not yet started (restored next time)
    def value(self, key: str, default=None):
        return self.qsettings.value(key, default)

    def set_value(self, key: str, value) -> None:
        self.qsettings.setValue(key, value)
        self.qsettings.sync()

    def transcribe_options(self, prefs: Optional[Preferences] = None):
        """The TranscribeOptions for the model, device and language chosen (as the command
        line makes them: archive.models_registry.options_for)."""
        from archive.models_registry import options_for
        from transcription.models import ModelError
        from transcription.types import TranscribeOptions

        prefs = prefs or self.load()
        try:
            return options_for(prefs.model or None, prefs.engine, prefs.device, prefs.compute_type or "auto",
                               prefs.language or None)[1]
        except ModelError as exc:
            # a model or GPU gone since Settings chose it: never another one silently; the
            # import fails with this one line when the engine loads
            log.warning("the transcription settings cannot be used: %s", exc)
            return TranscribeOptions(model=prefs.model or None, device=prefs.device, language=prefs.language or None)


def model_items() -> tuple[list[tuple[str, str, bool]], str]:
    """(label, name, default) of every model on this machine, and a problem reading the
    registry ("" if none)."""
    from archive import models_registry
    from transcription.models import ModelError

    try:
        found = models_registry.models()
    except ModelError as exc:
        return [("tiny.en (bundled, English only)", "tiny.en", True)], str(exc)
    items = []
    for m in found:
        kind = "English only" if not m.multilingual else "multilingual"
        extra = ", bundled" if m.name == "tiny.en" else ""
        items.append((f"{m.name} ({m.engine}{extra}, {kind}{', default' if m.default else ''})", m.name, m.default))
    return items, ""


def cluster_problem(prefs: Preferences) -> str:
    """What is wrong with the cluster settings ("" if nothing): only their form is checked,
    the cluster is reached when an import starts."""
    from archive.cluster import check_address

    if prefs.shared_path and not prefs.cluster:
        return "A shared path goes with a cluster address: give the cluster, or clear the shared path."
    problem = check_address(prefs.cluster)
    return f"Cluster: {problem}" if problem else ""


class SettingsDialog(QDialog):
    """Edits a Preferences; the caller saves it when the dialog is accepted. ``archive_folder``:
    the folder the app has open, shown when no other is chosen. OK checks the model, engine
    and device together (a .pt model needs openai-whisper; cuda needs a GPU) and says what
    is wrong instead of closing."""

    def __init__(self, prefs: Preferences, parent: Optional[QWidget] = None, archive_folder: str = ""):
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setMinimumWidth(480)
        self._prefs = prefs
        self._folder_in_use = "" if prefs.archive_location else archive_folder

        self.location = QLineEdit(prefs.archive_location or archive_folder)
        self.location.setPlaceholderText("the folder given on the command line")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        loc_row = QHBoxLayout()
        loc_row.addWidget(self.location, 1)
        loc_row.addWidget(browse)

        self.engine = QComboBox()
        self.engine.addItems(ENGINES)
        self.engine.setCurrentText(prefs.engine)
        self.model = QComboBox()
        items, problem = model_items()
        for label, name, _ in items:
            self.model.addItem(label, name)
        if prefs.model and self.model.findData(prefs.model) < 0:  # removed since: shown, refused on OK
            self.model.addItem(f"{prefs.model} (not on this machine)", prefs.model)
        chosen = self.model.findData(prefs.model) if prefs.model else next(
            (i for i, (_, _, default) in enumerate(items) if default), 0)
        self.model.setCurrentIndex(max(0, chosen))
        self._model_shown = self.model.currentIndex()
        self.model.setToolTip("Add models with: council-archive models add PATH")
        self.model.currentIndexChanged.connect(self._model_changed)
        self.device = QComboBox()
        self.device.addItems(DEVICES)
        self.device.setCurrentText(prefs.device)
        self.device.setToolTip("auto: the GPU (CUDA, float16) when there is one, else the CPU (int8)")
        self.compute_type = QComboBox()
        self.compute_type.setEditable(True)
        self.compute_type.addItems(COMPUTE_TYPES)
        self.compute_type.setCurrentText(prefs.compute_type)
        self.language = QLineEdit(prefs.language)
        self.language.setPlaceholderText("detect (English-only models: en)")
        self.pre_roll = QDoubleSpinBox()
        self.pre_roll.setRange(0.0, 10.0)
        self.pre_roll.setSingleStep(0.5)
        self.pre_roll.setSuffix(" s")
        self.pre_roll.setValue(prefs.pre_roll)
        self.default_body = QLineEdit(prefs.default_body)
        self.default_body.setPlaceholderText("e.g. Riverton City Council")
        self.cluster = QLineEdit(prefs.cluster)
        self.cluster.setPlaceholderText("this computer")
        self.cluster.setToolTip(
            "Transcribe and find speakers on a Ray cluster; this computer still writes the archive.\n"
            "Empty: this computer, without Ray. HOST:PORT: the cluster's head (ray start --head),\n"
            "ray://HOST:10001 from a machine outside the cluster, local: a private Ray instance here.\n"
            "Used from the next import on; needs the 'cluster' extra.")
        self.shared_path = QLineEdit(prefs.shared_path)
        self.shared_path.setPlaceholderText("none: the media is sent to the workers")
        self.shared_path.setToolTip("With a cluster: where its workers see this archive's folder (a shared "
                                    "filesystem),\nso they read the media there instead of receiving it.")
        self.problem = QLabel(problem)
        self.problem.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Archive folder:", loc_row)
        note = QLabel("A new archive folder is used the next time you open the app.")
        note.setEnabled(False)
        form.addRow("", note)
        form.addRow("Model:", self.model)
        form.addRow("Engine:", self.engine)
        form.addRow("Device:", self.device)
        form.addRow("Compute type:", self.compute_type)
        form.addRow("Language:", self.language)
        form.addRow("Play before a hit:", self.pre_roll)
        form.addRow("Default body:", self.default_body)
        form.addRow("Cluster:", self.cluster)
        form.addRow("Shared path:", self.shared_path)

        self.button_box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.button_box.accepted.connect(self.accept)
        self.button_box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.button_box)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Archive folder", self.location.text())
        if folder:
            self.location.setText(folder)

    def _model_changed(self) -> None:
        """A .pt checkpoint runs on openai-whisper only: the engine follows the model."""
        from archive import models_registry
        from transcription.models import OPENAI_WHISPER, ModelError

        try:
            model = models_registry.find(self.model.currentData() or "")
        except ModelError:
            return
        if model is not None and model.engine == OPENAI_WHISPER:
            self.engine.setCurrentText(OPENAI_WHISPER)

    def accept(self) -> None:
        from archive.models_registry import options_for
        from transcription.models import ModelError

        prefs = self.preferences()
        problem = cluster_problem(prefs)
        if problem:
            self.problem.setText(problem)
            self.cluster.setFocus()
            return
        try:
            options_for(prefs.model or None, prefs.engine, prefs.device, prefs.compute_type, prefs.language or None)
        except ModelError as exc:
            self.problem.setText(str(exc))
            return
        self.problem.clear()
        super().accept()

    def preferences(self) -> Preferences:
        location = self.location.text().strip()
        unchanged_model = not self._prefs.model and self.model.currentIndex() == self._model_shown
        return Preferences(
            archive_location="" if location == self._folder_in_use else location,
            engine=self.engine.currentText(),
            model="" if unchanged_model else (self.model.currentData() or ""),
            device=self.device.currentText(),
            compute_type=self.compute_type.currentText().strip() or "auto",
            language=self.language.text().strip(),
            pre_roll=float(self.pre_roll.value()),
            default_body=self.default_body.text().strip(),
            cluster=self.cluster.text().strip(),
            shared_path=self.shared_path.text().strip(),
        )
