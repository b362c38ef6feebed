"""`dfc exec`: a new process in a running container. It joins the namespaces of the
container's pid 1, then is confined exactly as pid 1 was (capabilities, no_new_privs,
seccomp, user) before it executes the command. Its streams are relayed by the CLI through
pipes or a pty, never handed over as the CLI's own descriptors (a host terminal inside a
container could have input injected into it)."""

from __future__ import annotations

import os
import selectors
import signal
import socket
from pathlib import Path
from typing import NoReturn

from dfc.errors import DfcError
from dfc.runtime import linux as sys_
from dfc.runtime.containers import options
from dfc.runtime.containers.engine import container_user
from dfc.runtime.containers.errors import ContainerError
from dfc.runtime.containers.store import Container
from dfc.runtime.containers.supervisor import (
    SETUP_FAILED,
    drain,
    only_descriptors,
    report_failure,
)
from dfc.runtime.sandbox import seccomp
from dfc.runtime.sandbox.console import ConsoleSocket, open_console, receive_console
from dfc.runtime.sandbox.native import exec_confined
from dfc.runtime.sandbox.policy import capability_names
from dfc.runtime.sandbox.proc import exit_code, reset_signals
from dfc.runtime.sandbox.spec import RunSpec
from dfc.runtime.sandbox.users import ExecUser, lookup

EXEC_FAILED = 126
"""`docker exec` answers 126 to any failure to start the command (not found included)."""
NAMESPACES = ("ipc", "uts", "net", "pid", "mnt")
"""Joined in this order: the mount namespace last, since /proc/PID/ns is read through
the host's /proc."""


def _spec(container: Container, argv: list[str], env: list[str], user: str | None,
          workdir: str | None, tty: bool) -> RunSpec:
    from dfc.runtime.containers.engine import run_spec  # (engine imports this module late)

    config = container.record.config
    merged = options.environment(config.env or (), (), env)
    base = run_spec(container, argv)
    return RunSpec(argv=tuple(argv), env=options.process_env(merged, config.hostname),
                   cwd=workdir or config.working_dir or "/",
                   user=config.user if user is None else user,
                   network=base.network, hostname=base.hostname,
                   capabilities=base.capabilities, tty=tty)


def run(container: Container, argv: list[str], *, env: list[str], user: str | None,
        workdir: str | None, detach: bool, interactive: bool, tty: bool) -> int:
    """Run `argv` in the container; its exit code (0 at once with `detach`)."""
    if container.state.status != "running" or not container.supervisor_alive():
        raise ContainerError(f"Container {container.id} is not running", exit_code=1)
    if not argv:
        raise ContainerError("exec needs a command", exit_code=1)
    spec, who, ns, syscall_filter = _prepare(container, argv, env, user, workdir, tty)
    theirs, ours = _streams(detach, interactive, tty)
    console, console_child = socket.socketpair() if tty and not detach else (None, None)
    report_r, report_w = os.pipe()
    child = os.fork()
    if child == 0:
        try:  # (a copy of the stdin writer here would keep stdin from ending)
            for fd in {fd for fd in ours if fd is not None}:
                os.close(fd)
            if console is not None:
                console.close()
            _joiner(ns, theirs, report_w, spec, who, syscall_filter, detach,
                    ConsoleSocket(console_child.detach(), _window())
                    if console_child is not None else None)
        finally:
            os._exit(SETUP_FAILED)  # never back into the CLI's code
    for fd in (*ns, report_w, *set(theirs)):
        os.close(fd)
    if console_child is not None:
        console_child.close()
    failure = drain(report_r)
    if detach:
        os.waitpid(child, 0)
    if failure:
        if not detach:
            os.waitpid(child, 0)
        message = failure.decode(errors="replace")[1:].partition(" ")[2]
        raise ContainerError(f"exec failed: {message}", exit_code=EXEC_FAILED)
    if detach:
        return 0
    if console is not None:
        with console:
            master = receive_console(console)
        ours = (master if interactive else None, master, None)
    return _relay(child, ours, interactive, tty)


def _prepare(container: Container, argv: list[str], env: list[str], user: str | None,
             workdir: str | None, tty: bool
             ) -> tuple[RunSpec, ExecUser, list[int], seccomp.LoadableFilter]:
    """What a new process of the container needs: its spec, user, the namespaces of pid 1
    (open descriptors) and its syscall filter."""
    pid = container.state.pid
    spec = _spec(container, argv, env, user, workdir, tty)
    try:
        who = container_user(lookup(spec.user, [Path(f"/proc/{pid}/root")]))
    except DfcError as exc:
        raise ContainerError(exc.message, exit_code=EXEC_FAILED) from None
    if workdir and not _is_dir(pid, workdir):  # docker exec does not create it
        raise ContainerError(f'exec failed: chdir to cwd ("{workdir}") set in config.json '
                             "failed: no such file or directory", exit_code=EXEC_FAILED)
    try:
        ns = [os.open(f"/proc/{pid}/ns/{name}", os.O_RDONLY | os.O_CLOEXEC)
              for name in NAMESPACES]
    except OSError:
        raise ContainerError(f"Container {container.id} is not running", exit_code=1) from None
    syscall_filter = seccomp.LoadableFilter(
        seccomp.bpf_program(capability_names(spec.capabilities)))
    return spec, who, ns, syscall_filter


def start_captured(container: Container, argv: list[str]) -> tuple[int, int]:
    """A process of the running container with no input and stdout and stderr on one
    pipe (a health check's): (its pid here, the pipe's read end). ContainerError with
    the exec's code when it could not be started."""
    spec, who, ns, syscall_filter = _prepare(container, argv, [], None, None, False)
    out_r, out_w = os.pipe()
    null = os.open("/dev/null", os.O_RDONLY)
    report_r, report_w = os.pipe()
    child = os.fork()
    if child == 0:
        try:
            os.close(out_r)
            _joiner(ns, (null, out_w, out_w), report_w, spec, who, syscall_filter, False,
                    None)
        finally:
            os._exit(SETUP_FAILED)
    for fd in (*ns, report_w, out_w, null):
        os.close(fd)
    failure = drain(report_r).decode(errors="replace")
    if failure:
        os.close(out_r)
        os.waitpid(child, 0)
        head, _, message = failure[1:].partition(" ")
        raise ContainerError(message, exit_code=int(head) if head.isdigit() else EXEC_FAILED)
    return child, out_r


def _window() -> tuple[int, int] | None:
    """The caller's terminal size (rows, columns), if stdin is a terminal."""
    if not os.isatty(0):
        return None
    size = os.get_terminal_size(0)
    return size.lines, size.columns


def _is_dir(pid: int, path: str) -> bool:
    """Whether `path` is a folder in the running container (symlinks resolved in it)."""
    from dfc.runtime.fs.rootview import RootView

    top = Path(f"/proc/{pid}/root")
    return (top / RootView([top]).resolve(path)).is_dir()


def _streams(detach: bool, interactive: bool, tty: bool
             ) -> tuple[tuple[int, int, int], tuple[int | None, int | None, int | None]]:
    """(the process's stdin, stdout, stderr), (ours: stdin writer, stdout, stderr readers)."""
    if detach:
        null = os.open("/dev/null", os.O_RDWR)
        return (null, null, null), (None, None, None)
    if tty:  # the terminal is made in the container (console.py); fds 0-2 until then
        null = os.open("/dev/null", os.O_RDWR)
        return (null, null, null), (None, None, None)
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    if interactive:
        in_r, in_w = os.pipe()
    else:
        in_r, in_w = os.open("/dev/null", os.O_RDONLY), None
    return (in_r, out_w, err_w), (in_w, out_r, err_r)


def _joiner(ns: list[int], stdio: tuple[int, int, int], report: int, spec: RunSpec,
            user: ExecUser, syscall_filter: seccomp.LoadableFilter, detach: bool,
            console: ConsoleSocket | None) -> NoReturn:
    """Join the namespaces, fork (a pid namespace applies to children), and exec."""
    try:
        os.setsid()
        if detach and os.fork() != 0:
            os._exit(0)  # the process lives on without the CLI
        if not detach:
            sys_.prctl(sys_.PR_SET_PDEATHSIG, signal.SIGKILL)
        reset_signals()
        for fd in ns:
            sys_.setns(fd)
        os.chdir("/")
        inner = os.fork()
        if inner == 0:
            _inner(stdio, report, spec, user, syscall_filter, console)
        os.close(report)
        os._exit(exit_code(os.waitpid(inner, 0)[1]))
    except BaseException as exc:
        os.write(report, f"E{SETUP_FAILED} {exc}".encode()[:4000])
    os._exit(SETUP_FAILED)


def _inner(stdio: tuple[int, int, int], report: int, spec: RunSpec, user: ExecUser,
           syscall_filter: seccomp.LoadableFilter, console: ConsoleSocket | None) -> NoReturn:
    try:
        sys_.prctl(sys_.PR_SET_PDEATHSIG, signal.SIGKILL)
        report, console = only_descriptors(stdio, report, console)
        if console is not None:  # the mount namespace is the container's: its /dev/pts
            open_console(console)
        exec_confined(spec, user, syscall_filter)
    except BaseException as exc:
        report_failure(report, spec.argv[0], exc)
    os._exit(SETUP_FAILED)


def _relay(child: int, ours: tuple[int | None, int | None, int | None], interactive: bool,
           tty: bool) -> int:
    from dfc.runtime.containers.session import raw_terminal

    stdin_w, out_r, err_r = ours
    sel = selectors.DefaultSelector()
    outputs = {fd: target for fd, target in ((out_r, 1), (err_r, 2)) if fd is not None}
    for fd in outputs:
        sel.register(fd, selectors.EVENT_READ, "out")
    if interactive and stdin_w is not None:
        sel.register(0, selectors.EVENT_READ, "in")
    with raw_terminal(0, tty and interactive):
        while outputs:
            for key, _ in sel.select():
                if key.data == "out":
                    try:
                        data = os.read(key.fd, 65536)
                    except OSError:  # EIO from a pty whose last slave closed
                        data = b""
                    if data:
                        os.write(outputs[key.fd], data)
                        continue
                    sel.unregister(key.fd)
                    del outputs[key.fd]
                else:
                    data = os.read(0, 65536)
                    if data:
                        assert stdin_w is not None
                        try:
                            os.write(stdin_w, data)
                        except OSError:
                            sel.unregister(0)
                    else:
                        sel.unregister(0)
                        if not tty and stdin_w is not None:
                            os.close(stdin_w)
                            stdin_w = None
    return exit_code(os.waitpid(child, 0)[1])
