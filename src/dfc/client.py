"""The `dfc` entry point: hand the command to a running dfc daemon, or run it here.

A daemon keeps the CLI and the build path imported and forks a fresh child per command,
so a command skips the ~0.1 s of interpreter imports a cold process pays. This module
decides before the CLI (typer, msgspec) is loaded, so it imports only the interpreter's
C modules (`_signal`, not `signal` and its enums: see dfc.daemon.wire). Without a daemon (the
default) the command runs in this process, exactly as before.
"""

from __future__ import annotations

import _signal
import os
import sys

from dfc.daemon import wire

TYPE_CHECKING = False  # not typing's: see dfc.daemon.wire
if TYPE_CHECKING:
    from collections.abc import Callable
    from socket import socket as Socket

# `daemon` manages the daemon itself; `login` may prompt on the controlling terminal,
# which a daemon's child does not have.
LOCAL_COMMANDS = frozenset({"daemon", "login"})
FORWARDED_SIGNALS = (_signal.SIGINT, _signal.SIGTERM, _signal.SIGHUP)


def main() -> None:
    """Console entry point."""
    code = forward(sys.argv[1:]) if wants_daemon(sys.argv[1:]) else None
    if code is None:
        from dfc.cli import main as run_here

        run_here()
        return
    # The daemon's child did the work; this process holds nothing that needs finalizing,
    # and skipping the interpreter's teardown saves a few ms of every command.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def wants_daemon(argv: list[str]) -> bool:
    """Whether this command may go to a daemon (not disabled, not a local command)."""
    if os.environ.get(wire.DISABLE_ENV) or os.environ.get("_DFC_COMPLETE"):
        return False  # a shell completion request is answered here
    command = next((arg for arg in argv if not arg.startswith("-")), None)
    return command not in LOCAL_COMMANDS


def forward(argv: list[str]) -> int | None:
    """Run the command in the daemon and return its exit code; None when there is no
    usable daemon (none listening, stdio or working folder gone, or out of date)."""
    if not all(_is_open(fd) for fd in (0, 1, 2)):
        return None
    conn = wire.connect(wire.socket_path())
    if conn is None:
        return None
    try:
        tag, value = _converse(conn, argv)
    finally:
        conn.close()
    if tag in (wire.STALE, wire.REFUSED):
        return None
    if tag == wire.EXIT and isinstance(value, int):
        return value
    print("error: the dfc daemon closed the connection before the command finished",
          file=sys.stderr)
    return 1


def _converse(conn: Socket, argv: list[str]) -> tuple[bytes, int | bytes | None]:
    """Send the command, relay signals while it runs, and return the daemon's reply."""
    try:  # (getcwd fails in a removed folder: then the CLI says so itself)
        request = wire.Request(
            "run", [os.fsencode(arg) for arg in argv], os.getcwdb(),
            [key + b"=" + value for key, value in os.environb.items()], _umask())
        wire.send_request(conn, request, [0, 1, 2])
    except OSError:
        return wire.REFUSED, None  # it never reached the daemon: run it here
    previous = {sig: _signal.signal(sig, _relay(conn)) for sig in FORWARDED_SIGNALS}
    try:
        return wire.read_reply(conn)
    except OSError:
        return b"", None  # lost mid-command: never run it twice
    finally:
        for sig, handler in previous.items():
            _signal.signal(sig, handler)


def _relay(conn: Socket) -> Callable[[int, object], None]:
    """A signal handler that passes the signal on to the daemon's child."""
    def handler(signum: int, _frame: object) -> None:
        try:
            conn.send(wire.SIGNAL + bytes([signum]))
        except OSError:
            return  # the daemon is gone: reading its reply reports that

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
