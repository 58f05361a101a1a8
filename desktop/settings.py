"""The app's settings (QSettings) and the Settings dialog.

``AppSettings`` wraps one QSettings object that the app's ``main`` creates and passes
in; tests give it an INI file in a temporary folder so they never touch real settings.
"""

from __future__ import annotations

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
COMPUTE_TYPES = ("int8", "int8_float32", "float32", "float16", "int8_float16")


def default_qsettings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)


@dataclass
class Preferences:
    archive_location: str = ""  # empty: the one given on the command line / the default
    engine: str = "faster-whisper"
    model: str = ""  # empty: the bundled tiny.en
    compute_type: str = "int8"
    language: str = ""  # empty: let the model decide
    pre_roll: float = 1.0  # seconds played before a hit's first word
    default_body: str = ""


class AppSettings:
    """Typed access to the QSettings keys the app uses."""

    KEYS = {
        "archive_location": "archive/location",
        "engine": "transcription/engine",
        "model": "transcription/model",
        "compute_type": "transcription/compute_type",
        "language": "transcription/language",
        "pre_roll": "player/pre_roll",
        "default_body": "import/default_body",
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
        from transcription.types import TranscribeOptions

        prefs = prefs or self.load()
        return TranscribeOptions(
            model=prefs.model or None,
            language=prefs.language or None,
            compute_type=prefs.compute_type or "int8",
        )


class SettingsDialog(QDialog):
    """Edits a Preferences; the caller saves it when the dialog is accepted."""

    def __init__(self, prefs: Preferences, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setMinimumWidth(480)

        self.location = QLineEdit(prefs.archive_location)
        self.location.setPlaceholderText("the folder given on the command line")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        loc_row = QHBoxLayout()
        loc_row.addWidget(self.location, 1)
        loc_row.addWidget(browse)

        self.engine = QComboBox()
        self.engine.addItems(ENGINES)
        self.engine.setCurrentText(prefs.engine)
        self.model = QLineEdit(prefs.model)
        self.model.setPlaceholderText("tiny.en (bundled)")
        self.compute_type = QComboBox()
        self.compute_type.setEditable(True)
        self.compute_type.addItems(COMPUTE_TYPES)
        self.compute_type.setCurrentText(prefs.compute_type)
        self.language = QLineEdit(prefs.language)
        self.language.setPlaceholderText("detect (en for *.en models)")
        self.pre_roll = QDoubleSpinBox()
        self.pre_roll.setRange(0.0, 10.0)
        self.pre_roll.setSingleStep(0.5)
        self.pre_roll.setSuffix(" s")
        self.pre_roll.setValue(prefs.pre_roll)
        self.default_body = QLineEdit(prefs.default_body)
        self.default_body.setPlaceholderText("e.g. Riverton City Council")

        form = QFormLayout()
        form.addRow("Archive folder:", loc_row)
        note = QLabel("A new archive folder is used the next time you open the app.")
        note.setEnabled(False)
        form.addRow("", note)
        form.addRow("Engine:", self.engine)
        form.addRow("Model:", self.model)
        form.addRow("Compute type:", self.compute_type)
        form.addRow("Language:", self.language)
        form.addRow("Play before a hit:", self.pre_roll)
        form.addRow("Default body:", self.default_body)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Archive folder", self.location.text())
        if folder:
            self.location.setText(folder)

    def preferences(self) -> Preferences:
        return Preferences(
            archive_location=self.location.text().strip(),
            engine=self.engine.currentText(),
            model=self.model.text().strip(),
            compute_type=self.compute_type.currentText().strip() or "int8",
            language=self.language.text().strip(),
            pre_roll=float(self.pre_roll.value()),
            default_body=self.default_body.text().strip(),
        )
