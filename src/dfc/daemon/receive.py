"""Reading one request and the descriptors sent with it: the daemon reads its client's,
a spare child the one the daemon hands it (the client's connection riding first)."""

from __future__ import annotations

import os
import socket

from dfc.daemon import wire


def receive_request(conn: socket.socket, max_fds: int = 3) -> tuple[wire.Request, list[int]]:
    """Read one request and up to `max_fds` descriptors sent with it (ValueError when
    malformed or at end of file; the descriptors are closed then)."""
    data, received, _flags, _addr = socket.recv_fds(conn, 65536, max_fds)
    fds = list(received)
    try:
        if len(data) < 4:
            raise ValueError("short request")
        length = int.from_bytes(data[:4], "big")
        if length > wire.MAX_REQUEST:
            raise ValueError("request too large")
        body = bytearray(data[4:])
        while len(body) < length:
            chunk = conn.recv(length - len(body))
            if not chunk:
                raise ValueError("truncated request")
            body += chunk
        return wire.Request.decode(bytes(body)), fds
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise
