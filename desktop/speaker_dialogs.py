"""The small dialog that names a voice: here only, or for the roster of named voices."""

from __future__ import annotations

from typing import Sequence

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QRadioButton,
    QVBoxLayout,
)


class RenameVoiceDialog(QDialog):
    """Asks for a name and where it applies. ``is_voice``: the speaker has a voiceprint (a
    diarized voice), so it can go to the roster; otherwise the name applies here only."""

    def __init__(self, current: str, label: str, names: Sequence[str], *, is_voice: bool, roster: bool = True,
                 parent=None):
        super().__init__(parent)
        self.setWindowTitle("Name this voice" if is_voice else "Rename speaker")
        self.setObjectName("renameVoiceDialog")
        who = f"“{current}” ({label})" if current != label else f"“{label}”"
        prompt = QLabel(f"Who is {who}?")
        prompt.setWordWrap(True)
        self.name = QComboBox()
        self.name.setEditable(True)
        self.name.addItems([n for n in names if n])
        self.name.setEditText(current if current != label else "")
        self.name.lineEdit().selectAll()
        self.name.lineEdit().setPlaceholderText("A person's name")
        self.here = QRadioButton("In this recording only")
        self.roster = QRadioButton("For the roster: recognise this voice in other recordings too")
        group = QButtonGroup(self)
        group.addButton(self.here)
        group.addButton(self.roster)
        self.roster.setEnabled(is_voice)
        self.here.setVisible(is_voice)  # a name for passages, not a voice: it applies here only
        self.roster.setVisible(is_voice)
        (self.roster if is_voice and roster else self.here).setChecked(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.name.editTextChanged.connect(self._update)
        layout = QVBoxLayout(self)
        layout.addWidget(prompt)
        layout.addWidget(self.name)
        layout.addWidget(self.here)
        layout.addWidget(self.roster)
        layout.addWidget(self.buttons)
        self._update()

    def chosen_name(self) -> str:
        return " ".join(self.name.currentText().split())

    def for_roster(self) -> bool:
        return self.roster.isEnabled() and self.roster.isChecked()

    def _update(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self.chosen_name()))
