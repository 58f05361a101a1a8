"""Work-arounds for bugs in the Qt binding, kept in one place and applied by desktop.app.

PySide6 6.12's abi3 wheels hand back ``None``, ``True`` and ``False`` without taking a
reference (as if they were immortal, which they are only from Python 3.12 on). On
Python 3.10/3.11 every void call (``label.setText(...)``, ``painter.drawText(...)``) and
every ``signal.emit(...)`` therefore drops one reference the interpreter owns, and after
some tens of thousands of calls CPython aborts ("none_dealloc: deallocating None").

:func:`guard_singletons` measures whether the running binding has that bug and, if it
has, gives those singletons a reference count no process can ever use up, which is
what Python 3.12 does for them anyway. With a fixed binding, or on 3.12+, it does nothing.
"""

from __future__ import annotations

import ctypes
import sys

_BUMP = 1 << 40
_done = False


def _binding_drops_none_references() -> bool:
    from PySide6.QtCore import QObject

    probe = QObject()
    n = 64
    before = sys.getrefcount(None)
    for _ in range(n):
        probe.setObjectName("probe")  # a void method: returns None
    return before - sys.getrefcount(None) >= n // 2


def guard_singletons() -> bool:
    """Protect None/True/False (and friends) from the binding's reference-count bug.
    Returns True when the work-around was needed and applied."""
    global _done
    if _done or sys.version_info >= (3, 12):
        return False
    _done = True
    if not _binding_drops_none_references():
        return False
    for obj in (None, True, False, NotImplemented, Ellipsis):
        refcnt = ctypes.c_ssize_t.from_address(id(obj))  # ob_refcnt: the first field of every object
        before = sys.getrefcount(obj)
        refcnt.value += _BUMP
        if sys.getrefcount(obj) != before + _BUMP:  # not the layout we expect: undo
            refcnt.value -= _BUMP
    return True
