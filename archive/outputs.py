"""Where what leaves the archive may be written: anywhere but inside the archive.

Every export (transcripts, clips, search results, the catalog, bundles), from the
command line and from the app, passes its output path through :func:`output_path`
before writing a byte: a path inside the archive folder (``-o ARCHIVE/catalog.db``),
a symbolic link into it, or a hard link to one of its files would overwrite the
archive's own data.
"""

from __future__ import annotations

import os
from pathlib import Path


class OutputPathError(ValueError):
    """An output path that would write into the archive."""


def output_path(archive, path: str | os.PathLike) -> Path:
    """``path``, checked: OutputPathError (one line) if writing it could change the archive."""
    out = Path(path)
    root = Path(os.path.realpath(archive.root))
    target = Path(os.path.realpath(out.expanduser()))  # through every symbolic link, the last one too
    if target == root or root in target.parents:
        raise OutputPathError(f"{out}: is inside the archive folder {archive.root}; write exports somewhere else")
    if _hard_link_into(root, target):
        raise OutputPathError(f"{out}: is a hard link to a file of the archive {archive.root}; write exports somewhere else")
    return out


def _hard_link_into(root: Path, target: Path) -> bool:
    """True when ``target`` is an existing file with more than one name, one of them in the archive."""
    try:
        st = target.stat()
    except OSError:
        return False
    if st.st_nlink < 2 or st.st_dev != root.stat().st_dev:
        return False
    for folder, _, names in os.walk(root):
        for name in names:
            try:
                other = os.stat(os.path.join(folder, name), follow_symlinks=False)
            except OSError:
                continue
            if (other.st_ino, other.st_dev) == (st.st_ino, st.st_dev):
                return True
    return False
