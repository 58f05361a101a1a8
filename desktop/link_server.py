"""``council-archive://`` links for an app that is already running.

The app listens on a local socket named after its archive folder; ``council-archive open
LINK`` (a link clicked in a browser or a document, see archive.desktop_entry) first offers
the link to it (:func:`hand_over`): the running window opens it and comes to the front, and
no second app starts on the same archive.
"""

from __future__ import annotations

import hashlib
import logging
import os

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)
WAIT_MS = 1000


def server_name(archive_dir: str | os.PathLike) -> str:
    """The socket's name: one per archive folder (and per user: the socket is the user's own)."""
    digest = hashlib.sha1(os.path.abspath(os.fspath(archive_dir)).encode("utf-8", "surrogateescape")).hexdigest()
    return f"council-archive-{digest[:16]}"


def hand_over(archive_dir: str | os.PathLike, link: str) -> bool:
    """Give ``link`` to the app running on ``archive_dir``; False when none is listening."""
    socket = QLocalSocket()
    socket.connectToServer(server_name(archive_dir))
    if not socket.waitForConnected(WAIT_MS):
        return False
    socket.write(link.encode("utf-8") + b"\n")
    sent = socket.waitForBytesWritten(WAIT_MS)
    socket.disconnectFromServer()
    return sent


class LinkServer(QObject):
    """Listens for links handed over by later launches: ``link_received(link)``."""

    link_received = Signal(str)

    def __init__(self, archive_dir: str | os.PathLike, parent=None):
        super().__init__(parent)
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._accept)
        name = server_name(archive_dir)
        if not self.server.listen(name) and not self._taken(name):
            QLocalServer.removeServer(name)  # a socket file a crashed app left behind
            self.server.listen(name)
        if not self.server.isListening():
            log.info("not listening for links on %s: %s", name, self.server.errorString())

    @staticmethod
    def _taken(name: str) -> bool:
        """Another app on this archive listens there already (it keeps the links)."""
        probe = QLocalSocket()
        probe.connectToServer(name)
        alive = probe.waitForConnected(WAIT_MS // 4)
        probe.abort()
        return alive

    def _accept(self) -> None:
        while (socket := self.server.nextPendingConnection()) is not None:
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(socket.deleteLater)
            self._read(socket)

    def _read(self, socket) -> None:
        while socket.canReadLine():
            link = bytes(socket.readLine()).decode("utf-8", "replace").strip()
            if link:
                self.link_received.emit(link)
