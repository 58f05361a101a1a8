"""Keyboard shortcuts, read from the actions themselves: Help → Keyboard Shortcuts lists what
:func:`collect` finds on the window (its menus' actions, then the keys of its panels: the
transcript's, the timeline's, the speaker list's), so the list cannot go stale.

Where a key belongs to one panel (Space plays in the transcript and on the timeline, but
ticks a checkbox), the panel's action owns it; the window-wide action has a key that no
widget uses (Ctrl+Space, and the keyboard's media keys).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QMenu, QWidget

PLAY_PAUSE_KEYS = ("Ctrl+Space", Qt.Key.Key_MediaTogglePlayPause, Qt.Key.Key_MediaPlay, Qt.Key.Key_MediaPause)


@dataclass(frozen=True)
class Shortcut:
    keys: str  # as the platform writes them ("Ctrl+Space, Media Play")
    action: str  # what it does, as the menu says it
    where: str  # "Playback menu", "Transcript", ...


def key_sequences(keys) -> list[QKeySequence]:
    return [QKeySequence(k) for k in keys]


def plain(text: str) -> str:
    """A menu text without its mnemonic "&" and trailing "…"."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").strip()


def _keys_text(sequences) -> str:
    return ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in sequences if not s.isEmpty())


def _menu_actions(menu: QMenu):
    for action in menu.actions():
        if action.menu() is not None:
            yield from _menu_actions(action.menu())
        elif not action.isSeparator():
            yield action


def _area(widget: QWidget) -> str:
    """What a person calls the panel a key works in (its accessible name)."""
    while widget is not None and not widget.accessibleName():
        widget = widget.parentWidget()
    return widget.accessibleName() if widget is not None else ""


def collect(window) -> list[Shortcut]:
    """Every key the window's actions and shortcuts answer to, menus first; an action shown
    in a menu and owned by a panel is listed once."""
    found: dict[tuple[str, str], tuple[str, list[str]]] = {}  # (keys, text in lower case) -> (text, places)

    def add(keys: str, text: str, where: str) -> None:
        if keys and text:
            _, places = found.setdefault((keys, plain(text).lower()), (plain(text), []))
            if where and where not in places:
                places.append(where)

    for top in window.menuBar().actions():
        if top.menu() is not None:
            for action in _menu_actions(top.menu()):
                add(_keys_text(action.shortcuts()), action.text(), f"{plain(top.text())} menu")
    for widget in window.findChildren(QWidget):
        for action in widget.actions():
            if action.shortcutContext() != Qt.ShortcutContext.WindowShortcut:
                add(_keys_text(action.shortcuts()), action.text(), _area(widget))
    for shortcut in window.findChildren(QShortcut):
        parent = shortcut.parent()
        add(_keys_text(shortcut.keys()), shortcut.whatsThis(), _area(parent) if isinstance(parent, QWidget) else "")
    return [Shortcut(keys, text, ", ".join(places) or "Window") for (keys, _), (text, places) in found.items()]


def menu_key(action: QAction, keys) -> None:
    """Show a panel's key next to a window menu's action that does the same thing, without
    the menu taking the key from the panel (the panel's own action answers it)."""
    action.setShortcuts(key_sequences(keys))
    action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)  # active only while the menu bar has the focus
