"""A child the daemon forks before its command arrives, as pre-forking servers keep one.

Why: forking the ~50 MB daemon takes ~2.5 ms, and the child's command then pays ~1,650
copy-on-write page faults (~7 ms of a push on this VM, a quarter of it). The daemon keeps
one spare, forked ahead of time (after its preload and gc.freeze): the spare drops the
daemon's descriptors, takes a command child's signal dispositions and process group, copies
its private memory at the lowest priority (`prefault`) and waits on a socketpair. The
daemon accepts and checks a request itself, as for a directly forked child, then hands the
spare the client's connection, stdio and the request, and forks the next spare at once.
The spare reads exactly one request and becomes that command; until then it dies with the
daemon (PR_SET_PDEATHSIG, and the end of file of its socketpair).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import traceback
from collections.abc import Callable
from typing import NoReturn

import msgspec

from dfc.daemon import wire
from dfc.daemon.child import RunCommand, prepare_child, run_child
from dfc.daemon.prefault import Prefault
from dfc.daemon.receive import receive_request
from dfc.runtime import linux

HAND_OFF_TIMEOUT = 5.0
"""Seconds the daemon waits for a spare to take a request (one reading a request larger
than a socket buffer); a spare that does not is ended and the command forked directly."""


class Spare(msgspec.Struct):
    """A forked child waiting for its command; `channel` is the daemon's end of the
    socketpair the request comes through."""

    pid: int
    pidfd: int
    channel: socket.socket


def fork_spare(close_inherited: Callable[[], None], run: RunCommand) -> Spare:
    """Fork a spare (in the daemon). `close_inherited` closes, in the child, what it
    inherited of the daemon's descriptors; `run` runs the command it is handed."""
    daemon = os.getpid()
    channel, childs_end = socket.socketpair()
    pid = os.fork()
    if pid == 0:
        try:
            channel.close()
            close_inherited()
            _wait_for_command(childs_end, daemon, run)
        except Exception:
            with contextlib.suppress(Exception):
                traceback.print_exc()  # to the daemon's log
        finally:
            os._exit(1)  # reached only when getting ready failed: never the daemon's loop
    childs_end.close()
    with contextlib.suppress(OSError):
        os.setpgid(pid, pid)  # as the child does: a signal relayed at once finds the group
    channel.settimeout(HAND_OFF_TIMEOUT)
    try:
        pidfd = os.pidfd_open(pid)
    except OSError:
        channel.close()  # the spare reads the end of file and exits
        os.waitpid(pid, 0)
        raise
    return Spare(pid, pidfd, channel)


def hand_off(spare: Spare, conn: socket.socket, request: wire.Request, fds: list[int]
             ) -> bool:
    """Give `spare` the client's connection, its stdio `fds` and the request; False when
    the spare did not take it (it died, or is stuck), and must then be ended."""
    try:
        wire.send_request(spare.channel, request, [conn.fileno(), *fds])
    except OSError:
        return False
    return True


def end(spare: Spare) -> None:
    """Kill and reap a spare that has no command (SIGKILL: it has nothing to clean up)."""
    with contextlib.suppress(OSError):
        signal.pidfd_send_signal(spare.pidfd, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(spare.pid, 0)
    close(spare)


def close(spare: Spare) -> None:
    """Close the daemon's descriptors of `spare` (in the daemon, or in another child)."""
    spare.channel.close()
    os.close(spare.pidfd)


def _wait_for_command(channel: socket.socket, daemon: int, run: RunCommand) -> NoReturn:
    """In the spare: get ready, wait for one request and become its command (or exit
    when the daemon ends first)."""
    linux.prctl(linux.PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != daemon:
        os._exit(0)  # the daemon died before the prctl took effect
    prepare_child()
    _drop_daemon_stdio()
    prefault = Prefault.of_this_process()
    prefault.start()
    try:
        request, fds = receive_request(channel, 4)
    except (OSError, ValueError):
        os._exit(0)  # end of file: the daemon stopped, or ended this spare
    prefault.stop()
    channel.close()
    if len(fds) != 4:
        os._exit(1)
    # From here on a command: it outlives a daemon that dies, as a directly forked one does.
    linux.prctl(linux.PR_SET_PDEATHSIG, 0)
    run_child(socket.socket(fileno=fds[0]), request, fds[1:], run)


def _drop_daemon_stdio() -> None:
    """Point stdin and stdout at /dev/null, so that a waiting spare does not keep the
    daemon's (a pipe whose reader waits for its end) open; stderr stays the daemon's log
    for a spare that fails before its command takes the client's."""
    null = os.open(os.devnull, os.O_RDWR)
    for target in (0, 1):
        os.dup2(null, target)
    os.close(null)
