"""`-t`: the command gets a terminal with the caller's window size, input typed on the
caller's terminal reaches it (raw mode: the container's terminal echoes and edits), and
the exit code comes back; `exec -t` the same."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import termios
import time
from typing import Any


def _on_terminal(argv: list[str], env: dict[str, str], typed: bytes = b"") -> tuple[bytes, int]:
    """Run `argv` on a new pty of 33 rows and 101 columns; its output and exit code."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(argv[0], argv, env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 101, 0, 0))
    out = b""
    if typed:
        time.sleep(1.5)
        os.write(fd, typed)
    while select.select([fd], [], [], 20)[0]:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return out, os.waitstatus_to_exitcode(status)


def test_run_t_has_the_callers_window_size(dfc: Any, images: Any) -> None:
    out, code = _on_terminal([*dfc.cmd, "run", "--rm", "-t", images.names["busybox"], "sh",
                              "-c", "stty size; test -t 0 && echo stdin-is-a-terminal; exit 4"],
                             dfc.env)
    assert code == 4
    assert b"33 101" in out and b"stdin-is-a-terminal" in out


def test_run_it_takes_typed_input(dfc: Any, images: Any) -> None:
    out, code = _on_terminal([*dfc.cmd, "run", "--rm", "-it", images.names["busybox"], "sh"],
                             dfc.env, typed=b"echo typed-$((6*7)); exit 7\n")
    assert code == 7
    assert b"typed-42" in out


def test_exec_it_takes_typed_input(dfc: Any, images: Any) -> None:
    assert dfc("run", "-d", "--name", "term", images.names["busybox"], "sleep", "30").code == 0
    out, code = _on_terminal([*dfc.cmd, "exec", "-it", "term", "sh"], dfc.env,
                             typed=b"stty size; exit 3\n")
    assert code == 3
    assert b"33 101" in out
    dfc("rm", "-f", "term")



def test_run_t_terminal_is_the_containers_own_every_time(dfc: Any, images: Any) -> None:
    """As under runc: the pty comes from the container's devpts, so `tty` names it, the
    host's pseudo-terminals are not there, and it has the caller's size. Twenty runs: a
    late resize once met a terminal the supervisor had already closed (exit 137)."""
    for _ in range(20):
        out, code = _on_terminal([*dfc.cmd, "run", "--rm", "-t", images.names["busybox"],
                                  "sh", "-c", "tty; stty size; ls /dev/pts; exit 4"], dfc.env)
        lines = out.replace(b"\r", b"").decode().splitlines()
        assert (code, lines[:2]) == (4, ["/dev/pts/0", "33 101"]), out
        assert sorted(" ".join(lines[2:]).split()) == ["0", "ptmx"], out


def test_exec_t_terminal_is_the_containers_own(dfc: Any, images: Any) -> None:
    assert dfc("run", "-d", "--name", "tty-exec", images.names["busybox"], "sleep", "30").code == 0
    for _ in range(5):
        out, code = _on_terminal([*dfc.cmd, "exec", "-t", "tty-exec", "sh", "-c",
                                  "tty; stty size"], dfc.env)
        assert code == 0
        assert out.replace(b"\r", b"").decode().split() == ["/dev/pts/0", "33", "101"], out
    dfc("rm", "-f", "tty-exec")
