"""Speakers: name, confirm, reject and merge voices, move passages, find speakers — undoably.

Wired by the main window (``SpeakerActions(window)``) to the transcript's and the speaker
panel's intent signals. Each change is a :class:`desktop.speaker_undo.ServiceCommand` on
one QUndoStack (Edit → Undo / Redo): forward and back it calls ``archive.speakers``
services (``snapshot``/``restore``, ``split_segment``/``join_segments``), on the archive's
one writer (the import worker), in the order asked. When a write lands, the edit job's
end emits the window's change signal (desktop.edit_actions), which refreshes the
transcript, this panel, the search results and the speaker filter at once.
"""

from __future__ import annotations

import logging
from typing import Optional

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QUndoStack
from PySide6.QtWidgets import QMenu

from archive import views
from archive.status import Outcome
from desktop.archive_events import Change
from desktop.speaker_dialogs import RenameVoiceDialog
from desktop.speaker_style import shown_name, voice_title
from desktop.speaker_undo import ServiceCommand

log = logging.getLogger(__name__)


class SpeakerActions:
    def __init__(self, window):
        self.window = window
        self.stack = QUndoStack(window)
        self._commands: dict[int, ServiceCommand] = {}  # edit job id -> its command
        self.dialog: Optional[RenameVoiceDialog] = None
        self.menu: Optional[QMenu] = None
        window.imports.job_finished.connect(self._job_finished)

    @property
    def rid(self) -> Optional[int]:
        return self.window.recording_view.recording_id

    def undo_actions(self, parent) -> list:
        undo = self.stack.createUndoAction(parent, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = self.stack.createRedoAction(parent, "&Redo")
        first = QKeySequence("Ctrl+Shift+Z")  # shown in the menu, on every platform
        redo.setShortcuts([first] + [k for k in QKeySequence.keyBindings(QKeySequence.StandardKey.Redo) if k != first])
        return [undo, redo]

    # --- reading ----------------------------------------------------------------------
    def table(self, rid: Optional[int]) -> list:
        return views.speaker_table(self.window.archive, rid) if rid is not None else []

    def show_speakers(self, rid: Optional[int]) -> None:
        self.window.recording_view.set_speakers(self.table(rid))

    def refresh(self, change: Change) -> None:
        if not self.window.closing and change.concerns(self.rid):
            self.show_speakers(self.rid)

    def voice(self, key: str):
        return next((v for v in self.table(self.rid) if v.label == key), None)

    # --- commands ---------------------------------------------------------------------
    def _submit(self, label: str, call, command: ServiceCommand):
        w = self.window
        job = w.imports.run_edit(label, call, Change("speakers", command.recording_id))
        self._commands[job.id] = command
        if w.imports.busy:
            w.statusBar().showMessage(f"{label}: after the current import step…")
        return job

    def _job_finished(self, job, outcome) -> None:
        command = self._commands.pop(job.id, None)
        if command is not None and outcome == Outcome.FAILED:
            command.write_failed()
            if self.stack.index() and self.stack.command(self.stack.index() - 1) is command:
                self.stack.undo()  # a failed change is no step to undo (obsolete: it leaves the stack)

    def push(self, text: str, do, undo) -> ServiceCommand:
        """Run ``do(archive) -> state`` now (on the writer) and keep it undoable by ``undo(archive, state)``."""
        command = ServiceCommand(self._submit, text, do, undo, self.rid)
        self.stack.push(command)
        return command

    def push_restorable(self, text: str, change) -> Optional[ServiceCommand]:
        """A change to voices, turns or segment speakers; undone by putting the snapshot back."""
        rid = self.rid
        if rid is None:
            return None
        from archive import speakers

        def do(archive):
            state = speakers.snapshot(archive, rid)
            change(archive)
            return state

        return self.push(text, do, lambda archive, state: speakers.restore(archive, state))

    # --- voices -----------------------------------------------------------------------
    def name(self, label: str, name: str, roster: bool = True):
        from archive import speakers

        rid = self.rid
        where = "for the roster" if roster else "in this recording"
        return self.push_restorable(f"Name {label} “{name}” {where}",
                                    lambda a: speakers.name_voice(a, rid, label, name, roster=roster))

    def confirm(self, label: str):
        from archive import speakers

        rid = self.rid
        return self.push_restorable(f"Confirm the name of {label}", lambda a: speakers.confirm_voice(a, rid, label))

    def reject(self, label: str):
        from archive import speakers

        rid = self.rid
        return self.push_restorable(f"Reject the name of {label}", lambda a: speakers.reject_voice(a, rid, label))

    def merge(self, keep: str, other: str):
        from archive import speakers

        rid = self.rid
        if not keep or not other or keep == other:
            return None
        return self.push_restorable(f"Merge {other} into {keep}", lambda a: speakers.merge_voices(a, rid, keep, other))

    def assign(self, segment_ids, key: str):
        """Give segments to a voice (its label) or a name ("" clears)."""
        from archive import speakers

        ids = list(segment_ids)
        if not ids:
            return None
        n = len(ids)
        return self.push_restorable(f"Give {n} passage{'s' if n != 1 else ''} to {key or 'nobody'}",
                                    lambda a: speakers.assign_segments(a, ids, key))

    def split(self, segment_id: int, word_index: int):
        from archive import speakers

        return self.push(f"Split a passage before word {word_index + 1}",
                         lambda a: speakers.split_segment(a, segment_id, word_index),
                         lambda a, pieces: speakers.join_segments(a, *pieces))

    def move_words(self, segment_id: int, word_index: int, key: str) -> None:
        """Split before a word and give the rest of the passage to a voice ("": ask who)."""
        if key:
            self._move_words(segment_id, word_index, key)
        else:
            self.ask_name("Who says the rest of this passage?", "",
                          lambda name, _roster: self._move_words(segment_id, word_index, name), is_voice=False)

    def _move_words(self, segment_id: int, word_index: int, key: str):
        from archive import speakers

        rid = self.rid

        def do(archive):
            pieces = speakers.split_segment(archive, segment_id, word_index)
            state = speakers.snapshot(archive, rid)
            speakers.assign_segments(archive, [pieces[1]], key)
            return pieces, state

        def undo(archive, done):
            pieces, state = done
            speakers.restore(archive, state)
            speakers.join_segments(archive, *pieces)

        return self.push(f"Give the rest of a passage to {key}", do, undo)

    def find_speakers(self):
        """Find the speakers of the open recording again, on the writer thread (the diarizer
        loads and warms there). Splits made earlier cannot be undone after it: the undo
        history is cleared."""
        rid = self.rid
        if rid is None:
            return None

        def call(archive):
            from archive import speakers
            from archive.diarizing import shared_diarizer

            diarizer = shared_diarizer()  # senko, loaded once per process
            warm = getattr(diarizer, "warm", None)
            if warm is not None:
                warm()  # senko's first load compiles numba (~30–60 s), here, never in the UI thread
            [result] = speakers.diarize_recordings(archive, [rid], diarizer, redo=True)
            if result.status != "diarized":
                raise speakers.SpeakerError(result.message or result.status)
            return result

        self.stack.clear()
        self.window.statusBar().showMessage("Finding speakers… (the first time takes up to a minute)")
        return self.window.imports.run_edit("Find speakers", call, Change("speakers", rid))

    # --- asking -----------------------------------------------------------------------
    def ask_name(self, title: str, label: str, then, *, is_voice: bool, current: str = "") -> RenameVoiceDialog:
        """The naming dialog; ``then(name, for_roster)`` when accepted."""
        from archive.speakers import roster_list

        named = {v.name for v in self.table(self.rid) if v.name}
        known = sorted(named | {e.name for e in roster_list(self.window.archive) if not e.offered}, key=str.casefold)
        dialog = RenameVoiceDialog(current or label, label, known, is_voice=is_voice, parent=self.window)
        dialog.setWindowTitle(title)
        dialog.accepted.connect(lambda: then(dialog.chosen_name(), dialog.for_roster()))
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        self.dialog = dialog
        dialog.open()
        return dialog

    def rename(self, key: str) -> None:
        """Rename a voice (here or for the roster), or a speaker captions or a person named."""
        v = self.voice(key)
        if v is None:
            return
        if v.voice:
            self.ask_name("Name this voice", v.label, lambda name, roster: self.name(v.label, name, roster),
                          is_voice=True, current=v.name or "")
        else:
            ids = [s.id for s in self._segments() if (s.label or s.speaker) == key]
            self.ask_name("Rename speaker", key, lambda name, _roster: self.assign(ids, name), is_voice=False)

    def ask_speaker(self, segment_ids, current: str = "") -> None:
        """Who speaks in these segments (a voice's name gives them to that voice)."""
        if segment_ids:
            n = len(segment_ids)
            self.ask_name(f"Speaker of {n} passage{'s' if n != 1 else ''}", current,
                          lambda name, _roster: self.assign(segment_ids, name), is_voice=False)

    def speaker_menu(self, row: int, pos) -> Optional[QMenu]:
        """The menu of a clicked speaker name: confirm / reject a suggestion, rename, merge, move."""
        seg = self.window.transcript.segment(row)
        key = (seg.label or seg.speaker) if seg is not None else None
        v = self.voice(key) if key else None
        if v is None:
            return None
        menu = QMenu(self.window)
        shown = shown_name(v.display, v.suggested)
        if v.suggested:
            menu.addAction(f"✓ Yes, this is {v.name}", lambda: self.confirm(v.label))
            menu.addAction(f"✗ No, not {v.name}", lambda: self.reject(v.label))
            menu.addSeparator()
        menu.addAction(f"Rename “{shown}”…", lambda: self.rename(v.label))
        others = [o for o in self.table(self.rid) if o.label != v.label]
        if v.voice:
            merge = menu.addMenu(f"Merge “{shown}” into")
            for o in others:
                if o.voice:
                    merge.addAction(voice_title(shown_name(o.display, o.suggested), o.label),
                                    lambda keep=o.label: self.merge(keep, v.label))
            merge.setEnabled(not merge.isEmpty())
        give = menu.addMenu("Give this passage to")
        for o in others:
            give.addAction(voice_title(shown_name(o.display, o.suggested), o.label), lambda k=o.label: self.assign([seg.id], k))
        give.addSeparator()
        give.addAction("Someone else…", lambda: self.ask_speaker([seg.id], ""))
        menu.addSeparator()
        menu.addAction("Show only this speaker", lambda: self._only(v.label))
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.menu = menu
        menu.popup(pos)
        return menu

    def _only(self, key: str) -> None:
        panel = self.window.recording_view.speakers
        panel.select_voice(key)
        panel.only.setChecked(True)

    def _segments(self) -> list:
        t = self.window.transcript.transcript
        return t.segments if t is not None else []
