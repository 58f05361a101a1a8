"""``council-archive://`` links opened by the desktop: a freedesktop ``.desktop`` file that
handles the ``x-scheme-handler/council-archive`` MIME type (Linux and other XDG desktops).

``council-archive desktop-entry --install`` writes it to ``$XDG_DATA_HOME/applications``
(``~/.local/share/applications``) and makes it the default handler of such links in
``$XDG_CONFIG_HOME/mimeapps.list``; a browser, a document or ``xdg-open LINK`` then runs
``council-archive open LINK``, which opens the app at that moment of the recording.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Mapping, Optional, Sequence

from archive.citation import SCHEME

FILE_NAME = "council-archive.desktop"
MIME_TYPE = f"x-scheme-handler/{SCHEME}"
DEFAULTS = "[Default Applications]"
_RESERVED = re.compile(r"[\s\"'\\><~|&;$*?#()`]")


def command_line() -> list[str]:
    """How this installation starts: the ``council-archive`` script next to the Python that
    runs us (a virtual environment), else the one on PATH, else ``python -m desktop.launcher``."""
    script = Path(sys.executable).with_name("council-archive")
    if script.exists():
        return [str(script)]
    found = shutil.which("council-archive")
    return [found] if found else [sys.executable, "-m", "desktop.launcher"]


def exec_argument(arg: str) -> str:
    """One argument of an ``Exec`` line, quoted as the Desktop Entry specification says
    (double quotes; ``"``, `````, ``$`` and ``\\`` escaped; ``%`` doubled)."""
    arg = arg.replace("%", "%%")
    if arg and not _RESERVED.search(arg):
        return arg
    return '"' + re.sub(r'(["`$\\])', r"\\\1", arg) + '"'


def entry_text(command: Sequence[str]) -> str:
    """The .desktop file: the app, which also opens ``council-archive://`` links (``%u``)."""
    exec_line = " ".join(exec_argument(part) for part in command).replace("\\", "\\\\")  # a string value's escapes
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Name=Council Archive",
        "Comment=Search and hear council meetings",
        f"Exec={exec_line} open %u",
        "Terminal=false",
        "Categories=AudioVideo;Office;",
        f"MimeType={MIME_TYPE};",
        "",
    ])


def _xdg(environ: Mapping[str, str], name: str, default: str) -> Path:
    value = environ.get(name, "").strip()
    return Path(value) if value and os.path.isabs(value) else Path.home() / default


def entry_path(environ: Mapping[str, str] = os.environ) -> Path:
    return _xdg(environ, "XDG_DATA_HOME", ".local/share") / "applications" / FILE_NAME


def with_default(mimeapps: str) -> str:
    """``mimeapps.list`` text with our file as the default handler of the links (the rest kept)."""
    lines = mimeapps.splitlines()
    ours = f"{MIME_TYPE}={FILE_NAME}"
    lines = [line for line in lines if not line.strip().startswith(f"{MIME_TYPE}=")]
    if DEFAULTS in (line.strip() for line in lines):
        at = next(i for i, line in enumerate(lines) if line.strip() == DEFAULTS)
        lines.insert(at + 1, ours)
    else:
        lines += ([""] if lines and lines[-1].strip() else []) + [DEFAULTS, ours]
    return "\n".join(lines) + "\n"


def install(command: Optional[Sequence[str]] = None, environ: Mapping[str, str] = os.environ) -> Path:
    """Write the .desktop file and register it for ``council-archive://`` links. Returns its path."""
    path = entry_path(environ)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(entry_text(command or command_line()), encoding="utf-8")
    mimeapps = _xdg(environ, "XDG_CONFIG_HOME", ".config") / "mimeapps.list"
    mimeapps.parent.mkdir(parents=True, exist_ok=True)
    old = mimeapps.read_text(encoding="utf-8") if mimeapps.exists() else ""
    mimeapps.write_text(with_default(old), encoding="utf-8")
    tool = shutil.which("update-desktop-database")
    if tool:  # refresh the desktop's cache of handlers (not needed for mimeapps.list)
        subprocess.run([tool, str(path.parent)], capture_output=True, check=False, timeout=30)
    return path
