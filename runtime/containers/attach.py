"""The stream between a supervisor and an attached CLI: typed frames over a unix socket.

A frame is one kind byte, a 4-byte big-endian length and the payload. The supervisor
sends the container's output, whether it started, and its exit code; the CLI sends stdin,
terminal sizes and the signals it forwards.
"""

from __future__ import annotations

import os
import socket
import struct
from collections.abc import Iterator

STDOUT, STDERR, STARTED, FAILED, EXITED = 1, 2, 3, 4, 5
STDIN, STDIN_EOF, RESIZE, SIGNAL = 10, 11, 12, 13

_HEADER = struct.Struct(">BI")


def frame(kind: int, data: bytes = b"") -> bytes:
    return _HEADER.pack(kind, len(data)) + data


def send(sock: socket.socket, kind: int, data: bytes = b"") -> bool:
    """Send one frame; False when the other side is gone."""
    try:
        sock.sendall(frame(kind, data))
        return True
    except OSError:
        return False


class FrameReader:
    """Cuts a byte stream into (kind, payload) frames."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> Iterator[tuple[int, bytes]]:
        self._buffer += data
        while len(self._buffer) >= _HEADER.size:
            kind, size = _HEADER.unpack_from(self._buffer)
            end = _HEADER.size + size
            if len(self._buffer) < end:
                return
            payload = bytes(self._buffer[_HEADER.size:end])
            del self._buffer[:end]
            yield kind, payload


def recv_frames(sock: socket.socket, reader: FrameReader) -> list[tuple[int, bytes]] | None:
    """The frames that arrived; None once the socket is closed."""
    try:
        data = sock.recv(65536)
    except (ConnectionResetError, BlockingIOError):
        data = b""
    if not data:
        return None
    return list(reader.feed(data))


def failure(code: int, message: str) -> bytes:
    return f"{code}\n{message}".encode()


def parse_failure(data: bytes) -> tuple[int, str]:
    code, _, message = data.decode(errors="replace").partition("\n")
    return int(code), message


def window_size(fd: int) -> tuple[int, int] | None:
    """(rows, columns) of the terminal on `fd`, if it is one."""
    try:
        size = os.get_terminal_size(fd)
    except OSError:
        return None
    return size.lines, size.columns


def pack_size(rows: int, columns: int) -> bytes:
    return struct.pack(">HH", rows, columns)


def unpack_size(data: bytes) -> tuple[int, int]:
    rows, columns = struct.unpack(">HH", data)
    return rows, columns
