"""The socket in a container's folder on which its supervisor takes more clients
(`dfc attach`): `attach.sock`, reached through a descriptor of the folder
(`/proc/self/fd/N/attach.sock`) because a store's path can be longer than the 107 bytes
a unix socket address holds. Only the store's owner can reach it (the folder's mode)."""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Iterator
from pathlib import Path

SOCKET_NAME = "attach.sock"


@contextlib.contextmanager
def _short_path(folder: Path) -> Iterator[str]:
    fd = os.open(folder, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        yield f"/proc/self/fd/{fd}/{SOCKET_NAME}"
    finally:
        os.close(fd)


def listen(folder: Path) -> socket.socket:
    """The supervisor's listening socket (a stale one from a killed supervisor replaced)."""
    (folder / SOCKET_NAME).unlink(missing_ok=True)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        with _short_path(folder) as path:
            sock.bind(path)
        os.chmod(folder / SOCKET_NAME, 0o600)
        sock.listen(8)
    except BaseException:
        sock.close()
        raise
    return sock


def connect(folder: Path) -> socket.socket | None:
    """A connection to the supervisor; None when none listens (it has ended)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        with _short_path(folder) as path:
            sock.connect(path)
    except (FileNotFoundError, ConnectionRefusedError):
        sock.close()
        return None
    return sock


def close(sock: socket.socket, folder: Path) -> None:
    sock.close()
    (folder / SOCKET_NAME).unlink(missing_ok=True)
