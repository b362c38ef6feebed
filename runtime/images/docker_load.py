"""`--load`: a built image into the running docker engine, as buildx's docker exporter
does: a docker-archive posted to the engine's `/images/load` over its API socket."""

from __future__ import annotations

import http.client
import json
import os
import socket
import tempfile
from collections.abc import Sequence

from dfc.cache.store import ImageRecord, Store
from dfc.errors import DfcError
from dfc.runtime.images.export import ArchiveImage, write_archive

DEFAULT_HOST = "unix:///var/run/docker.sock"


class _UnixConnection(http.client.HTTPConnection):
    """HTTP over the engine's unix socket."""

    def __init__(self, path: str):
        super().__init__("localhost", timeout=600)
        self.path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self.path)
        self.sock = sock


def _connection(host: str) -> http.client.HTTPConnection:
    if host.startswith("unix://"):
        return _UnixConnection(host.removeprefix("unix://"))
    if host.startswith("tcp://"):
        return http.client.HTTPConnection(host.removeprefix("tcp://"), timeout=600)
    raise DfcError(f"--load: unsupported DOCKER_HOST {host!r} (unix:// or tcp://)")


def load_into_docker(store: Store, record: ImageRecord, names: Sequence[str]) -> list[str]:
    """Load the image with its names into the engine of DOCKER_HOST (default: the local
    socket); returns the engine's lines (`Loaded image: …`)."""
    host = os.environ.get("DOCKER_HOST") or DEFAULT_HOST
    (store.root / "tmp").mkdir(exist_ok=True)
    with tempfile.TemporaryFile(dir=store.root / "tmp") as archive:
        write_archive(store, [ArchiveImage(record, tuple(names))], archive)
        size = archive.tell()
        archive.seek(0)
        connection = _connection(host)
        try:
            connection.request("POST", "/images/load?quiet=1", body=archive, headers={
                "Content-Type": "application/x-tar", "Content-Length": str(size)})
            response = connection.getresponse()
            body = response.read().decode("utf-8", "replace")
        except OSError:
            raise DfcError(f"--load: Cannot connect to the Docker daemon at {host}. Is the "
                           "docker daemon running?") from None
        finally:
            connection.close()
    if response.status != 200:
        raise DfcError(f"--load: the docker engine refused the image: {_message(body)}")
    lines: list[str] = []
    for line in body.splitlines():
        if not line.strip():
            continue
        message = json.loads(line)
        if "error" in message or "errorDetail" in message:
            raise DfcError(f"--load: {message.get('error') or message['errorDetail']}")
        lines += [text for text in message.get("stream", "").splitlines() if text]
    return lines


def _message(body: str) -> str:
    try:
        return str(json.loads(body).get("message", body.strip()))
    except (ValueError, AttributeError):
        return body.strip()
