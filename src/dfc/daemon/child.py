"""The forked child of the daemon: it becomes the client's command and exits with its code."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import socket
import sys
import traceback
from collections.abc import Callable
from typing import NoReturn

from dfc.daemon import wire

RunCommand = Callable[[list[str]], int]
"""Runs one command line (without the program name) in this process, returns its code."""


def run_child(conn: socket.socket, request: wire.Request, fds: list[int],
              run: RunCommand) -> NoReturn:
    """In the forked child: become the client's command, `run` it, exit with its code.

    The child tells the client its exit code itself, before the interpreter and its
    address space are torn down (a few ms the client need not wait for); the daemon
    still reports the status of a child that dies without a word."""
    code = 1
    try:
        prepare_child()
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        _adopt(request)
        code = run([os.fsdecode(arg) for arg in request.argv])
    except BaseException:
        with contextlib.suppress(Exception):
            traceback.print_exc()
    finally:
        # Done: a client that leaves once it has the code must not interrupt the rest.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        with contextlib.suppress(OSError):
            conn.sendall(wire.exit_message(code))
        os._exit(code)


def prepare_child() -> None:
    """What a command's child sets up whatever its command: the default signal
    dispositions (the daemon's handlers only set the daemon's flags) and a process group
    of its own, which the daemon signals as a whole. Done again costs nothing: a spare
    child does it before its command arrives, and `run_child` does it for every child."""
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if os.getpgid(0) != os.getpid():
        os.setpgid(0, 0)


def _adopt(request: wire.Request) -> None:
    """Take the client's folder, environment, umask and standard streams."""
    os.chdir(request.cwd)
    os.umask(request.umask)
    os.environ.clear()
    for item in request.env:
        key, sep, value = item.partition(b"=")
        if key and sep:
            os.environb[key] = value
    sys.stdin = _text_stream(0, "r")
    sys.stdout = _text_stream(1, "w")
    sys.stderr = _text_stream(2, "w", errors="backslashreplace", line_buffering=True)


def _text_stream(fd: int, mode: str, *, errors: str | None = None,
                 line_buffering: bool = False) -> io.TextIOWrapper:
    """A standard stream on `fd` set up as Python sets its own at start-up."""
    binary = open(fd, mode + "b", closefd=False)
    return io.TextIOWrapper(binary, encoding=sys.__stdout__.encoding if sys.__stdout__
                            else "utf-8", errors=errors,
                            line_buffering=line_buffering or os.isatty(fd))
