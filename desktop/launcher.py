"""The ``council-archive`` entry point: the archive's command line, or the app.

Kept free of Qt imports so that command-line use starts fast; the app module is
imported only when no subcommand is given.
"""

from __future__ import annotations

import sys
from typing import Optional, Sequence


def open_app(archive_dir: str) -> int:
    from desktop.app import main as app_main

    return app_main(archive_dir=archive_dir)


def main(argv: Optional[Sequence[str]] = None) -> int:
    from archive.cli import main as cli_main

    return cli_main(argv, open_app=open_app)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
