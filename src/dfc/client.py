"""The `dfc` entry point: hand the command to a running dfc daemon, or run it here.

A daemon keeps the CLI and the build path imported and forks a fresh child per command,
so a command skips the ~0.1 s of interpreter imports a cold process pays. This module
decides before the CLI (typer, msgspec) is loaded, so it imports only the interpreter's
C modules (`_signal`, not `signal` and its enums: see dfc.daemon.wire).

With no daemon listening, the command runs in this process, and afterwards this process
starts a daemon in the background (as Bazel's and Gradle's clients start their servers on
first use) that serves the next commands and exits after $DFC_DAEMON_IDLE (15 min)
without one. `DFC_NO_DAEMON=1` turns both off. Commands that gain nothing (help,
version, the daemon's own, `login`) never start one.
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
# Containers on the user's terminal: a daemon's child has no controlling terminal and is
# not sent SIGWINCH, so these run here when stdin is a terminal.
TERMINAL_COMMANDS = frozenset({"run", "exec", "attach", "start", "container"})
# What never starts a daemon: nothing to gain from a warm process.
NOT_WORTH_A_DAEMON = frozenset({"version", "completion", "help", "logout"})
HELP_FLAGS = frozenset({"--help", "-h", "--version"})
FORWARDED_SIGNALS = (_signal.SIGINT, _signal.SIGTERM, _signal.SIGHUP)
LOST_MESSAGE = "error: the dfc daemon closed the connection before the command finished"
_answered: list[bool] = []
"""Not empty once a daemon took this command's connection (it declined it, or restarts)."""


def main(declined: bool = False) -> None:
    """Console entry point. Run under the name `hadolint` (a symlink to `dfc` in a CI
    image), it is `dfc-hadolint`: hadolint's command line over dfc's linter. `declined`:
    the compiled client was answered by a daemon that did not take the command (stale
    code, another installation), so this one must not start a second daemon beside it."""
    if declined:
        _answered.append(True)
    if os.path.basename(sys.argv[0]) == "hadolint":
        _with_site()
        from dfc.lint.hadolint.main import main as hadolint

        hadolint()
        return
    argv = sys.argv[1:]
    code = forward(argv) if wants_daemon(argv) else None
    if code is None:
        _with_site()
        from dfc.cli import main as run_here

        try:
            run_here()
        finally:
            if worth_starting(argv):
                start_in_background()
        return
    # The daemon's child did the work; this process holds nothing that needs finalizing,
    # and skipping the interpreter's teardown saves a few ms of every command.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _with_site() -> None:
    """The installed launcher starts Python without `site` (-S: the client needs only
    dfc's folder, which it puts first); a command run here needs the environment's
    packages, which `site` adds."""
    if sys.flags.no_site and "site" not in sys.modules:
        import site

        site.main()


def wants_daemon(argv: list[str]) -> bool:
    """Whether this command may go to a daemon (not disabled, not a local command)."""
    if os.environ.get(wire.DISABLE_ENV) or os.environ.get("_DFC_COMPLETE"):
        return False  # a shell completion request is answered here
    command = _command(argv)
    if command in TERMINAL_COMMANDS and _isatty(0):
        return False
    return command not in LOCAL_COMMANDS


def worth_starting(argv: list[str]) -> bool:
    """Whether this command, run here for want of a daemon, should start one: it may go
    to a daemon, it is a real command, and no daemon is listening (one that declined,
    stale or of another installation, is not replaced)."""
    command = _command(argv)
    if command is None or command in NOT_WORTH_A_DAEMON or HELP_FLAGS.intersection(argv):
        return False
    if not wants_daemon(argv) or _answered:  # (a stale one restarts itself)
        return False
    path = wire.socket_path()
    conn = wire.connect(path)
    if conn is not None:
        conn.close()
        return False
    return not wire.daemon_running(path)


def start_in_background() -> None:
    """Start a daemon for the next commands, detached, and do not wait for it."""
    import fcntl
    import subprocess

    path = wire.socket_path()
    idle = os.environ.get(wire.IDLE_ENV) or wire.DEFAULT_IDLE
    try:
        os.makedirs(os.path.dirname(path) or ".", mode=0o700, exist_ok=True)
        lock = os.open(wire.lock_path(path), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError:
        return  # no daemon this time: every command still runs here
    try:
        # Locked here and handed over: between this command and the daemon taking the
        # lock itself there is no moment in which another command would start a second.
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with open(path.removesuffix(".sock") + ".log", "ab") as log:
            subprocess.Popen(
                [sys.executable, "-m", "dfc", "daemon", "run", "--socket",
                 os.path.abspath(path), "--idle-timeout", idle],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
                cwd="/", close_fds=True, pass_fds=(lock,),
                env={**os.environ, wire.LOCK_FD_ENV: str(lock)})
    except OSError:
        return  # a daemon runs or starts already, or none can: every command runs here
    finally:
        os.close(lock)


def _command(argv: list[str]) -> str | None:
    return next((arg for arg in argv if not arg.startswith("-")), None)


def _isatty(fd: int) -> bool:
    try:
        return os.isatty(fd)
    except OSError:
        return False


def forward(argv: list[str]) -> int | None:
    """Run the command in the daemon and return its exit code; None when there is no
    usable daemon (none listening, stdio or working folder gone, or out of date)."""
    if not all(_is_open(fd) for fd in (0, 1, 2)):
        return None
    conn = wire.connect(wire.socket_path())
    if conn is None:
        return None
    _answered.append(True)
    try:
        tag, value = _converse(conn, argv)
    finally:
        conn.close()
    if tag in (wire.STALE, wire.REFUSED):
        return None
    if tag == wire.EXIT and isinstance(value, int):
        return value
    print(LOST_MESSAGE, file=sys.stderr)
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
