"""What the Watches panel and "Watch this search" do (archive.watches): read the watches
when the archive changes (and say so when an import brought new hits), show a watch's hits
when it is chosen, and run the writes (save, mark seen, remove) on the worker thread."""

from __future__ import annotations

from typing import Optional

from PySide6.QtWidgets import QInputDialog

from archive import watches
from desktop.archive_events import Change

TAB = "Watches"


class WatchActions:
    def __init__(self, window):
        self.window = window
        self.name_dialog: Optional[QInputDialog] = None  # the "Watch this search" dialog last opened
        self._new: dict[str, int] = {}  # each watch's count when last read

    def refresh(self, change: Optional[Change] = None) -> None:
        """Read the watches again; after an import, a status-bar note of the watches it fed."""
        w = self.window
        states = watches.states(w.archive)
        w.watch_panel.set_states(states)
        index = w.tabs.indexOf(w.watch_panel)
        unread = w.watch_panel.unread
        w.tabs.setTabText(index, f"{TAB} ({unread})" if unread else TAB)
        grown = [s for s in states if s.new > self._new.get(s.watch.name, 0)]
        self._new = {s.watch.name: s.new for s in states}
        if change is not None and change.what == "import" and grown:
            w.statusBar().showMessage("New hits for your watches: " + ", ".join(
                f"{s.watch.name} ({s.new})" for s in grown) + ". See the Watches tab.", 15000)

    def show(self, name: str) -> None:
        """Run a watch: its hits, the new ones first."""
        w = self.window
        try:
            state = watches.state(w.archive, watches.get(w.archive.db, name))
        except watches.WatchError as exc:  # removed meanwhile
            w.statusBar().showMessage(str(exc), 6000)
            return
        w.watch_panel.show_hits(state)

    def save_search(self) -> None:
        """Ask for a name, then save the search box's query and filters as a watch."""
        w = self.window
        request = w.search_panel.request()
        if request.empty:
            w.statusBar().showMessage("Type a search first, then save it as a watch.", 6000)
            return
        dialog = QInputDialog(w)
        dialog.setObjectName("watchName")
        dialog.setWindowTitle("Watch this search")
        dialog.setLabelText(f"Name for a watch on “{request.query}”:")
        dialog.setTextValue(request.query[:60])
        filters = {k: getattr(request, k) for k in watches.WATCH_FILTERS}
        dialog.textValueSelected.connect(lambda name: self._write(
            f"Watch “{name}”", lambda archive: watches.add(archive, name, request.query, **filters)))
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        self.name_dialog = dialog
        dialog.open()

    def mark_seen(self, name: str) -> None:
        self._write(f"Watch “{name}” seen", lambda archive: watches.mark_seen(archive, name))

    def remove(self, name: str) -> None:
        self._write(f"Watch “{name}” removed", lambda archive: watches.remove(archive, name))

    def _write(self, label: str, call) -> None:
        """A watch write on the worker; its end refreshes every view (edit_actions.job_finished)."""
        self.window.imports.run_edit(label, call, Change("watches"))
