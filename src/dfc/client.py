"""The `dfc` entry point: hand the command to a running dfc daemon, or run it here.

A daemon keeps the CLI and the build path imported and forks a fresh child per command,
so a command skips the ~0.1 s of interpreter imports a cold process pays. This module
imports only the standard library: it decides before the CLI (typer, msgspec) is loaded.
Without a daemon (the default) the command runs in this process, exactly as before.
"""

from __future__ import annotations

import os
import signal
import socket
import sys

from dfc import daemon_wire

# `daemon` manages the daemon itself; `login` may prompt on the controlling terminal,
# which a daemon's child does not have.
LOCAL_COMMANDS = frozenset({"daemon", "login"})
FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def main() -> None:
    """Console entry point."""
    code = forward(sys.argv[1:]) if wants_daemon(sys.argv[1:]) else None
    if code is None:
        from dfc.cli import main as run_here

        run_here()
        return
    sys.exit(code)


def wants_daemon(argv: list[str]) -> bool:
    """Whether this command may go to a daemon (not disabled, not a local command)."""
    if os.environ.get(daemon_wire.DISABLE_ENV):
        return False
    command = next((arg for arg in argv if not arg.startswith("-")), None)
    return command not in LOCAL_COMMANDS


def forward(argv: list[str]) -> int | None:
    """Run the command in the daemon and return its exit code; None when there is no
    usable daemon (none listening, stdio not open, or its code is out of date)."""
    if not all(_is_open(fd) for fd in (0, 1, 2)):
        return None
    conn = daemon_wire.connect(daemon_wire.socket_path())
    if conn is None:
        return None
    with conn:
        request = {"op": "run", "argv": argv, "cwd": os.getcwd(), "env": dict(os.environ),
                   "umask": _umask()}
        try:
            daemon_wire.send_request(conn, request, [0, 1, 2])
        except OSError:
            return None
        previous = {sig: signal.signal(sig, _relay(conn)) for sig in FORWARDED_SIGNALS}
        try:
            tag, value = daemon_wire.read_reply(conn)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    if tag in (daemon_wire.STALE, daemon_wire.REFUSED):
        return None
    if tag == daemon_wire.EXIT and isinstance(value, int):
        return value
    print("error: the dfc daemon closed the connection before the command finished",
          file=sys.stderr)
    return 1


def _relay(conn: socket.socket):  # noqa: ANN202 - a signal handler
    def handler(signum: int, _frame: object) -> None:
        try:
            conn.send(daemon_wire.SIGNAL + bytes([signum]))
        except OSError:
            pass

    return handler


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
