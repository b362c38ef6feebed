"""`dfc daemon run|start|stop|status`: the optional warm process commands are forked from."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dfc.daemon import wire
from dfc.errors import DfcError

if TYPE_CHECKING:
    from dfc.daemon.server import CommandRunner

daemon_app = typer.Typer(help="Run commands from a warm daemon (optional).",
                         no_args_is_help=True)
SocketOpt = Annotated[str | None, typer.Option(
    "--socket", envvar=wire.SOCKET_ENV,
    help="Socket path (default: /run/dfc/daemon.sock for root).")]
IdleOpt = Annotated[str | None, typer.Option(
    "--idle-timeout", help="Stop after this long without a command (Go duration, e.g. "
    "15m; default: never).")]
START_TIMEOUT = 60.0


def _seconds(duration: str | None) -> float | None:
    if duration is None:
        return None
    from dfc.errors import UsageError
    from dfc.grammar.durations import DurationError, parse_duration

    try:
        return parse_duration(duration) / 1e9
    except DurationError as exc:
        raise UsageError(f"invalid --idle-timeout {duration!r}: {exc}") from None


def register(app: typer.Typer, runner: CommandRunner) -> None:
    """Add the commands; `runner` is how the daemon runs the commands it is sent (the
    CLI's own, handed in: this module is part of the CLI it would import)."""

    def run_command(socket: SocketOpt = None, idle_timeout: IdleOpt = None) -> None:
        """Serve in the foreground until SIGTERM or Ctrl-C (for service managers)."""
        from dfc.daemon.server import serve

        serve(socket or wire.socket_path(), runner, _seconds(idle_timeout))

    daemon_app.command("run")(run_command)
    daemon_app.command("start")(start_command)
    daemon_app.command("stop")(stop_command)
    daemon_app.command("status")(status_command)
    app.add_typer(daemon_app, name="daemon")


def start_command(socket: SocketOpt = None, idle_timeout: IdleOpt = None) -> None:
    """Start a daemon in the background; `dfc` commands then run from it."""
    path = socket or wire.socket_path()
    _seconds(idle_timeout)  # refuse a bad duration here, not in the background
    if _status(path) is not None:
        raise DfcError(f"a dfc daemon is already listening on {path}")
    os.makedirs(os.path.dirname(path) or ".", mode=0o700, exist_ok=True)
    log_path = Path(path).with_suffix(".log")
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "dfc", "daemon", "run", "--socket", os.path.abspath(path),
             *(["--idle-timeout", idle_timeout] if idle_timeout else [])],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True, cwd="/")
    deadline = time.monotonic() + START_TIMEOUT
    while (status := _status(path)) is None:
        if process.poll() is not None or time.monotonic() > deadline:
            tail = log_path.read_text(errors="replace").strip().splitlines()[-1:]
            raise DfcError(f"the dfc daemon did not start (log {log_path}): "
                           f"{tail[0] if tail else 'no output'}")
        time.sleep(0.05)
    typer.echo(f"dfc daemon listening on {path} (pid {status['pid']}, log {log_path})")


def stop_command(socket: SocketOpt = None) -> None:
    """Stop the daemon; commands it is running finish first."""
    path = socket or wire.socket_path()
    status = _require(path)
    pid = int(str(status["pid"]))
    os.kill(pid, signal.SIGTERM)
    while _alive(pid):
        time.sleep(0.05)
    typer.echo(f"dfc daemon stopped (pid {pid})")


def status_command(socket: SocketOpt = None) -> None:
    """Say whether a daemon is listening, and what it has served."""
    status = _require(socket or wire.socket_path())
    for key in ("socket", "pid", "version", "served", "running"):
        typer.echo(f"{key}: {status[key]}")
    typer.echo(f"up: {time.time() - float(str(status['started'])):.0f} s")


def _require(path: str) -> dict[str, object]:
    status = _status(path)
    if status is None:
        raise DfcError(f"no dfc daemon is listening on {path}")
    return status


def _status(path: str) -> dict[str, object] | None:
    conn = wire.connect(path)
    if conn is None:
        return None
    try:
        wire.send_request(conn, wire.Request("status"), [])
        tag, body = wire.read_reply(conn)
        status = json.loads(body) if tag == wire.STATUS and isinstance(body, bytes) \
            and body else None
    except (OSError, ValueError):
        return None
    finally:
        conn.close()
    return status if isinstance(status, dict) else None


def _alive(pid: int) -> bool:
    """Whether `pid` still runs (a zombie child of ours counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return False
