"""Fork a sandbox child, stream its output, collect its exit code, and never leave it behind.

The child runs in its own session (a terminal's Ctrl-C reaches only dfc, which then kills the
container deliberately) with a parent-death signal, so even a SIGKILLed dfc takes the step's
processes down with it. A setup failure in any descendant travels back over a close-on-exec
pipe and becomes a DfcError; an exec that succeeds closes the pipe silently.
"""

from __future__ import annotations

import os
import signal
import threading
import traceback
from collections.abc import Callable
from typing import BinaryIO, NoReturn

from dfc.errors import DfcError
from dfc.runtime import linux as sys_

Sink = BinaryIO | Callable[[bytes], None]
SETUP_FAILED = 125
"""The exit code of a child whose setup failed (Docker uses 125 for its own errors too)."""


def exit_code(status: int) -> int:
    """A wait status as a shell would report it: the code, or 128+n for signal n."""
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


def _describe(exc: BaseException) -> str:
    """linux raises OSError(errno, "what: why"); anything else shows its type too."""
    if isinstance(exc, OSError) and exc.strerror and exc.filename is None:
        return exc.strerror
    return "".join(traceback.format_exception_only(exc)).strip()


def reset_signals() -> None:
    """Undo what Python set up (SIGINT handler, SIGPIPE/SIGXFSZ ignored): exec keeps ignored
    signals ignored, and a RUN must start with default dispositions like under Docker."""
    for sig in signal.valid_signals():
        if sig in (signal.SIGKILL, signal.SIGSTOP):
            continue
        try:
            if signal.getsignal(sig) not in (signal.SIG_DFL, None):
                signal.signal(sig, signal.SIG_DFL)
        except (OSError, ValueError):
            continue
    signal.pthread_sigmask(signal.SIG_SETMASK, set())


def _child_main(body: Callable[[], NoReturn], parent: int, out_w: int, err_w: int) -> NoReturn:
    try:
        os.setsid()
        sys_.prctl(sys_.PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:
            os._exit(SETUP_FAILED)
        reset_signals()
        null = os.open("/dev/null", os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(out_w, 1)
        os.dup2(out_w, 2)
        os.closerange(3, err_w)
        os.closerange(err_w + 1, os.sysconf("SC_OPEN_MAX"))
        body()
    except BaseException as exc:  # whatever it was, the parent must hear of it
        os.write(err_w, _describe(exc).encode(errors="replace")[:4000])
    finally:
        os._exit(SETUP_FAILED)  # never return into the parent's code


def _pump(fd: int, sink: Sink) -> None:
    write = sink if callable(sink) else sink.write
    while chunk := os.read(fd, 65536):
        write(chunk)


def read_all(fd: int) -> bytes:
    """Everything a pipe gives until its writers are gone (the caller closes `fd`)."""
    data = b""
    while chunk := os.read(fd, 4096):
        data += chunk
    return data


def _kill(pid: int) -> None:
    """SIGKILL the child's process group (its session, once it ran setsid) or the child;
    nothing if it is gone already (an OCI backend's `abort` ends the runtime, and the
    supervising thread may reap it before this runs)."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


_ACTIVE: dict[int, tuple[Callable[[], None] | None, threading.Event | None]] = {}
_ACTIVE_LOCK = threading.Lock()


def interrupt(cancel: threading.Event) -> None:
    """Set `cancel` and stop every step started with it, from any thread: what Ctrl-C does
    to a build whose steps run in worker threads (signals only reach the main thread). A
    step that starts afterwards with the same event is stopped as soon as it starts."""
    with _ACTIVE_LOCK:
        cancel.set()
        running = [(pid, abort) for pid, (abort, event) in _ACTIVE.items() if event is cancel]
    for pid, abort in running:
        _stop(pid, abort)


def _stop(pid: int, abort: Callable[[], None] | None) -> None:
    try:
        if abort is not None:
            abort()
    finally:
        _kill(pid)


def supervise(body: Callable[[], NoReturn], stdout: Sink,
              abort: Callable[[], None] | None = None,
              cancel: threading.Event | None = None) -> int:
    """Run `body` in a forked child with stdout+stderr streamed to `stdout`; its exit code.

    On any exception here (KeyboardInterrupt included), `abort` runs first (for containers
    that do not die with the child), then the child's process group is killed and the child
    reaped, then it re-raises.
    """
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:
        _child_main(body, parent, out_w, err_w)
    os.close(out_w)
    os.close(err_w)
    with _ACTIVE_LOCK:
        _ACTIVE[pid] = (abort, cancel)
        cancelled = cancel is not None and cancel.is_set()
    if cancelled:
        _stop(pid, abort)
    try:
        try:
            _pump(out_r, stdout)
            status = os.waitpid(pid, 0)[1]
        except BaseException:
            try:
                if abort is not None:
                    abort()
            finally:
                _kill(pid)
                os.waitpid(pid, 0)
            raise
        message = read_all(err_r).decode(errors="replace")
    finally:
        with _ACTIVE_LOCK:
            _ACTIVE.pop(pid, None)
        os.close(out_r)
        os.close(err_r)
    if message:
        raise DfcError(f"RUN failed to start: {message}")
    return exit_code(status)
