"""The CLI's side of an attached container: stdout and stderr out, stdin in, the terminal
in raw mode with its size sent along for `-t`, and without `-t` the signals the CLI gets
forwarded to the container (Docker's sig-proxy), until the exit code arrives."""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import socket
import termios
import tty as tty_mode
from collections.abc import Iterator

from dfc.runtime.containers import attach
from dfc.runtime.containers.errors import ContainerError

PROXIED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1,
           signal.SIGUSR2)
LOST = 137
"""What an attached CLI reports when the supervisor vanished without an exit code."""
DETACHED = -1
"""`relay`'s answer when the user typed the detach keys: the container runs on."""
DEFAULT_DETACH_KEYS = "ctrl-p,ctrl-q"


def parse_detach_keys(text: str) -> bytes:
    """Docker's `--detach-keys`: comma-separated `ctrl-X` (`ctrl-a`..`ctrl-z`, `ctrl-@`,
    `ctrl-[`, `ctrl-\\`, `ctrl-]`, `ctrl-^`, `ctrl-_`) or single characters."""
    keys = bytearray()
    for part in text.split(","):
        if len(part) == 1:
            keys.append(ord(part))
        elif part.lower().startswith("ctrl-") and len(part) == 6 and \
                (part[5].lower() in "abcdefghijklmnopqrstuvwxyz" or part[5] in "@[\\]^_"):
            keys.append(ord(part[5].upper()) & 0x1F)
        else:
            raise ContainerError(f"Unknown character: '{part}'", exit_code=1)
    return bytes(keys)


class EscapeScanner:
    """Finds the detach keys in typed input; bytes of a partial match are held back and
    sent on when the match breaks, as docker's escape proxy does."""

    def __init__(self, keys: bytes) -> None:
        self.keys = keys
        self.held = 0

    def feed(self, data: bytes) -> tuple[bytes, bool]:
        """(the bytes to send on, whether the keys were typed)."""
        out = bytearray()
        for byte in data:
            if byte == self.keys[self.held]:
                self.held += 1
                if self.held == len(self.keys):
                    return bytes(out), True
                continue
            out += self.keys[:self.held]
            self.held = 0
            if byte == self.keys[0]:
                self.held = 1
                if self.held == len(self.keys):
                    return bytes(out), True
            else:
                out.append(byte)
        return bytes(out), False


def wait_started(sock: socket.socket, reader: attach.FrameReader) -> list[tuple[int, bytes]]:
    """Read up to the STARTED frame and return the frames that came after it; a FAILED
    one becomes the error docker prints, with its exit code (125, 126 or 127)."""
    while True:
        frames = attach.recv_frames(sock, reader)
        if frames is None:
            raise ContainerError("the container's supervisor exited before starting it")
        for index, (kind, data) in enumerate(frames):
            if kind == attach.FAILED:
                code, message = attach.parse_failure(data)
                raise ContainerError(f"failed to start container: {message}", exit_code=code)
            if kind == attach.STARTED:
                return frames[index + 1:]


@contextlib.contextmanager
def raw_terminal(fd: int, enabled: bool) -> Iterator[None]:
    if not enabled or not os.isatty(fd):
        yield
        return
    saved = termios.tcgetattr(fd)
    tty_mode.setraw(fd, termios.TCSANOW)  # (TCSAFLUSH would drop keys typed ahead)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


@contextlib.contextmanager
def _signals_to(wakeup: int, signals: tuple[int, ...]) -> Iterator[None]:
    """Signals arrive as bytes on `wakeup` (handled in the loop, never mid-frame)."""
    old_fd = signal.set_wakeup_fd(wakeup, warn_on_full_buffer=False)
    saved = {sig: signal.signal(sig, lambda *_: None) for sig in signals}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
        signal.set_wakeup_fd(old_fd)


def relay(sock: socket.socket, stdin: bool, tty: bool, reader: attach.FrameReader,
          pending: list[tuple[int, bytes]], detach_keys: bytes = b"",
          send_eof: bool = True, proxy: bool = True) -> int:
    """Attach to a started container until it exits (`pending`: frames already read by
    `reader`); its exit code, or DETACHED once `detach_keys` are typed on a terminal.
    `send_eof`: the end of our stdin ends the container's (docker's stdin-once);
    `proxy`: signals the CLI gets go to the container (without a terminal)."""
    scanner = EscapeScanner(detach_keys) if detach_keys and tty and stdin else None
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signals = (signal.SIGWINCH,) if tty else PROXIED if proxy else ()
    sel = selectors.DefaultSelector()
    sel.register(sock, selectors.EVENT_READ, "sock")
    sel.register(wake_r, selectors.EVENT_READ, "signal")
    if stdin:
        sel.register(0, selectors.EVENT_READ, "stdin")
    try:
        with _signals_to(wake_w, signals), raw_terminal(0, tty and stdin):
            if tty and (size := attach.window_size(0) or attach.window_size(1)):
                attach.send(sock, attach.RESIZE, attach.pack_size(*size))
            if (code := _show(pending)) is not None:
                return code
            while True:
                for key, _ in sel.select():
                    if key.data == "sock":
                        frames = attach.recv_frames(sock, reader)
                        if frames is None:
                            return LOST
                        if (code := _show(frames)) is not None:
                            return code
                    elif key.data == "stdin":
                        typed = os.read(0, 65536)
                        if not typed:
                            sel.unregister(0)
                            if send_eof:
                                attach.send(sock, attach.STDIN_EOF)
                            continue
                        data, detached = scanner.feed(typed) if scanner else (typed, False)
                        if data:
                            attach.send(sock, attach.STDIN, data)
                        if detached:
                            return DETACHED
                    else:
                        _forward(sock, os.read(wake_r, 64))
    finally:
        sel.close()
        os.close(wake_r)
        os.close(wake_w)


def _show(frames: list[tuple[int, bytes]]) -> int | None:
    """Write output frames out; the exit code once it comes."""
    for kind, data in frames:
        if kind == attach.STDOUT:
            _write(1, data)
        elif kind == attach.STDERR:
            _write(2, data)
        elif kind == attach.EXITED:
            return int(data)
    return None


def _forward(sock: socket.socket, signums: bytes) -> None:
    for signum in signums:
        if signum == signal.SIGWINCH:
            if size := attach.window_size(0) or attach.window_size(1):
                attach.send(sock, attach.RESIZE, attach.pack_size(*size))
        else:
            attach.send(sock, attach.SIGNAL, str(signum).encode())


def _write(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
