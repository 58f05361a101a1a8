"""A date filter field: type an ISO date (``2024-03-12`` or ``20240312``), clear it with
one click, or pick it from a calendar that opens on the archive's own dates.

Empty means "no limit". The field never shows one thing while filtering by another: its
value is the date its text reads, or nothing; a text that is not a date is marked and
says what is wrong (``month 13 is invalid``), and filters nothing.
"""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import QCalendarWidget, QHBoxLayout, QLineEdit, QMenu, QToolButton, QWidget, QWidgetAction

from archive.dates import date_problem, typed_date
from desktop.palette import current

ISO_FORMAT = "yyyy-MM-dd"


class DateField(QWidget):
    """``changed(str)`` when the date it filters by changes (``""``: no limit)."""

    changed = Signal(str)

    def __init__(self, placeholder: str = "any date", parent=None):
        super().__init__(parent)
        self._value = ""
        self._anchor: Optional[str] = None  # where the calendar opens when the field is empty
        self._range: tuple[Optional[str], Optional[str]] = (None, None)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(placeholder)
        self.edit.setClearButtonEnabled(True)  # one click clears it
        self.edit.setToolTip("A date like 2024-03-12 (or 20240312); empty: no limit")
        self.edit.setMaxLength(10)
        self.edit.setMinimumWidth(self.edit.fontMetrics().horizontalAdvance("2024-03-12") + 36)
        self.edit.editingFinished.connect(self.commit)
        self.edit.textEdited.connect(self._edited)
        self.button = QToolButton()
        self.button.setText("▾")
        self.button.setToolTip("Pick the date from a calendar")
        self.button.setAccessibleName("Calendar")
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.calendar = QCalendarWidget()
        self.calendar.setGridVisible(False)
        self.calendar.clicked.connect(self._picked)
        self.calendar.activated.connect(self._picked)
        menu = QMenu(self.button)
        holder = QWidgetAction(menu)
        holder.setDefaultWidget(self.calendar)
        menu.addAction(holder)
        menu.aboutToShow.connect(self._calendar_opens)
        self.menu = menu
        self.button.setMenu(menu)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.button)
        self.setFocusProxy(self.edit)

    # --- value ------------------------------------------------------------------------
    def value(self) -> str:
        """The date it filters by (``YYYY-MM-DD``), or ``""``."""
        return self._value

    def problem(self) -> Optional[str]:
        """What is wrong with the typed text (None when it is a date or empty)."""
        text = self.edit.text().strip()
        return None if not text or typed_date(text) else (date_problem(text) or "not a date")

    def set_value(self, iso: str, notify: bool = True) -> None:
        self.edit.setText(iso or "")
        self._set(iso or "", notify)

    def clear(self) -> None:
        self.set_value("")

    def commit(self) -> None:
        """Take the typed text: a date (written out as ``YYYY-MM-DD``), empty, or a mistake
        (marked; the filter is dropped rather than kept from an older text)."""
        text = self.edit.text().strip()
        date = typed_date(text) if text else ""
        if date and date != text:
            self.edit.setText(date)  # 20240101 reads 2024-01-01
        self._set(date or "")

    def _edited(self, text: str) -> None:
        """While typing, the filter is the date the text reads, or none (a half-typed date
        filters nothing); a mistake is marked when the typing ends (:meth:`commit`)."""
        self._set(typed_date(text) or "", mark=False)
        if self.edit.property("invalid") and not self.problem():
            self._mark()

    def _set(self, value: str, notify: bool = True, mark: bool = True) -> None:
        if mark:
            self._mark()
        if value != self._value:
            self._value = value
            if notify:
                self.changed.emit(value)

    def _mark(self) -> None:
        problem = self.problem()
        self.edit.setProperty("invalid", bool(problem))
        self.edit.setStyleSheet(f"QLineEdit {{ border: 1px solid {current().error}; }}" if problem else "")
        self.edit.setToolTip(f"Not a date: {problem}" if problem else "A date like 2024-03-12 (or 20240312); empty: no limit")

    # --- the calendar -----------------------------------------------------------------
    def set_range(self, first: Optional[str], last: Optional[str], anchor: Optional[str] = None) -> None:
        """The archive's dates: the calendar offers them and opens at ``anchor`` (or ``first``)."""
        self._range = (first, last)
        self._anchor = anchor or first

    def _calendar_opens(self) -> None:
        first, last = self._range
        self.calendar.setMinimumDate(QDate(1, 1, 1))
        self.calendar.setMaximumDate(QDate(9999, 12, 31))
        at = QDate.fromString(self._value or self._anchor or "", ISO_FORMAT)
        if not at.isValid():
            at = QDate.currentDate()
        self.calendar.setSelectedDate(at)
        self.calendar.setCurrentPage(at.year(), at.month())
        if first and last:
            self.calendar.setToolTip(f"Recordings from {first} to {last}")

    def _picked(self, date: QDate) -> None:
        self.menu.hide()
        self.set_value(date.toString(ISO_FORMAT))
        self.edit.setFocus(Qt.FocusReason.PopupFocusReason)
