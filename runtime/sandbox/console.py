"""A container's terminal, made inside the container as runc makes it: the pty comes from
the container's own devpts instance (so `tty` names `/dev/pts/0` there, and the host's
pseudo-terminals stay invisible), and its master goes back to the host side over a unix
socket (runc's "console socket"), which relays it to the user's terminal."""

from __future__ import annotations

import fcntl
import os
import socket
import struct
import termios
from typing import NamedTuple


class ConsoleSocket(NamedTuple):
    """Where the container sends its terminal, and the size to give it before the command
    starts (so `stty size` as the first command already sees the caller's window)."""

    fd: int
    size: tuple[int, int] | None = None


def set_window(fd: int, rows: int, columns: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))


def open_console(console: ConsoleSocket) -> None:
    """In the container's process, once its /dev/pts is mounted: a new session whose
    controlling terminal is a fresh pty, on fds 0-2; the master is sent through the
    console socket, which is closed."""
    os.setsid()
    master, slave = os.openpty()
    if console.size:
        set_window(slave, *console.size)
    with socket.socket(fileno=console.fd) as sock:
        socket.send_fds(sock, [b"pty"], [master])
    os.close(master)
    for target in (0, 1, 2):
        os.dup2(slave, target)
    if slave > 2:
        os.close(slave)
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def receive_console(sock: socket.socket) -> int:
    """The pty master the container sent (call once the container has started)."""
    _, fds, _, _ = socket.recv_fds(sock, 16, 1)
    if not fds:
        raise OSError("the container sent no terminal")
    return fds[0]
