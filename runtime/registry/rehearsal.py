"""A registry conversation with itself, held once by the daemon before it forks commands.

Why: a command forked from the daemon inherits what the daemon has done once -- OpenSSL's
set-up on a first handshake, httpx's, httpcore's and h11's first request and response, a
client's first ping -- and otherwise does it again in every command. A present push
forked from a daemon that had held one such conversation was measured 1-3 ms faster (of
~20 ms). The conversation stays on this machine: a listener of its own on 127.0.0.1
answers as a plain-HTTP registry does (a TLS hello gets a 400, any request a 200 and
`{}`), and its thread has ended before `rehearse` returns (the daemon forks only while
single-threaded).
"""

from __future__ import annotations

import contextlib
import socket
import threading

from dfc.errors import DfcError
from dfc.runtime.registry.client import RegistryClient

_TLS_HANDSHAKE = 0x16
_BAD_REQUEST = (b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
                b"Connection: close\r\n\r\n")
_OK = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
       b"Docker-Distribution-Api-Version: registry/2.0\r\nConnection: close\r\n\r\n{}")
_SECONDS = 5.0


def rehearse() -> int:
    """Ping a registry of our own over HTTPS (refused, as by a plain-HTTP registry), then
    HTTP, and ask it for a blob; returns how many connections it answered."""
    answered = [0]
    with socket.create_server(("127.0.0.1", 0)) as listener:
        host = f"127.0.0.1:{listener.getsockname()[1]}"
        answering = threading.Thread(target=_answer, args=(listener, answered),
                                     name="dfc-rehearsal", daemon=True)
        answering.start()
        try:
            for scheme in ("https", "http"):
                with RegistryClient(host, f"{scheme}://{host}", verify=False,
                                    credentials=None, scopes=set()) as client, \
                        contextlib.suppress(DfcError):
                    client.ping()
                    client.has_blob("rehearsal/repository", "sha256:" + "0" * 64)
        finally:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)  # wakes the thread's accept
            answering.join(_SECONDS)
    return answered[0]


def _answer(listener: socket.socket, answered: list[int]) -> None:
    """Answer one request per connection until the listener is shut down."""
    while True:
        try:
            conn, _addr = listener.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(_SECONDS)
            with contextlib.suppress(OSError):
                first = conn.recv(65536)
                if first:
                    conn.sendall(_BAD_REQUEST if first[0] == _TLS_HANDSHAKE else _OK)
                    answered[0] += 1
