"""The search panel's filter widgets: a combo box with facet counts, the year filter that
follows the date fields, and the small pieces that label them.

Passive like the panel: they hold a value and signal its changes.
"""

from __future__ import annotations

from typing import Optional

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

from desktop.date_field import DateField

KIND_LABELS = {"meeting": "Meetings", "radio": "Radio", "other": "Other"}
CUSTOM_DATES = "custom"  # the year filter's item while the date fields hold other dates


class FacetCombo(QComboBox):
    """A filter whose items show how many hits (or recordings) each value has."""

    def __init__(self, all_label: str, labels: Optional[dict] = None, parent=None, always: tuple = ()):
        super().__init__(parent)
        self.all_label = all_label
        self.labels = labels or {}
        self.always = tuple(always)  # values listed even when nothing has them
        self.addItem(all_label, "")
        for v in self.always:
            self.addItem(self.labels.get(v, v), v)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(10)

    def value(self) -> str:
        return self.currentData() or ""

    def set_value(self, value: str) -> None:
        i = self.findData(value or "")
        self.setCurrentIndex(max(0, i))

    def set_counts(self, counts: dict[str, int], known: tuple = ()) -> None:
        """Rebuild the items from facet counts (keeping the current choice)."""
        current = self.value()
        values = sorted(set(counts) | set(known) | set(self.always) | ({current} if current else set()), key=str.lower)
        self.blockSignals(True)
        self.clear()
        self.addItem(self.all_label, "")
        for v in values:
            label = self.labels.get(v, v)
            n = counts.get(v)
            self.addItem(f"{label} ({n})" if n else label, v)
        self.set_value(current)
        self.blockSignals(False)


class YearCombo(FacetCombo):
    """The year filter. Choosing a year fills the date fields; dates that are not one whole
    year show as an item of their own ("From 2024-03-01"), never as "Any time"."""

    def __init__(self, parent=None):
        super().__init__("Any time", parent=parent)
        self._custom = ""

    def value(self) -> str:
        value = super().value()
        return "" if value == CUSTOM_DATES else value

    def is_custom(self) -> bool:
        return self.currentData() == CUSTOM_DATES

    def set_custom(self, label: str) -> None:
        """Show ``label`` as the chosen item (``""``: none), without signalling."""
        self.blockSignals(True)
        i = self.findData(CUSTOM_DATES)
        if i >= 0:
            self.removeItem(i)
        self._custom = label
        if label:
            self.insertItem(1, label, CUSTOM_DATES)
            self.setCurrentIndex(1)
        self.blockSignals(False)

    def set_counts(self, counts: dict[str, int], known: tuple = ()) -> None:
        super().set_counts(counts, known)
        if self._custom:
            self.set_custom(self._custom)


def labelled(text: str, field: QWidget) -> QWidget:
    """``field`` with a label in front that is never cut."""
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(4)
    label = QLabel(text)
    label.setBuddy(field.edit if isinstance(field, DateField) else field)
    label.setMinimumWidth(label.sizeHint().width())
    row.addWidget(label)
    row.addWidget(field, 1)
    return box


def dates_label(first: str, last: str) -> str:
    """``From 2024-03-01``, ``Until 2024-06-30`` or ``2024-03-01 to 2024-06-30``."""
    if first and last:
        return f"{first} to {last}"
    return f"From {first}" if first else f"Until {last}"
