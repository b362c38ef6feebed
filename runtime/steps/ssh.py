"""`RUN --mount=type=ssh`: a unix socket in the step that forwards each connection to the
host's ssh-agent (`--ssh`), as BuildKit forwards the agent over its session. The socket
is made for the step (owner uid/gid, mode) and bound at the mount's target; the agent's
own socket never enters the sandbox, and the forwarding stops with the step."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

_CHUNK = 1 << 16


class AgentForwarder:
    """Listens on `path` and relays every connection to the agent at `agent`."""

    def __init__(self, agent: str, path: Path, mode: int, uid: int, gid: int):
        self.agent = agent
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(str(path))
        os.chown(path, uid, gid)
        os.chmod(path, mode)
        self.listener.listen(16)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed: the step is over
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client: socket.socket) -> None:
        upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            upstream.connect(self.agent)
        except OSError:
            client.close()
            upstream.close()
            return
        done = threading.Thread(target=_pipe, args=(upstream, client), daemon=True)
        done.start()
        _pipe(client, upstream)
        done.join()
        client.close()
        upstream.close()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    """Copy until `source` ends, then end `sink`'s writing side."""
    try:
        while data := source.recv(_CHUNK):
            sink.sendall(data)
    except OSError:
        pass
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)


@contextlib.contextmanager
def forwarded_agent(agent: str, path: Path, mode: int, uid: int, gid: int
                    ) -> Iterator[Path]:
    """A socket at `path` relaying to `agent` while the context lasts."""
    forwarder = AgentForwarder(agent, path, mode, uid, gid)
    try:
        yield path
    finally:
        forwarder.close()
