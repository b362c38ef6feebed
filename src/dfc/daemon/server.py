"""The dfc daemon: a warm process that runs each command in a fresh fork of itself.

Why: a dfc command spends ~0.1 s importing the CLI and the build path before its first
useful instruction, which is most of a cached rebuild. The daemon imports everything
once (and builds the Lark parser), then forks one child per request. The child takes the
client's stdin/stdout/stderr, working folder, environment and umask, runs the normal CLI
(the runner the CLI hands to `serve`) and exits; the daemon reports its exit status.
Every command still runs in a process of its own, starting from the same state a fresh
`dfc` would, so nothing leaks between builds. Only clients of the daemon's own user (or
root), running the same dfc installation, are served.

When a source file of dfc changes on disk, the daemon answers "stale" (the client runs
the command itself), lets running commands finish and re-executes itself.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import json
import os
import pkgutil
import selectors
import signal
import socket
import struct
import sys
import time
from typing import Protocol

import msgspec

import dfc
from dfc.daemon import spare, wire
from dfc.daemon.child import run_child
from dfc.daemon.receive import receive_request
from dfc.daemon.spare import Spare
from dfc.daemon.watch import CodeWatch
from dfc.errors import DfcError
from dfc.version import VERSION

_UCRED = struct.Struct("3i")
_SKIP_PRELOAD = frozenset({"dfc.__main__"})  # the daemon runs as `python -m dfc`: no 2nd copy
# Libraries dfc imports lazily on some paths (help and tty progress render with rich;
# httpx loads its transport, httpcore with h11, on its first client, and certifi and the
# IDNA codec on its first request: ~40 ms of every registry command otherwise).
_PRELOAD_LIBRARIES = ("typer.rich_utils", "rich.progress", "rich.live", "httpcore", "h11",
                      "certifi", "encodings.idna")


class CommandRunner(Protocol):
    """How the daemon runs commands: the CLI hands in its own, so this package never
    imports the CLI (which hosts the daemon as one of its commands)."""

    def warm(self) -> None:
        """Build, once and before any fork, what every command would build first."""

    def run(self, argv: list[str]) -> int:
        """Run one command line in this process and return its exit code."""


class Session(msgspec.Struct):
    """One running command: the client's connection and the child running it."""

    conn: socket.socket
    pid: int
    pidfd: int


def preload(runner: CommandRunner) -> int:
    """Import every dfc module and the libraries it loads lazily, warm the runner (the
    CLI's command tree) and build the parser; returns the number of dfc modules."""
    count = 0
    for info in pkgutil.walk_packages(dfc.__path__, "dfc."):
        if info.name not in _SKIP_PRELOAD:
            importlib.import_module(info.name)
            count += 1
    for name in _PRELOAD_LIBRARIES:
        importlib.import_module(name)
    _warm_structs()
    runner.warm()
    dfc.parse("FROM scratch\n")
    return count


def _warm_structs() -> None:
    """Resolve every dfc msgspec Struct's annotations now (~20 ms once): msgspec does it
    on a type's first decode, so each command's child would pay for the types it reads
    (a registry pull: ~5-25 ms, compiling annotation strings)."""
    for name, module in list(sys.modules.items()):
        if not name.startswith("dfc."):
            continue
        for value in list(vars(module).values()):
            if (isinstance(value, type) and issubclass(value, msgspec.Struct)
                    and value.__module__ == name):
                with contextlib.suppress(Exception):  # a TYPE_CHECKING-only name: later
                    msgspec.json.Decoder(value)


class Daemon:
    """The accept/fork/reap loop. Single-threaded, so forking is safe."""

    def __init__(self, path: str, watch: CodeWatch, runner: CommandRunner,
                 idle_timeout: float | None = None) -> None:
        self.path = path
        self.idle_timeout = idle_timeout
        self.last_active = time.monotonic()
        self.runner = runner
        self.watch = watch
        self.selector = selectors.DefaultSelector()
        self.sessions: dict[int, Session] = {}
        self.spare: Spare | None = None
        self.listener: socket.socket | None = None
        self.inode = 0
        self.restart = False
        self.served = 0
        self.started = time.time()
        self.stop_requested = False
        self.wake_read, self.wake_write = socket.socketpair()

    def serve(self) -> None:
        """Run until told to stop (SIGTERM/SIGINT) or until the code changed on disk."""
        self._listen()
        self.wake_read.setblocking(False)
        self.wake_write.setblocking(False)
        signal.set_wakeup_fd(self.wake_write.fileno())
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, self._on_stop_signal)
        self.selector.register(self.wake_read, selectors.EVENT_READ, "wake")
        _log(f"listening on {self.path} (pid {os.getpid()}, dfc {VERSION})")
        gc.freeze()  # children share these pages instead of copying them on first GC
        self._fork_spare()
        while self.listener is not None or self.sessions:
            for key, _events in self.selector.select(self._idle_left()):
                self._dispatch(key.data)
            if self.stop_requested:
                self._stop_listening()
            elif self._idle_left() == 0.0:
                _log(f"idle for {self.idle_timeout:.0f} s: stopping")
                self._stop_listening()
        signal.set_wakeup_fd(-1)
        if self.restart:
            _log("dfc changed on disk: restarting")
            os.execv(sys.executable, sys.orig_argv)
        _log("stopped")

    def _idle_left(self) -> float | None:
        """Seconds until an idle daemon stops (None: no limit, or commands running)."""
        if self.idle_timeout is None or self.sessions:
            return None
        return max(0.0, self.last_active + self.idle_timeout - time.monotonic())

    def _listen(self) -> None:
        folder = os.path.dirname(self.path) or "."
        os.makedirs(folder, mode=0o700, exist_ok=True)
        if os.path.exists(self.path):
            probe = wire.connect(self.path)
            if probe is not None:
                probe.close()
                raise DfcError(f"a dfc daemon is already listening on {self.path}")
            os.unlink(self.path)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old_mask = os.umask(0o177)
        try:
            listener.bind(self.path)
        finally:
            os.umask(old_mask)
        listener.listen(64)
        self.inode = os.stat(self.path).st_ino
        self.listener = listener
        self.selector.register(listener, selectors.EVENT_READ, "accept")

    def _stop_listening(self) -> None:
        self._end_spare()
        if self.listener is None:
            return
        self.selector.unregister(self.listener)
        self.listener.close()
        self.listener = None
        with contextlib.suppress(OSError):
            if os.stat(self.path).st_ino == self.inode:
                os.unlink(self.path)

    def _on_stop_signal(self, _signum: int, _frame: object) -> None:
        """Only a flag: the loop (woken by the wakeup fd) stops listening itself."""
        self.restart = False
        self.stop_requested = True

    def _dispatch(self, data: object) -> None:
        if data == "wake":
            with contextlib.suppress(OSError):
                self.wake_read.recv(512)
        elif data == "accept" and self.listener is not None:
            conn, _addr = self.listener.accept()
            self._handle(conn)
            # The next spare at once (the request's descriptors are closed by now: it must
            # not hold the client's stdio), so that it has copied the daemon's memory by
            # the next command even when that one follows at once.
            self._fork_spare()
        elif isinstance(data, tuple):
            kind, pid = data
            if kind == "spare":
                self._spare_exited(pid)
                return
            session = self.sessions.get(pid)
            if session is not None:
                (self._reap if kind == "exit" else self._relay)(session)

    def _handle(self, conn: socket.socket) -> None:
        """Serve one connection: a status answer, a "stale" answer, or a forked child."""
        fds: list[int] = []
        reply = wire.REFUSED
        try:
            if self._trusted(conn):
                conn.settimeout(5)
                request, fds = receive_request(conn)
                conn.settimeout(None)
                if request.op == "status":
                    reply = wire.status_message(json.dumps(self.status()).encode())
                elif (request.op == "run" and len(fds) == 3
                      and request.installation == wire.INSTALLATION):
                    if not self.watch.changed():
                        self._start(conn, request, fds)
                        return
                    reply = wire.STALE
                    self.restart = True
                    self._stop_listening()
        except (OSError, ValueError) as exc:
            _log(f"bad request: {exc}")
        finally:
            for fd in fds:
                os.close(fd)
        with contextlib.suppress(OSError):
            conn.sendall(reply)
        conn.close()

    def _trusted(self, conn: socket.socket) -> bool:
        _pid, uid, _gid = _UCRED.unpack(
            conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _UCRED.size))
        return uid in (0, os.geteuid())

    def _start(self, conn: socket.socket, request: wire.Request, fds: list[int]
               ) -> None:
        """Run the request in the spare, or in a child forked now when there is none
        (or it did not take the request)."""
        session = self._hand_to_spare(conn, request, fds)
        if session is None:
            session = self._fork_child(conn, request, fds)
        self.sessions[session.pid] = session
        self.served += 1
        self.selector.register(conn, selectors.EVENT_READ, ("client", session.pid))

    def _hand_to_spare(self, conn: socket.socket, request: wire.Request, fds: list[int]
                       ) -> Session | None:
        ready, self.spare = self.spare, None  # whatever happens, never handed a second
        if ready is None:
            return None
        if not spare.hand_off(ready, conn, request, fds):
            _log(f"spare {ready.pid} did not take a command: forking one")
            self.selector.unregister(ready.pidfd)
            spare.end(ready)
            return None
        ready.channel.close()
        self.selector.modify(ready.pidfd, selectors.EVENT_READ, ("exit", ready.pid))
        return Session(conn, ready.pid, ready.pidfd)

    def _fork_child(self, conn: socket.socket, request: wire.Request, fds: list[int]
                    ) -> Session:
        _flush_own_stdio()
        pid = os.fork()
        if pid == 0:
            self._close_in_child()
            run_child(conn, request, fds, self.runner.run)
        pidfd = os.pidfd_open(pid)
        self.selector.register(pidfd, selectors.EVENT_READ, ("exit", pid))
        return Session(conn, pid, pidfd)

    def _fork_spare(self) -> None:
        """Keep one spare while listening (not after: a stopping daemon ends its spare)."""
        if self.spare is not None or self.listener is None:
            return
        _flush_own_stdio()
        try:
            ready = spare.fork_spare(self._close_in_child, self.runner.run)
        except OSError as exc:  # out of processes or descriptors: commands fork their own
            _log(f"cannot fork a spare: {exc}")
            return
        self.selector.register(ready.pidfd, selectors.EVENT_READ, ("spare", ready.pid))
        self.spare = ready

    def _spare_exited(self, pid: int) -> None:
        """The spare died without a command (killed, or it failed to get ready): reap it.
        The next command forks its own child, then a new spare (not now: a spare that
        keeps failing must not make the daemon fork in a loop). An event of an earlier
        spare, read in the same wake-up as the request it was handed, is not this one's."""
        if self.spare is None or self.spare.pid != pid:
            return
        self.selector.unregister(self.spare.pidfd)
        _pid, status = os.waitpid(self.spare.pid, 0)
        _log(f"spare {self.spare.pid} exited ({os.waitstatus_to_exitcode(status)})")
        spare.close(self.spare)
        self.spare = None

    def _end_spare(self) -> None:
        if self.spare is not None:
            self.selector.unregister(self.spare.pidfd)
            spare.end(self.spare)
            self.spare = None

    def _close_in_child(self) -> None:
        signal.set_wakeup_fd(-1)
        if _lock_fd >= 0:
            os.close(_lock_fd)  # the lock is the daemon's: a long command must not keep it
        for session in self.sessions.values():
            session.conn.close()
            os.close(session.pidfd)
        if self.spare is not None:
            spare.close(self.spare)
        if self.listener is not None:
            self.listener.close()
        self.wake_read.close()
        self.wake_write.close()
        self.selector.close()
        self.watch.close()

    def _reap(self, session: Session) -> None:
        _pid, status = os.waitpid(session.pid, 0)
        code = os.waitstatus_to_exitcode(status)
        with contextlib.suppress(OSError):
            session.conn.sendall(wire.exit_message(code if code >= 0 else 128 - code))
        self._forget(session)
        self._fork_spare()  # (one that died while waiting is replaced here, not in a loop)

    def _relay(self, session: Session) -> None:
        """A signal the client received, or its disconnection (cancel, as Ctrl-C does)."""
        try:
            data = session.conn.recv(64)
        except OSError:
            data = b""
        if not data:
            self.selector.unregister(session.conn)
            _kill_group(session.pid, signal.SIGINT)
            return
        for tag, signum in zip(data[::2], data[1::2], strict=False):
            if bytes([tag]) == wire.SIGNAL and signum in _RELAYED:
                _kill_group(session.pid, signum)

    def _forget(self, session: Session) -> None:
        self.selector.unregister(session.pidfd)
        with contextlib.suppress(KeyError, ValueError):
            self.selector.unregister(session.conn)
        os.close(session.pidfd)
        session.conn.close()
        del self.sessions[session.pid]
        self.last_active = time.monotonic()

    def status(self) -> dict[str, object]:
        return {"pid": os.getpid(), "version": VERSION, "socket": self.path,
                "started": self.started, "served": self.served, "running": len(self.sessions)}


_RELAYED = frozenset({signal.SIGINT, signal.SIGTERM, signal.SIGHUP})


_lock_fd = -1


def _hold_lock(path: str) -> None:
    """Lock the daemon's lock file for this process's life (close-on-exec: a restart
    takes it again; forked children close it), or refuse: another daemon has it."""
    import fcntl

    global _lock_fd
    handed = _handed_lock(path)
    if handed is not None:
        _lock_fd = handed
        return
    os.makedirs(os.path.dirname(path) or ".", mode=0o700, exist_ok=True)
    fd = os.open(wire.lock_path(path), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise DfcError(f"a dfc daemon is already running for {path}") from None
    _lock_fd = fd


def _handed_lock(path: str) -> int | None:
    """The lock descriptor the client that started this daemon locked and passed on
    (DFC_DAEMON_LOCK_FD), when it is this socket's lock file; else None."""
    text = os.environ.pop(wire.LOCK_FD_ENV, None)
    if not text or not text.isdigit():
        return None
    fd = int(text)
    try:
        held, wanted = os.fstat(fd), os.stat(wire.lock_path(path))
    except OSError:
        return None
    if (held.st_dev, held.st_ino) != (wanted.st_dev, wanted.st_ino):
        return None
    os.set_inheritable(fd, False)  # a restart (exec) takes the lock again itself
    return fd


def _kill_group(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)


def _flush_own_stdio() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()


def _log(message: str) -> None:
    print(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} dfc daemon: {message}", file=sys.stderr,
          flush=True)


def serve(path: str, runner: CommandRunner, idle_timeout: float | None = None) -> None:
    """Preload dfc, then serve on `path` until stopped (or idle for `idle_timeout`
    seconds), each command run by `runner`."""
    started = time.perf_counter()
    _hold_lock(path)
    watch = CodeWatch.snapshot()
    count = preload(runner)
    _log(f"loaded {count} modules in {time.perf_counter() - started:.2f} s")
    Daemon(path, watch, runner, idle_timeout).serve()
