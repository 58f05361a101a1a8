"""The app's own colours, told once: a light and a dark scheme, the WCAG contrast ratio that
checks them, and :class:`Looks`, which follows the system's light or dark mode.

Every text colour is readable at WCAG AA (≥ 4.5:1) on the backgrounds it is drawn on, and
what is not text but must be seen (the selection's frame, the focus ring) stands out at
≥ 3:1 (WCAG's non-text contrast); tests/test_desktop_looks.py computes every pair of
:meth:`Scheme.text_pairs` and :meth:`Scheme.marks`.

The scheme in use is app-wide, like the QApplication's palette: widgets read
:func:`current` when they paint, and the window calls their ``restyle()`` when
:class:`Looks` says it changed.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette

AA_TEXT = 4.5  # WCAG AA, normal text
AA_MARK = 3.0  # WCAG AA, user-interface components and focus indicators


@dataclass(frozen=True)
class Scheme:
    name: str
    base: str  # the transcript's (and lists') background
    window: str  # panels' background (the hint under the transcript sits on it)
    text: str
    hint: str  # secondary text: the legend under the transcript, placeholders
    link: str  # a passage's time
    uncertain: str  # words Whisper was unsure of
    selected: str  # background of selected passages: light enough for every colour on it
    frame: str  # the frame around selected passages
    focus: str  # focus rings (the timeline)
    playing: str  # background of the word being played
    marked: str  # background of a search hit's words
    chosen: str  # background of words chosen inside passages (to quote part of one)
    on_mark: str  # a word's text on ``playing`` or ``marked``
    error: str  # error messages (a bad query, a bad date)
    voices: tuple[str, ...]  # one colour per voice (desktop.speaker_style)

    @property
    def dark(self) -> bool:
        return luminance(self.base) < 0.2

    def color(self, role: str) -> QColor:
        return QColor(getattr(self, role))

    def text_pairs(self) -> list[tuple[str, str, str]]:
        """(what, text colour, background) of every text the app draws in its own colours."""
        pairs = []
        for bg_name in ("base", "selected"):
            bg = getattr(self, bg_name)
            pairs += [(f"{role} on {bg_name}", getattr(self, role), bg) for role in ("text", "link", "uncertain")]
            pairs.append((f"notes on {bg_name}", blend(self.text, bg, 0.6), bg))  # the delegate's dim text
            pairs += [(f"voice {i + 1} on {bg_name}", c, bg) for i, c in enumerate(self.voices)]
        pairs += [(f"{role} on {bg}", getattr(self, role), getattr(self, bg))
                  for role in ("hint", "error") for bg in ("base", "window")]
        pairs.append(("selected item in lists (the app palette's highlight)", self.base, self.frame))
        pairs += [(f"word on {bg}", self.on_mark, getattr(self, bg)) for bg in ("playing", "marked", "chosen")]
        return pairs

    def marks(self) -> list[tuple[str, str, str]]:
        """(what, colour, background) of what must be seen without being text."""
        return [("selection frame on base", self.frame, self.base),
                ("selection frame on selected", self.frame, self.selected),
                ("focus ring on window", self.focus, self.window),
                ("focus ring on base", self.focus, self.base)]


LIGHT = Scheme(
    name="light", base="#ffffff", window="#efefef", text="#000000", hint="#555555", link="#0b57d0",
    uncertain="#b33c00", selected="#e8f0fa", frame="#0b57d0", focus="#0b57d0",
    playing="#b9d7ff", marked="#ffe066", chosen="#a8c7fa", on_mark="#000000", error="#b00020",
    voices=("#1864ab", "#c92a2a", "#2b6e3a", "#862e9c", "#a0410d",
            "#0b7285", "#c2255c", "#364fc7", "#7a5c00", "#9c36b5"),
)
DARK = Scheme(
    name="dark", base="#1f1f1f", window="#2b2b2b", text="#e8e8e8", hint="#b0b0b0", link="#8ab4f8",
    uncertain="#ff9a5c", selected="#24344a", frame="#8ab4f8", focus="#8ab4f8",
    playing="#b9d7ff", marked="#ffe066", chosen="#a8c7fa", on_mark="#000000", error="#ff8a80",
    voices=("#74b3f0", "#ff8787", "#69db7c", "#e599f7", "#ffa94d",
            "#3bc9db", "#f783ac", "#91a7ff", "#e6c34a", "#f3c4fb"),
)


def _rgb(color) -> tuple[float, float, float]:
    c = QColor(color)
    return c.redF(), c.greenF(), c.blueF()


def luminance(color) -> float:
    """WCAG relative luminance of a colour ("#rrggbb" or QColor)."""
    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = _rgb(color)
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_ratio(a, b) -> float:
    """WCAG contrast ratio of two colours, 1.0 to 21.0."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def blend(front, back, alpha: float) -> str:
    """``front`` drawn at ``alpha`` over ``back``, as one colour."""
    f, b = _rgb(front), _rgb(back)
    return QColor.fromRgbF(*(alpha * x + (1 - alpha) * y for x, y in zip(f, b))).name()


_current = LIGHT


def current() -> Scheme:
    """The scheme in use (LIGHT until :class:`Looks` says otherwise)."""
    return _current


def scheme_for(color_scheme: Qt.ColorScheme, palette: QPalette) -> Scheme:
    """The scheme for the system's colour scheme; Unknown: whatever the palette's base is."""
    if color_scheme == Qt.ColorScheme.Dark:
        return DARK
    if color_scheme == Qt.ColorScheme.Light:
        return LIGHT
    return DARK if palette.color(QPalette.ColorRole.Base).lightnessF() < 0.5 else LIGHT


def qt_palette(scheme: Scheme, palette: QPalette, whole: bool) -> QPalette:
    """``palette`` with the scheme's selection, placeholder and link colours (the platform's
    own can miss AA: Fusion's light selection is 3.7:1, its placeholder 4.0:1), and with
    ``whole`` its backgrounds and text too (when the platform keeps a light palette in dark
    mode, or the reverse)."""
    pal = QPalette(palette)
    roles = {
        QPalette.ColorRole.PlaceholderText: scheme.hint, QPalette.ColorRole.Link: scheme.link,
        QPalette.ColorRole.Highlight: scheme.frame, QPalette.ColorRole.HighlightedText: scheme.base,
    }
    if whole:
        roles.update({
            QPalette.ColorRole.Window: scheme.window, QPalette.ColorRole.Base: scheme.base,
            QPalette.ColorRole.AlternateBase: scheme.window, QPalette.ColorRole.Button: scheme.window,
            QPalette.ColorRole.WindowText: scheme.text, QPalette.ColorRole.Text: scheme.text,
            QPalette.ColorRole.ButtonText: scheme.text, QPalette.ColorRole.ToolTipBase: scheme.base,
            QPalette.ColorRole.ToolTipText: scheme.text,
        })
    for role, colour in roles.items():
        pal.setColor(QPalette.ColorGroup.All, role, QColor(colour))
    if whole:  # disabled text: dim, as disabled text is
        dim = QColor(blend(scheme.text, scheme.window, 0.45))
        for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
            pal.setColor(QPalette.ColorGroup.Disabled, role, dim)
    return pal


class Looks(QObject):
    """Follows the system's light/dark mode (Qt 6.5+: ``styleHints().colorScheme()``, and
    ``colorSchemeChanged``), makes its scheme :func:`current` and says when it changed."""

    changed = Signal(object)  # the new Scheme

    def __init__(self, parent=None):
        super().__init__(parent)
        hints = QGuiApplication.styleHints()
        self._scheme = scheme_for(hints.colorScheme(), QGuiApplication.palette())
        self._apply(self._scheme)
        hints.colorSchemeChanged.connect(self.follow)

    @property
    def scheme(self) -> Scheme:
        return current()

    def follow(self, color_scheme: Qt.ColorScheme) -> None:
        # judged by this object's own last scheme, not the app's: another window's Looks
        # may have applied the change first, and this window must still restyle
        scheme = scheme_for(color_scheme, QGuiApplication.palette())
        if scheme is not current():
            self._apply(scheme)
        if scheme is not self._scheme:
            self._scheme = scheme
            self.changed.emit(scheme)

    @staticmethod
    def _apply(scheme: Scheme) -> None:
        global _current
        _current = scheme
        app = QGuiApplication.instance()
        if app is not None:  # whole: the platform did not follow the system's mode, so we do
            whole = scheme_for(Qt.ColorScheme.Unknown, app.palette()) is not scheme
            app.setPalette(qt_palette(scheme, app.palette(), whole))
