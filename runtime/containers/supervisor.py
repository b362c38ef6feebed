"""The supervisor: one small process per running container, the role conmon plays for
podman. It is double-forked from the CLI into a session of its own, so the CLI may exit
(or be killed) while the container runs. It is the parent of the container: it holds the
terminal of `-t`, writes the json-file log, relays streams to attached CLIs, records the
start, the exit code and the times, and removes a `--rm` container when it ends.

The container's first process has a parent-death signal bound to the supervisor: if the
supervisor dies (kill -9), the container dies with it and the next command that reads it
records it as exited (see ContainerStore.load).

On a private network (docker's default) the supervisor makes the network, with the
published ports, before the container's first process joins it, and closes it when the
container ends. It holds the only descriptor of the namespace and the exit pipe of the
user-mode stack, so its own death (kill -9) ends the stack and frees the namespace too.
"""

from __future__ import annotations

import errno
import os
import selectors
import signal
import socket
import subprocess
import sys
from typing import NoReturn

import msgspec

from dfc.errors import DfcError
from dfc.runtime import linux as sys_
from dfc.runtime.containers import attach, listener
from dfc.runtime.containers.errors import ContainerError
from dfc.runtime.containers.logs import LogWriter
from dfc.runtime.containers.networks import is_private, published
from dfc.runtime.containers.state import now_rfc3339
from dfc.runtime.containers.store import Container, ContainerStore, process_start
from dfc.runtime.network.private import PrivateNetwork
from dfc.runtime.sandbox.console import ConsoleSocket, receive_console, set_window
from dfc.runtime.sandbox.native import ExecFailed, NativeBackend
from dfc.runtime.sandbox.proc import exit_code, read_all, reset_signals
from dfc.runtime.sandbox.rootfs import Rootfs
from dfc.runtime.sandbox.spec import RunSpec
from dfc.runtime.sandbox.users import ExecUser

NOT_FOUND, NOT_EXECUTABLE, SETUP_FAILED = 127, 126, 125
NETWORK_FAILED = 128
"""The exit code docker records for a container whose network could not be set up (a
published port already taken); `run` itself exits 125 and the container stays `Created`."""


def drain(fd: int) -> bytes:
    """A report pipe's whole content; the pipe is closed."""
    try:
        return read_all(fd)
    finally:
        os.close(fd)


def report_failure(report: int, argv0: str, exc: BaseException) -> None:
    """Tell the waiting side, as `E<code> <message>`, why the process did not start."""
    if isinstance(exc, ExecFailed):
        code, message = exec_failure(argv0, exc)
    else:
        code, message = SETUP_FAILED, str(exc)
    os.write(report, f"E{code} {message}".encode()[:4000])


def only_descriptors(stdio: tuple[int, int, int], report: int, console: ConsoleSocket | None
                     ) -> tuple[int, ConsoleSocket | None]:
    """In a process about to become a container's: `stdio` on 0-2, the report pipe on 1023
    and the console socket on 1022, every other descriptor closed; (report, console)."""
    copies = [os.dup(fd) for fd in stdio]
    for target, fd in enumerate(copies):
        os.dup2(fd, target)
    keep = os.dup2(report, 1023, inheritable=False)
    if console is not None:
        console = ConsoleSocket(os.dup2(console.fd, 1022, inheritable=False), console.size)
    os.closerange(3, 1022 if console is not None else keep)
    os.closerange(keep + 1, os.sysconf("SC_OPEN_MAX"))
    return keep, console


def exec_failure(argv0: str, exc: ExecFailed) -> tuple[int, str]:
    """Docker's code and runc's words for a command that cannot be executed."""
    if exc.errno == errno.ENOENT:
        if "/" in argv0:
            return NOT_FOUND, f'exec: "{argv0}": stat {argv0}: no such file or directory'
        return NOT_FOUND, f'exec: "{argv0}": executable file not found in $PATH'
    if exc.errno in (errno.EACCES, errno.EPERM, errno.ENOEXEC, errno.EISDIR):
        reason = "exec format error" if exc.errno == errno.ENOEXEC else "permission denied"
        return NOT_EXECUTABLE, f'exec: "{argv0}": {reason}'
    return SETUP_FAILED, str(exc.strerror or exc)


def spawn(store: ContainerStore, container: Container, spec: RunSpec, root: Rootfs,
          user: ExecUser, size: tuple[int, int] | None = None) -> socket.socket:
    """Start the supervisor of `container`; returns the CLI's end of its first attached
    connection, on which a STARTED or FAILED frame comes first."""
    ours, theirs = socket.socketpair()
    pid = os.fork()
    if pid == 0:
        try:
            ours.close()
            os.setsid()
            if os.fork() == 0:
                _supervisor_main(store, container, spec, root, user, theirs, size)
        finally:
            os._exit(0)
    theirs.close()
    os.waitpid(pid, 0)
    return ours


def _detach(keep: int) -> None:
    """No stdio of the CLI (its terminal, its pipes) stays open in the supervisor."""
    null = os.open("/dev/null", os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.closerange(3, keep)
    os.closerange(keep + 1, os.sysconf("SC_OPEN_MAX"))
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)


def _supervisor_main(store: ContainerStore, container: Container, spec: RunSpec,
                     root: Rootfs, user: ExecUser, client: socket.socket,
                     size: tuple[int, int] | None) -> NoReturn:
    try:
        _detach(client.fileno())
        Supervisor(store, container, spec, root, user, size).run(client)
    except BaseException as exc:
        try:
            state = container.reload().state
            if state.status == "running":
                container.save_state(state.exited(SETUP_FAILED, f"supervisor: {exc!r}"))
        except BaseException:
            pass
    os._exit(0)


def _container_child(stdio: tuple[int, int, int], report: int, spec: RunSpec, root: Rootfs,
                     user: ExecUser, netns: str | None,
                     console: ConsoleSocket | None = None) -> NoReturn:
    """The container's first process (see NativeBackend): `report` gets the pid of the
    container's pid 1, then a failure, if any, as `E<code> <message>`."""
    try:
        os.setsid()
        sys_.prctl(sys_.PR_SET_PDEATHSIG, signal.SIGKILL)
        reset_signals()
        keep, console = only_descriptors(stdio, report, console)

        def announce(init: int) -> None:
            os.write(keep, b"P%d\n" % init)
            os.close(keep)

        report = keep
        NativeBackend().start(spec, root, user, netns=netns, on_init=announce, console=console)
    except BaseException as exc:
        report_failure(report, spec.argv[0], exc)
    finally:
        os._exit(SETUP_FAILED)


class Supervisor:
    def __init__(self, store: ContainerStore, container: Container, spec: RunSpec,
                 root: Rootfs, user: ExecUser, size: tuple[int, int] | None) -> None:
        self.store = store
        self.container = container
        self.spec = spec
        self.root = root
        self.user = user
        self.size = size
        self.clients: dict[int, tuple[socket.socket, attach.FrameReader]] = {}
        self.stdin_w: int | None = None
        self.stdin_pending = bytearray()
        self.sel = selectors.DefaultSelector()
        self.init = 0
        self.master: int | None = None
        self.listener: socket.socket | None = None
        self.joined: str | None = None
        """`--network container:`: the network namespace joined."""

    def run(self, client: socket.socket) -> None:
        network: PrivateNetwork | None = None
        try:
            self.joined = self._joined_network()
        except ContainerError as exc:
            self._failed(client, f"E{SETUP_FAILED} {exc.message}")
            return
        if is_private(self.container.record.host_config.network_mode):
            try:
                network = PrivateNetwork(published(self.container.record))
            except DfcError as exc:
                message = (f"driver failed programming external connectivity on endpoint "
                           f"{self.container.name}: {exc.message}")
                self._failed(client, f"E{SETUP_FAILED} {message}", recorded=NETWORK_FAILED)
                return
        try:
            self._run(client, network)
        finally:
            if network is not None:
                network.close()

    def _run(self, client: socket.socket, network: PrivateNetwork | None) -> None:
        config = self.container.record.config
        tty = config.tty
        opened: list[int] = []
        console: socket.socket | None = None
        console_child: int | None = None
        if tty:  # the pty is made inside the container and its master sent back here
            console, theirs = socket.socketpair()
            console_child = theirs.detach()
            null = os.open("/dev/null", os.O_RDWR)
            stdio = (null, null, null)
            outputs = {}
            opened += [null, console_child]
        else:
            out_r, out_w = os.pipe()
            err_r, err_w = os.pipe()
            if config.open_stdin:
                in_r, self.stdin_w = os.pipe()
            else:
                in_r = os.open("/dev/null", os.O_RDONLY)
            stdio = (in_r, out_w, err_w)
            outputs = {out_r: "stdout", err_r: "stderr"}
            opened += [in_r, out_w, err_w]
        report_r, report_w = os.pipe()
        netns = network.path if network is not None else None  # (the path names this pid)
        if netns is None:
            netns = self.joined
        child = os.fork()
        if child == 0:
            _container_child(stdio, report_w, self.spec, self.root, self.user, netns,
                             ConsoleSocket(console_child, self.size)
                             if console_child is not None else None)
        os.close(report_w)
        for fd in opened:
            os.close(fd)
        report = drain(report_r).decode(errors="replace")
        pid_line, _, failure = report.partition("\n") if report.startswith("P") \
            else ("", "", report)
        if failure.startswith("E"):
            for fd in outputs:
                os.close(fd)
            if console is not None:
                console.close()
            os.waitpid(child, 0)
            self._failed(client, failure)
            return
        if console is not None:
            with console:
                self.master = receive_console(console)
            outputs = {self.master: "stdout"}
            if config.open_stdin:
                self.stdin_w = self.master
        self.init = int(pid_line[1:])
        me = os.getpid()
        self.container.save_state(msgspec.structs.replace(
            self.container.state, status="running", running=True, pid=self.init, exit_code=0,
            error="", started_at=now_rfc3339(), finished_at=self.container.state.finished_at,
            supervisor=me, supervisor_start=process_start(me) or 0,
            ports=list(network.ports) if network is not None else []))
        attach.send(client, attach.STARTED)
        self._add_client(client)
        monitor = self._start_health_monitor()
        self._listen()
        if self.stdin_w is not None and self.stdin_w not in outputs:
            os.set_blocking(self.stdin_w, False)
        log = LogWriter(self.container.log_path)
        for fd in outputs:
            self.sel.register(fd, selectors.EVENT_READ, "output")
        while outputs:
            for key, _ in self.sel.select():
                if key.data == "output":
                    self._output(key.fd, outputs, log)
                elif key.data == "stdin":
                    self._flush_stdin()
                elif key.data == "listen":
                    self._accept()
                else:
                    self._client_input(key)
        if monitor is not None:
            monitor.kill()
            monitor.wait()
        if self.listener is not None:  # (a client that comes now finds it stopped)
            self.sel.unregister(self.listener)
            listener.close(self.listener, self.container.folder)
        log.close()
        code = exit_code(os.waitpid(child, 0)[1])
        self._finish(code)

    def _joined_network(self) -> str | None:
        """`--network container:ID`: the namespace of that container's pid 1; a stopped
        one has none, and the container's start fails (docker's words)."""
        mode = self.container.record.host_config.network_mode
        if not mode.startswith("container:"):
            return None
        target_id = mode.partition(":")[2]
        target = self.store.load(target_id)
        if target is None or target.state.status != "running" or not target.supervisor_alive():
            raise ContainerError(f"cannot join network of a non running container: {target_id}")
        return f"/proc/{target.state.pid}/ns/net"

    def _failed(self, client: socket.socket, failure: str, recorded: int | None = None
                ) -> None:
        """Report `E<code> <message>` to the CLI; the state records `recorded` (else the
        same code) and the message, and stays `created` as docker leaves it."""
        head, _, message = failure[1:].partition(" ")
        code = int(head) if head.isdigit() else SETUP_FAILED
        state = self.container.state
        if self.container.record.host_config.auto_remove:
            self._auto_remove()
        else:
            self.container.save_state(msgspec.structs.replace(
                state, exit_code=code if recorded is None else recorded, error=message))
        attach.send(client, attach.FAILED, attach.failure(code, message))

    def _start_health_monitor(self) -> subprocess.Popen[bytes] | None:
        """The health check's monitor process (None: the container has no check)."""
        from dfc.runtime.containers import health

        record = self.container.record
        if health.command(record.config.healthcheck, record.shell) is None:
            return None
        health.write(self.container.folder, health.Health())  # (a restart starts afresh)
        return subprocess.Popen(
            [sys.executable, "-m", "dfc.runtime.containers.health_monitor",
             str(self.container.folder)], stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, close_fds=True)

    def _auto_remove(self) -> None:
        """`--rm`: the container goes, and its anonymous volumes with it."""
        from dfc.runtime.containers import mounting

        points = mounting.read(self.container.folder)
        self.store.remove(self.container)
        mounting.remove_anonymous(self.store.folder.parent, points)

    def _listen(self) -> None:
        """Take `dfc attach` clients on the folder's socket; without it (a store that
        cannot hold a socket) the container still runs, only attach is refused."""
        try:
            self.listener = listener.listen(self.container.folder)
        except OSError:
            return
        self.sel.register(self.listener, selectors.EVENT_READ, "listen")

    def _accept(self) -> None:
        assert self.listener is not None
        try:
            sock, _ = self.listener.accept()
        except OSError:
            return
        self._add_client(sock)

    def _add_client(self, sock: socket.socket) -> None:
        self.clients[sock.fileno()] = (sock, attach.FrameReader())
        self.sel.register(sock, selectors.EVENT_READ, "client")

    def _drop_client(self, fd: int) -> None:
        sock, _ = self.clients.pop(fd)
        self.sel.unregister(sock)
        sock.close()
        if self.container.record.config.stdin_once and not self.clients:
            self._close_stdin()

    def _broadcast(self, kind: int, data: bytes) -> None:
        for fd, (sock, _) in list(self.clients.items()):
            if not attach.send(sock, kind, data):
                self._drop_client(fd)

    def _output(self, fd: int, outputs: dict[int, str], log: LogWriter) -> None:
        try:
            data = os.read(fd, 65536)
        except OSError as exc:  # a pty master reads EIO once the last slave is closed
            if exc.errno != errno.EIO:
                raise
            data = b""
        stream = outputs[fd]
        if not data:
            self.sel.unregister(fd)
            del outputs[fd]
            if fd != self.stdin_w:
                os.close(fd)
                if fd == self.master:  # a late resize must not reach a closed (or reused) fd
                    self.master = None
            return
        log.write(stream, data)
        self._broadcast(attach.STDOUT if stream == "stdout" else attach.STDERR, data)

    def _client_input(self, key: selectors.SelectorKey) -> None:
        fd = key.fd
        if self.clients.get(fd, (None,))[0] is not key.fileobj:
            return  # dropped earlier in this round of events (a send to it failed)
        sock, reader = self.clients[fd]
        frames = attach.recv_frames(sock, reader)
        if frames is None:
            self._drop_client(fd)
            return
        for kind, data in frames:
            if kind == attach.STDIN and self.stdin_w is not None:
                self.stdin_pending += data
                self._flush_stdin()
            elif kind == attach.STDIN_EOF:
                if self.container.record.config.tty:
                    continue  # a terminal ends input with ^D, sent as a byte
                self._close_stdin()
            elif kind == attach.RESIZE and self.master is not None:
                set_window(self.master, *attach.unpack_size(data))
            elif kind == attach.SIGNAL:
                try:
                    os.kill(self.init, int(data))
                except (ProcessLookupError, ValueError):
                    pass

    def _flush_stdin(self) -> None:
        fd = self.stdin_w
        if fd is None:
            return
        try:
            while self.stdin_pending:
                written = os.write(fd, self.stdin_pending)
                del self.stdin_pending[:written]
        except BlockingIOError:
            pass
        except OSError:  # the container closed its stdin
            self.stdin_pending.clear()
        tty = self.container.record.config.tty
        if not tty:
            wanted = selectors.EVENT_WRITE if self.stdin_pending else 0
            registered = fd in self.sel.get_map()
            if wanted and not registered:
                self.sel.register(fd, wanted, "stdin")
            elif not wanted and registered:
                self.sel.unregister(fd)

    def _close_stdin(self) -> None:
        if self.stdin_w is None or self.container.record.config.tty:
            return
        if self.stdin_w in self.sel.get_map():
            self.sel.unregister(self.stdin_w)
        os.close(self.stdin_w)
        self.stdin_w = None

    def _finish(self, code: int) -> None:
        state = self.container.state.exited(code)
        if self.container.record.host_config.auto_remove:
            self._auto_remove()
        else:
            self.container.save_state(state)
        self._broadcast(attach.EXITED, str(code).encode())
        for fd in list(self.clients):
            self._drop_client(fd)
