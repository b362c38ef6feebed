"""`ADD https://…` keyed by what the server serves now, as BuildKit's http source: a
rebuild asks the server (ETag, else Last-Modified), re-runs exactly the steps after a
changed file, and `--checksum` pins the content without asking."""

from __future__ import annotations

import email.utils
import hashlib
import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from dfc.build import BuildRequest, build
from dfc.cache.store import Store
from dfc.errors import DfcError
from dfc.runtime import events
from tests.test_build import unpack


class Server:
    """One file served over HTTP with the validators a test chooses; it notes every
    request (method and conditional headers)."""

    def __init__(self, etag: bool, modified: bool):
        self.body = b"one\n"
        self.when = 1_600_000_000
        self.etag = etag
        self.modified = modified
        self.requests: list[tuple[str, str | None, str | None]] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.answer(self, body=True)

            def do_HEAD(self) -> None:
                server.answer(self, body=False)

            def log_message(self, *args: object) -> None:
                pass

        self.http = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/file.txt"

    def change(self, body: bytes) -> None:
        self.body = body
        self.when += 60

    def answer(self, handler: http.server.BaseHTTPRequestHandler, body: bool) -> None:
        tag = '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'
        stamp = email.utils.formatdate(self.when, usegmt=True)
        sent_tag = handler.headers.get("If-None-Match")
        sent_since = handler.headers.get("If-Modified-Since")
        self.requests.append((handler.command, sent_tag, sent_since))
        fresh = (self.etag and sent_tag == tag) or (
            not self.etag and self.modified and sent_since == stamp)
        handler.send_response(304 if fresh else 200)
        if self.etag:
            handler.send_header("ETag", tag)
        if self.modified:
            handler.send_header("Last-Modified", stamp)
        if not fresh:
            handler.send_header("Content-Length", str(len(self.body)))
        handler.end_headers()
        if body and not fresh:
            handler.wfile.write(self.body)


@pytest.fixture
def server_factory() -> Iterator[type[Server]]:
    started: list[Server] = []

    class Started(Server):
        def __init__(self, etag: bool, modified: bool):
            super().__init__(etag, modified)
            threading.Thread(target=self.http.serve_forever, daemon=True).start()
            started.append(self)

    yield Started
    for server in started:
        server.http.shutdown()


def context(tmp_path: Path, url: str, flags: str = "") -> Path:
    folder = tmp_path / "ctx"
    folder.mkdir(exist_ok=True)
    (folder / "Dockerfile").write_text(
        f"FROM busybox\nRUN echo before > /b\nADD {flags}{url} /dl/\n"
        "RUN cat /dl/file.txt > /copy\n")
    return folder


ADD_AND_AFTER = ["ADD", "RUN cat /dl/file.txt > /copy"]


def executed(store: Store, folder: Path) -> list[str]:
    """The layer steps the build executed (the rest came from the cache), by text."""
    seen: list[events.AnyEvent] = []
    build(BuildRequest(context=str(folder), tags=("out",)), store, seen.append)
    started = {e.step: e.name.split("] ", 1)[1] for e in seen if isinstance(e, events.Started)}
    names = [started[e.step] for e in seen if isinstance(e, events.Done)]
    return ["ADD" if name.startswith("ADD ") else name for name in names]


@pytest.mark.parametrize(("etag", "modified"), [(True, True), (True, False), (False, True),
                                                (False, False)])
def test_rebuild_asks_the_server_and_reruns_exactly_what_changed(
        fresh_store: Store, tmp_path: Path, server_factory: type[Server], etag: bool,
        modified: bool) -> None:
    server = server_factory(etag, modified)
    folder = context(tmp_path, server.url)
    assert executed(fresh_store, folder) == ["RUN echo before > /b", *ADD_AND_AFTER]
    server.requests.clear()
    assert executed(fresh_store, folder) == []
    if etag:  # BuildKit's HEAD with the ETag settles it
        assert server.requests == [("HEAD", server.requests[0][1], None)]
        assert server.requests[0][1]
    elif modified:
        assert [(m, since is not None) for m, _, since in server.requests] == [("GET", True)]
    else:  # nothing to ask with: downloaded again, keyed by its content
        assert [m for m, _, _ in server.requests] == ["GET"]
    server.change(b"two\n")
    assert executed(fresh_store, folder) == ADD_AND_AFTER
    rootfs = unpack(fresh_store, "docker.io/library/out:latest", tmp_path / "bundle")
    assert (rootfs / "copy").read_bytes() == b"two\n"
    assert executed(fresh_store, folder) == []


def test_same_content_served_again_stays_cached(fresh_store: Store, tmp_path: Path,
                                                server_factory: type[Server]) -> None:
    """Without validators the content decides: the same bytes are the same key."""
    server = server_factory(etag=False, modified=False)
    folder = context(tmp_path, server.url)
    executed(fresh_store, folder)
    server.change(b"one\n")
    assert executed(fresh_store, folder) == []


def test_checksum_pins_the_content_without_asking(fresh_store: Store, tmp_path: Path,
                                                  server_factory: type[Server]) -> None:
    server = server_factory(etag=True, modified=True)
    pinned = "sha256:" + hashlib.sha256(b"one\n").hexdigest()
    folder = context(tmp_path, server.url, f"--checksum={pinned} ")
    assert executed(fresh_store, folder)[1:] == ADD_AND_AFTER
    server.requests.clear()
    server.change(b"two\n")
    assert executed(fresh_store, folder) == []
    assert server.requests == []


def test_checksum_mismatch_is_buildkits_error(fresh_store: Store, tmp_path: Path,
                                              server_factory: type[Server]) -> None:
    server = server_factory(etag=True, modified=True)
    wrong = "sha256:" + "0" * 64
    folder = context(tmp_path, server.url, f"--checksum={wrong} ")
    actual = "sha256:" + hashlib.sha256(b"one\n").hexdigest()
    with pytest.raises(DfcError, match=f"digest mismatch {actual}: {wrong}"):
        executed(fresh_store, folder)


@pytest.mark.interop
@pytest.mark.parametrize("etag", [True, False])
def test_revalidation_decides_as_dockers_buildkit(fresh_store: Store, tmp_path: Path,
                                                  server_factory: type[Server],
                                                  etag: bool) -> None:
    """The same ADD, built by dfc and by docker's BuildKit (FROM scratch: no base image to
    share), unchanged then changed on the server: both re-run exactly when the file
    changed."""
    import subprocess
    import uuid

    server = server_factory(etag=etag, modified=True)
    unique = uuid.uuid4().hex.encode()  # BuildKit keys a download by its content alone
    server.change(b"one " + unique)
    folder = tmp_path / "scratch-ctx"
    folder.mkdir()
    (folder / "Dockerfile").write_text(f"FROM scratch\nADD {server.url} /dl/\n")
    # (the docker 20.10 CLI: it drives the engine's BuildKit itself, without buildx)
    tag = f"dfc-test-add-{uuid.uuid4().hex[:8]}"

    def docker_ran_add() -> bool:
        out = subprocess.run(["/usr/bin/docker", "build", "--progress", "plain", "-t", tag,
                              str(folder)], capture_output=True, text=True,
                             env={**os.environ, "DOCKER_BUILDKIT": "1"})
        assert out.returncode == 0, out.stderr
        step = next(line.split()[0] for line in out.stderr.splitlines()
                    if " ADD " in line and line.startswith("#"))
        return f"{step} CACHED" not in out.stderr

    def dfc_ran_add() -> bool:
        return executed(fresh_store, folder) != []

    try:
        ours, theirs = [], []
        for change in (None, None, b"two " + unique, None):
            if change is not None:
                server.change(change)
            ours.append(dfc_ran_add())
            theirs.append(docker_ran_add())
        assert ours == theirs == [True, False, True, False]
    finally:
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True, check=False)
