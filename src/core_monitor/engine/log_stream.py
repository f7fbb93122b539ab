"""One open engine log stream: its frames, read by one thread, and an end that any other
thread (the event loop) can call without waiting for that reader.

Closing the response from another thread is not such an end: the reader sits in a read that
holds the response's buffer lock, so ``close()`` waits for that read — until the container
prints a line, maybe never. Shutting the socket down instead makes the blocked read return
at once; the reader then closes the response itself, in its own thread.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Iterator
from typing import Any

Frame = tuple[bytes | None, bytes | None]  # (stdout, stderr): one side is None


class LogStream:
    def __init__(self, response: Any, raw_socket: Any, tty: bool) -> None:
        self._response = response
        self._socket = getattr(raw_socket, "_sock", raw_socket)  # a SocketIO wraps its socket
        self._lock = threading.Lock()
        self._closed = False
        self.frames: Iterator[Frame] = (
            _raw_frames(response) if tty else _multiplexed_frames(response)
        )

    def abort(self) -> None:
        """Ends the stream from any thread without blocking: the reader's read returns."""
        with self._lock:
            if self._closed:  # the socket is closed, maybe its number reused: leave it alone
                return
            with contextlib.suppress(OSError, AttributeError):
                _shutdown(self._socket)

    def close(self) -> None:
        """Releases the engine connection; for the reader, once it no longer reads (or for
        whoever read the whole answer)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        with contextlib.suppress(Exception):
            self._response.close()


def _shutdown(sock: Any) -> None:
    if isinstance(sock, socket.socket):
        # the plain socket's shutdown, also under TLS: SSLSocket.shutdown would drop the TLS
        # state under the reader's feet
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    else:  # an SSH channel
        sock.shutdown(socket.SHUT_RDWR)


def _multiplexed_frames(response: Any) -> Iterator[Frame]:
    """The engine's multiplexed log stream (8-byte header: stream id, size) as
    (stdout, stderr) pairs."""
    while True:
        header = response.raw.read(8)
        if len(header) < 8:
            return
        stream, length = struct.unpack(">BxxxL", header)
        if not length:
            continue
        data = response.raw.read(length)
        if not data:
            return
        yield (None, data) if stream == 2 else (data, None)


def _raw_frames(response: Any) -> Iterator[Frame]:
    """A TTY container's log stream: one stream, all stdout."""
    for chunk in response.iter_content(chunk_size=None):
        yield chunk, None
