"""What the dfc client and daemon say over their socket, and where the socket is.

Every command imports this before deciding whether to load the CLI, so it stays at the
interpreter's own C modules: `_socket` rather than `socket` (whose enums and selectors
cost ~5 ms), NUL-separated bytes rather than JSON, `int.to_bytes` rather than `struct`.

A request is a length-prefixed list of NUL-separated fields (operation, the client's dfc
installation, umask, working folder, argument count, arguments, then the environment as
`KEY=VALUE`), sent with the client's stdin, stdout and stderr as SCM_RIGHTS file
descriptors (the daemon's child writes to the user's terminal itself, so tty detection,
colours and progress behave as in-process). Arguments and environment travel as bytes,
exactly as the kernel gave them. The replies are one-byte tags: `X` + a 4-byte exit code
ends a run; `S` (the daemon's code is older than the files on disk) and `N` (not served:
another user, another dfc installation, or a malformed request) both tell the client to
run the command itself; `J` + length + a JSON object answers a status request. While a
command runs, the client relays signals as `K` + the signal number.
"""

from __future__ import annotations

import _socket
import os
import sys

TYPE_CHECKING = False  # not typing's: this module must not import typing (~10 ms)
if TYPE_CHECKING:
    from socket import socket as Socket

SOCKET_ENV = "DFC_DAEMON_SOCKET"
DISABLE_ENV = "DFC_NO_DAEMON"
LOCK_FD_ENV = "DFC_DAEMON_LOCK_FD"
"""Set by a client that starts a daemon: the descriptor of the daemon's lock, already
locked by the client, which the daemon then holds (no window for a second daemon)."""
IDLE_ENV = "DFC_DAEMON_IDLE"
"""How long a daemon started on first use waits for the next command (Go duration)."""
DEFAULT_IDLE = "15m"
EXIT, STALE, REFUSED, STATUS, SIGNAL = b"X", b"S", b"N", b"J", b"K"
MAX_REQUEST = 16 * 1024 * 1024
INSTALLATION = os.fsencode(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
"""The dfc package folder this code runs from (the parent of dfc/daemon/): a daemon
serves only its own."""


class Request:
    """A command for the daemon (`op` "run") or a question (`op` "status")."""

    __slots__ = ("op", "argv", "cwd", "env", "umask", "installation")

    def __init__(self, op: str, argv: list[bytes] | None = None, cwd: bytes = b"/",
                 env: list[bytes] | None = None, umask: int = 0o022,
                 installation: bytes = INSTALLATION) -> None:
        self.op = op
        self.argv = argv or []
        self.cwd = cwd
        self.env = env or []
        self.umask = umask
        self.installation = installation

    def encode(self) -> bytes:
        fields = [self.op.encode(), self.installation, b"%d" % self.umask, self.cwd,
                  b"%d" % len(self.argv), *self.argv, *self.env]
        body = b"\0".join(fields)
        return len(body).to_bytes(4, "big") + body

    @classmethod
    def decode(cls, body: bytes) -> Request:
        """The request in `body` (without its length); ValueError when malformed."""
        fields = body.split(b"\0")
        if len(fields) < 5:
            raise ValueError("short request")
        op, installation, umask, cwd, argc = fields[:5]
        count = int(argc)
        if count < 0 or 5 + count > len(fields):
            raise ValueError("bad argument count")
        return cls(op.decode(), fields[5:5 + count], cwd, fields[5 + count:], int(umask),
                   installation)


def lock_path(socket: str) -> str:
    """A file the daemon of `socket` holds locked (flock) from its start to its end, so a
    client can tell a daemon still loading from none at all."""
    return socket.removesuffix(".sock") + ".lock"


def daemon_running(socket: str) -> bool:
    """Whether a daemon for `socket` runs (listening or still loading)."""
    import fcntl  # a C module: cheap

    try:
        fd = os.open(lock_path(socket), os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


def socket_path() -> str:
    """The socket of this user's daemon of this installation: $DFC_DAEMON_SOCKET, else
    under /run/dfc for root, else under the user's runtime folder."""
    if chosen := os.environ.get(SOCKET_ENV):
        return chosen
    name = socket_name()
    uid = os.geteuid()
    if uid == 0:
        return os.path.join("/run/dfc", name)
    runtime = os.environ.get("XDG_RUNTIME_DIR") or f"/tmp/dfc-{uid}"
    return os.path.join(runtime, "dfc", name)


def socket_name() -> str:
    """The socket's file name: one daemon per user and installation, so two checkouts
    never take each other's socket."""
    import zlib  # a C module: cheap

    return f"daemon-{zlib.crc32(INSTALLATION):08x}.sock"


def connect(path: str) -> Socket | None:
    """A connection to the daemon, or None when none is listening there."""
    conn = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        conn.connect(path)
    except OSError:
        conn.close()
        return None
    return conn  # type: ignore[return-value]  # _socket.socket: socket.socket's C base


def send_request(conn: Socket, request: Request, fds: list[int]) -> None:
    """Send one request, its descriptors riding with the first bytes."""
    message = request.encode()
    if fds:
        rights = b"".join(fd.to_bytes(4, sys.byteorder) for fd in fds)
        sent = conn.sendmsg([message], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, rights)])
    else:
        sent = conn.send(message)
    if sent < len(message):  # (an empty send after a fast reply would fail: EPIPE)
        conn.sendall(message[sent:])


def exit_message(code: int) -> bytes:
    return EXIT + code.to_bytes(4, "big", signed=True)


def status_message(body: bytes) -> bytes:
    return STATUS + len(body).to_bytes(4, "big") + body


def read_exact(conn: Socket, size: int) -> bytes:
    """Exactly `size` bytes, or fewer if the peer closed the connection."""
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            break
        data += chunk
    return data


def read_reply(conn: Socket) -> tuple[bytes, int | bytes | None]:
    """The daemon's next reply: (tag, exit code | status JSON | None); tag b"" on EOF."""
    tag = read_exact(conn, 1)
    if tag in (EXIT, STATUS):
        raw = read_exact(conn, 4)
        if len(raw) < 4:
            return b"", None
        if tag == EXIT:
            return tag, int.from_bytes(raw, "big", signed=True)
        length = int.from_bytes(raw, "big")
        body = read_exact(conn, length)
        return (tag, body) if len(body) == length else (b"", None)
    return tag, None
