"""The one place the desktop app is assembled: QApplication, Archive, services, MainWindow.

``council-archive`` with no subcommand calls :func:`main` through
``desktop.launcher.open_app``. Importing this module has no side effects and loads
neither Whisper nor torch: the import worker builds the engine on its first job.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Callable, Optional, Sequence

DEMO_FOLDER_NAME = ".demo-archive"


def wants_demo(archive_dir: str | os.PathLike, demo: Optional[bool]) -> bool:
    """The demo meeting is imported on first run when asked (``demo=True``), or, when not
    told either way, for an archive folder named ``.demo-archive`` (what ``make run`` opens)."""
    if demo is not None:
        return demo
    return Path(archive_dir).name == DEMO_FOLDER_NAME


def create_window(
    archive_dir: str | os.PathLike,
    *,
    settings=None,
    transcriber_factory: Optional[Callable] = None,
    cache_dir: Optional[str] = None,
    demo: Optional[bool] = None,
    resume: bool = True,
    cluster_work: Optional[Callable] = None,
):
    """Open the archive and build the window around it (a QApplication must exist).

    ``settings``: a QSettings (tests pass one on a temporary INI file).
    ``transcriber_factory(engine, options, cache_dir)``: the transcriber the importer
    uses (tests pass a fake); default: the real Whisper engines, loaded on first use.
    ``cluster_work``: how imports reach the Ray cluster Settings name (tests give
    archive.cluster.cluster_work fake engines); default: archive.cluster.cluster_work.
    """
    from archive import logs, views
    from archive.store import Archive
    from desktop.import_worker import ImportController
    from desktop.main_window import MainWindow
    from desktop.qtcompat import guard_singletons
    from desktop.settings import AppSettings

    guard_singletons()  # before any thread starts: see desktop/qtcompat.py
    logs.configure(archive_dir)  # what the app catches and carries on from goes to the archive's log
    app_settings = AppSettings(settings)
    # the search index opens (and an old one is rebuilt) on the first search, not before
    # the window: that loads Whoosh (archive.search.search -> opening.ensure_index)
    archive = Archive(archive_dir)
    if cache_dir is None and transcriber_factory is None:
        import platformdirs

        cache_dir = platformdirs.user_cache_dir("council-archive")
    imports = ImportController(str(archive.root), transcriber_factory, cache_dir, cluster_work=cluster_work)
    window = MainWindow(archive, app_settings, imports)
    imports.setParent(window)
    if resume:
        window.importing.resume_unfinished()
    if wants_demo(archive_dir, demo) and views.is_empty(archive) and not imports.busy:
        window.importing.import_demo()
    return window


def _archive_dir_from_settings(archive_dir: str, qsettings) -> str:
    """A folder chosen in Settings wins over the default folder (not over --archive or
    $COUNCIL_ARCHIVE_DIR, which were asked for explicitly)."""
    from archive.cli import resolve_archive_dir
    from desktop.settings import AppSettings

    chosen = AppSettings(qsettings).load().archive_location
    if chosen and os.path.abspath(archive_dir) == os.path.abspath(resolve_archive_dir(None)):
        return os.path.abspath(os.path.expanduser(chosen))
    return archive_dir


def _show_link(window, link: str) -> None:
    """A link a later launch handed over: open it, and bring the window to the front."""
    if window.open_link(link):
        if window.isMinimized():
            window.showNormal()
        window.raise_()
        window.activateWindow()


def main(
    archive_dir: str,
    argv: Optional[Sequence[str]] = None,
    *,
    demo: Optional[bool] = None,
    settings=None,
    transcriber_factory: Optional[Callable] = None,
    on_ready: Optional[Callable] = None,
    link: Optional[str] = None,
) -> int:
    """Run the app on ``archive_dir`` until its window closes; returns the exit code.
    ``link``: a ``council-archive://`` link the window opens once shown."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from desktop.link_server import LinkServer, hand_over
    from desktop.settings import APPLICATION, ORGANIZATION, default_qsettings

    app = QApplication.instance() or QApplication(list(argv) if argv is not None else sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(APPLICATION)
    qsettings = settings if settings is not None else default_qsettings()
    archive_dir = _archive_dir_from_settings(archive_dir, qsettings)
    if link and hand_over(archive_dir, link):  # the app is open on this archive: it shows the link
        return 0
    try:
        window = create_window(archive_dir, settings=qsettings, transcriber_factory=transcriber_factory, demo=demo)
    except Exception as exc:  # an unusable archive folder: say so, in one line
        logging.getLogger(__name__).exception("cannot open the archive at %s", archive_dir)
        QMessageBox.critical(None, "Council Archive", f"Cannot open the archive at {archive_dir}:\n{exc}")
        return 1
    window.restore_geometry()
    window.show()
    LinkServer(archive_dir, window).link_received.connect(lambda later: _show_link(window, later))
    if link:
        window.open_link(link)
    if on_ready is not None:
        QTimer.singleShot(0, lambda: on_ready(window))
    return app.exec()
