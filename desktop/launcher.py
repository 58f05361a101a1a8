"""The ``council-archive`` entry point: the archive's command line, or the app.

Kept free of Qt imports so that command-line use starts fast; the app module is
imported only when no subcommand is given, and only after :func:`missing_system_library`
has checked that Qt will be able to open a window.
"""

from __future__ import annotations

import os
import sys
from typing import Mapping, Optional, Sequence

from archive.citation import SCHEME

# Qt >= 6.5 loads its xcb platform plugin (X11) only if this system library is there;
# without it Qt aborts with a many-line message. PySide6's wheels do not ship it.
XCB_CURSOR = "libxcb-cursor.so.0"
XCB_CURSOR_PACKAGE = "libxcb-cursor0"
EXIT_MISSING_LIBRARY = 1  # the CLI's "error" exit code


def has_library(soname: str) -> bool:
    """True when the dynamic loader finds ``soname`` (what Qt's plugin will ask it for)."""
    import ctypes

    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def uses_xcb(environ: Mapping[str, str] = os.environ, platform: str = sys.platform) -> bool:
    """Will Qt open its window through the xcb platform (X11 on Linux)?

    Not for ``QT_QPA_PLATFORM=offscreen`` (tests, screenshots) or ``wayland``, nor in a
    Wayland session when no platform is asked for (Qt then prefers Wayland)."""
    if not platform.startswith("linux"):
        return False
    asked = environ.get("QT_QPA_PLATFORM", "").strip()
    if asked:
        return asked.split(";")[0].split(":")[0].strip() == "xcb"
    return not (environ.get("WAYLAND_DISPLAY") or environ.get("XDG_SESSION_TYPE") == "wayland")


def missing_system_library(environ: Mapping[str, str] = os.environ, platform: str = sys.platform) -> Optional[str]:
    """One line naming a system library the window needs and how to install it, or None."""
    if uses_xcb(environ, platform) and not has_library(XCB_CURSOR):
        return (f"council-archive: cannot open a window: the system library {XCB_CURSOR_PACKAGE} "
                f"({XCB_CURSOR}) is missing; install it with: sudo apt-get install {XCB_CURSOR_PACKAGE}")
    return None


def open_app(archive_dir: str, link: Optional[str] = None) -> int:
    """The app on ``archive_dir``; ``link``: a ``council-archive://`` link to open in it."""
    problem = missing_system_library()
    if problem is not None:
        print(problem, file=sys.stderr)
        return EXIT_MISSING_LIBRARY
    from desktop.app import main as app_main

    return app_main(archive_dir=archive_dir, link=link)


def with_open(argv: Sequence[str]) -> list[str]:
    """A bare link as the argument (``council-archive council-archive://recording/3?t=9``,
    as a desktop or browser may pass it) means ``open LINK``."""
    argv = list(argv)
    if argv and argv[-1].startswith(f"{SCHEME}:") and "open" not in argv:
        argv.insert(len(argv) - 1, "open")
    return argv


def main(argv: Optional[Sequence[str]] = None) -> int:
    from archive.cli import main as cli_main

    return cli_main(with_open(sys.argv[1:] if argv is None else argv), open_app=open_app)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
