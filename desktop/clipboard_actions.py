"""Copying: quotes with their citation and reference links, from a hit or the transcript.

A quote is what archive.citation says it is: a hit's passage, the passages selected in the
transcript, or the words chosen inside them; a reference link points at its start, whether
it comes from a menu, a shortcut or a context menu.

Wired by the main window (``ClipboardActions(window)``) to the search panel's and the
transcript's copy signals and to the Edit menu.
"""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication

from archive import views


class ClipboardActions:
    def __init__(self, window):
        self.window = window

    def copy(self, text: str, what: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self.window.statusBar().showMessage(f"Copied {what}: {text[:90]}{'…' if len(text) > 90 else ''}", 6000)

    def copy_hit_quote(self, hit) -> None:
        self.copy(views.hit_quote(hit), "quote")

    def copy_hit_reference(self, hit) -> None:
        self.copy(views.hit_reference(hit), "reference")

    def copy_transcript_quote(self, quote) -> None:
        if quote is not None:
            self.copy(quote.citation, "quote")

    def copy_transcript_reference(self, seconds: float) -> None:
        t = self.window.transcript.transcript
        if t is not None:
            self.copy(t.reference(seconds), "reference")

    def _transcript_first(self) -> bool:
        """The Edit menu copies from the transcript unless the hit list has the focus."""
        w = self.window
        return w.transcript.transcript is not None and not w.search_panel.view.hasFocus()

    def copy_quote(self) -> None:
        """Edit menu: from the transcript selection if it has one, else the current hit."""
        w = self.window
        if self._transcript_first() and w.transcript.selected_rows():
            w.transcript.copy_selection()
        elif w.search_panel.current_hit() is not None:
            self.copy_hit_quote(w.search_panel.current_hit())

    def copy_reference(self) -> None:
        """Edit menu: a link to the transcript selection's time, else to the current hit's quote."""
        w = self.window
        if self._transcript_first() and w.transcript.selected_quote() is not None:
            w.transcript.copy_reference()
        elif w.search_panel.current_hit() is not None:
            self.copy_hit_reference(w.search_panel.current_hit())
