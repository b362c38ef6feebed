"""What the dfc client and daemon say over their socket, and where the socket is.

Standard library only: the client imports this before deciding whether to load the CLI,
and every millisecond it costs is paid by every command.

A request is a length-prefixed JSON object, sent with the client's stdin, stdout and
stderr as SCM_RIGHTS file descriptors (the daemon's child writes to the user's terminal
itself, so tty detection, colours and progress behave as in-process). The replies are
one-byte tags: `X` + a 4-byte exit code ends a run; `S` (the daemon's code is older than
the files on disk) and `N` (not served: another user, or a malformed request) both tell
the client to run the command itself; `J` + length + JSON answers a status request.
While a command runs, the client relays signals as `K` + the signal number.
"""

from __future__ import annotations

import json
import os
import socket
import struct

SOCKET_ENV = "DFC_DAEMON_SOCKET"
DISABLE_ENV = "DFC_NO_DAEMON"
EXIT, STALE, REFUSED, STATUS, SIGNAL = b"X", b"S", b"N", b"J", b"K"
_LENGTH = struct.Struct(">I")
_CODE = struct.Struct(">i")
_MAX_REQUEST = 16 * 1024 * 1024


def socket_path() -> str:
    """The socket of this user's daemon: $DFC_DAEMON_SOCKET, else /run/dfc for root, else
    the user's runtime folder."""
    if chosen := os.environ.get(SOCKET_ENV):
        return chosen
    uid = os.geteuid()
    if uid == 0:
        return "/run/dfc/daemon.sock"
    runtime = os.environ.get("XDG_RUNTIME_DIR") or f"/tmp/dfc-{uid}"
    return os.path.join(runtime, "dfc", "daemon.sock")


def connect(path: str) -> socket.socket | None:
    """A connection to the daemon, or None when none is listening there."""
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(path)
    except OSError:
        conn.close()
        return None
    return conn


def send_request(conn: socket.socket, request: dict[str, object], fds: list[int]) -> None:
    """Send one request, its descriptors riding with the first bytes."""
    body = json.dumps(request).encode()
    message = _LENGTH.pack(len(body)) + body
    sent = socket.send_fds(conn, [message], fds) if fds else conn.send(message)
    if sent < len(message):  # (an empty send after a fast reply would fail: EPIPE)
        conn.sendall(message[sent:])


def receive_request(conn: socket.socket) -> tuple[dict[str, object], list[int]]:
    """Read one request and the descriptors sent with it (ValueError when malformed)."""
    data, fds, _flags, _addr = socket.recv_fds(conn, 65536, 3)
    if len(data) < _LENGTH.size:
        raise ValueError("short request")
    (length,) = _LENGTH.unpack_from(data)
    if length > _MAX_REQUEST:
        raise ValueError("request too large")
    body = bytearray(data[_LENGTH.size:])
    while len(body) < length:
        chunk = conn.recv(length - len(body))
        if not chunk:
            raise ValueError("truncated request")
        body += chunk
    request = json.loads(body)
    if not isinstance(request, dict):
        raise ValueError("request is not an object")
    return request, list(fds)


def exit_message(code: int) -> bytes:
    return EXIT + _CODE.pack(code)


def status_message(status: dict[str, object]) -> bytes:
    body = json.dumps(status).encode()
    return STATUS + _LENGTH.pack(len(body)) + body


def read_exact(conn: socket.socket, size: int) -> bytes:
    """Exactly `size` bytes, or fewer if the peer closed the connection."""
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            break
        data += chunk
    return data


def read_reply(conn: socket.socket) -> tuple[bytes, int | dict[str, object] | None]:
    """The daemon's next reply: (tag, exit code | status | None); tag b"" on EOF."""
    tag = read_exact(conn, 1)
    if tag == EXIT:
        raw = read_exact(conn, _CODE.size)
        return (tag, _CODE.unpack(raw)[0]) if len(raw) == _CODE.size else (b"", None)
    if tag == STATUS:
        raw = read_exact(conn, _LENGTH.size)
        body = read_exact(conn, _LENGTH.unpack(raw)[0]) if len(raw) == _LENGTH.size else b""
        return (tag, json.loads(body)) if body else (b"", None)
    return tag, None
