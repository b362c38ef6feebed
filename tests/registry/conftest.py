"""Registries for the registry tests, started once per session on free loopback ports:
plain, htpasswd (Basic), and behind a token server written here (Bearer). They are
real CNCF distribution registries (`docker-registry`); a machine without one fails these
tests loudly rather than skipping them."""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import bcrypt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from dfc.cache.store import Store

USER, PASSWORD = "dfc", "s3cret"
SERVICE, ISSUER = "dfc-test-registry", "dfc-test-issuer"
CONFIG = """\
version: 0.1
log:
  level: info
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: {root}/data
  delete:
    enabled: true
http:
  addr: {addr}
  secret: test-only-secret
{http_extra}{auth}"""


class Registry:
    """A `docker-registry serve` process; `stop()` and `start()` keep its port and data.

    It runs detached (not a child of pytest), so tests that check their process has no
    children, as the sandbox tests do, are not disturbed by a session-long registry."""

    def __init__(self, workdir: Path, auth: str = "", addr: str = "127.0.0.1:0",
                 http_extra: str = "") -> None:
        self.workdir = workdir
        self.auth = auth
        self.addr = addr
        self.http_extra = http_extra
        self.pid: int | None = None
        self.start()
        self.host = self.addr

    def start(self) -> None:
        binary = shutil.which("docker-registry")
        assert binary, "docker-registry is not installed (apt-get install docker-registry)"
        cfg = self.workdir / "config.yml"
        cfg.write_text(CONFIG.format(root=self.workdir, addr=self.addr, auth=self.auth,
                                     http_extra=self.http_extra))
        log = self.workdir / "registry.log"
        log.write_text("")
        launched = subprocess.run(
            ["sh", "-c", '"$0" serve "$1" >> "$2" 2>&1 < /dev/null & echo $!',
             binary, str(cfg), str(log)], capture_output=True, text=True, check=True)
        self.pid = int(launched.stdout)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            assert self.alive(), "registry exited: " + log.read_text()
            found = re.findall(r"listening on ([\d.]+:\d+)", log.read_text())
            if found:
                try:
                    urllib.request.urlopen(f"http://{found[-1]}/v2/", timeout=1)
                except urllib.error.HTTPError:
                    pass  # 401: up, and asking for credentials
                except OSError:
                    time.sleep(0.01)
                    continue
                self.addr = found[-1]
                return
            time.sleep(0.01)
        self.stop()
        raise TimeoutError("registry did not answer /v2/: " + log.read_text())

    def alive(self) -> bool:
        try:
            state = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return False
        return state != "Z"

    def stop(self) -> None:
        if self.pid is None or not self.alive():
            return
        os.kill(self.pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        while self.alive() and time.monotonic() < deadline:
            time.sleep(0.005)
        if self.alive():
            os.kill(self.pid, signal.SIGKILL)

    @property
    def url(self) -> str:
        return f"http://{self.host}"


# --- the token server -----------------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class TokenServer:
    """The Bearer flow's token endpoint: Basic credentials in, a JWT the registry trusts
    out (RS256, the signing certificate in `x5c`). Anonymous callers get no access;
    `forge = True` signs with a key the registry does not trust (a bad token)."""

    def __init__(self, workdir: Path) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.rogue = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.cert = self._certificate(self.key)
        self.rogue_cert = self._certificate(self.rogue)
        self.bundle = workdir / "token-ca.pem"
        self.bundle.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))
        self.forge = False
        self.requests: list[dict[str, list[str]]] = []
        self.refresh_token = "dfc-refresh-1"
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query)
                server.requests.append(query)
                account = server.account(self.headers.get("Authorization"))
                if account is False:
                    self.send_response(401)
                    self.end_headers()
                    return
                body = json.dumps({"token": server.token(account, query.get("scope", [])),
                                   "expires_in": 300}).encode()
                self._answer(body)

            def _answer(self, body: bytes) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                """OAuth2: a refresh token in, an access token out."""
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode())
                server.requests.append({"method": ["POST"], **form})
                if (form.get("grant_type") != ["refresh_token"]
                        or form.get("refresh_token") != [server.refresh_token]):
                    self.send_response(401)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                scopes = " ".join(form.get("scope", [])).split()
                self._answer(json.dumps({
                    "access_token": server.token(USER, scopes), "expires_in": 300,
                    "refresh_token": server.refresh_token}).encode())

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.realm = f"http://127.0.0.1:{self.httpd.server_address[1]}/token"

    @staticmethod
    def _certificate(key: rsa.RSAPrivateKey) -> x509.Certificate:
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dfc test token issuer")])
        now = datetime.datetime.now(datetime.UTC)
        return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(days=1))
                .not_valid_after(now + datetime.timedelta(days=30))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .sign(key, hashes.SHA256()))

    @staticmethod
    def account(header: str | None) -> str | None | bool:
        """The user name, None for anonymous, False for wrong credentials."""
        if not header:
            return None
        user, _, password = base64.b64decode(header.split()[-1]).decode().partition(":")
        return user if (user, password) == (USER, PASSWORD) else False

    def token(self, account: str | None, scopes: list[str]) -> str:
        access = []
        for scope in scopes:
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            if account is not None:
                access.append({"type": kind, "name": name, "actions": actions.split(",")})
        key, cert = (self.rogue, self.rogue_cert) if self.forge else (self.key, self.cert)
        header = {"typ": "JWT", "alg": "RS256", "x5c": [
            base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()]}
        now = int(time.time())
        claims = {"iss": ISSUER, "sub": account or "", "aud": SERVICE, "exp": now + 300,
                  "nbf": now - 10, "iat": now, "jti": hashlib.sha256(os.urandom(8)).hexdigest(),
                  "access": access}
        signing_input = f"{_b64url(json.dumps(header).encode())}." \
                        f"{_b64url(json.dumps(claims).encode())}"
        signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{_b64url(signature)}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# --- fixtures -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """A registry with no authentication, for the whole session."""
    reg = Registry(tmp_path_factory.mktemp("registry"))
    yield reg
    reg.stop()


@pytest.fixture
def own_registry(tmp_path: Path) -> Iterator[Registry]:
    """A registry of this test alone, which it may stop and start again."""
    (tmp_path / "reg").mkdir()
    reg = Registry(tmp_path / "reg")
    yield reg
    reg.stop()


@pytest.fixture(scope="session")
def basic_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """A registry behind htpasswd (Basic) authentication, user `dfc`."""
    work = tmp_path_factory.mktemp("basic-registry")
    line = f"{USER}:{bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()}\n"
    (work / "htpasswd").write_text(line)
    reg = Registry(work, f"auth:\n  htpasswd:\n    realm: dfc-basic\n    path: {work}/htpasswd\n")
    yield reg
    reg.stop()


@pytest.fixture(scope="session")
def token_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TokenServer]:
    server = TokenServer(tmp_path_factory.mktemp("token-server"))
    yield server
    server.close()


@pytest.fixture(scope="session")
def token_registry(tmp_path_factory: pytest.TempPathFactory, token_server: TokenServer
                   ) -> Iterator[Registry]:
    """A registry that wants Bearer tokens from `token_server`."""
    work = tmp_path_factory.mktemp("token-registry")
    auth = (f"auth:\n  token:\n    realm: {token_server.realm}\n    service: {SERVICE}\n"
            f"    issuer: {ISSUER}\n    rootcertbundle: {token_server.bundle}\n")
    reg = Registry(work, auth)
    yield reg
    reg.stop()


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Registry retries wait milliseconds here, not seconds."""
    monkeypatch.setenv("DFC_REGISTRY_RETRY_DELAY", "0.01")


@pytest.fixture
def docker_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty DOCKER_CONFIG folder, and no daemon.json, for this test."""
    folder = tmp_path / "docker-config"
    folder.mkdir()
    monkeypatch.setenv("DOCKER_CONFIG", str(folder))
    monkeypatch.setenv("DFC_DAEMON_CONFIG", str(tmp_path / "no-daemon.json"))
    return folder


@pytest.fixture
def empty_store(tmp_path: Path) -> Store:
    return Store(tmp_path / "empty-store")


# --- images to push -------------------------------------------------------------------


def add_image(store: Store, base: str, name: str, files: dict[str, bytes],
              arch: str = "amd64") -> str:
    """Tag `name`: `base` plus one layer per file (random-ish content makes new blobs),
    for `arch`. Returns the manifest digest."""
    from dfc.cache.oci import Manifest
    from dfc.runtime.fs.layer import Entry, write_layer
    from dfc.runtime.images.config import ImageConfig, RootFS, write_image

    record = store.resolve(base)
    manifest = store.read_json(record.manifest.digest, Manifest)
    config = store.read_json(manifest.config.digest, ImageConfig)
    layers, diff_ids = list(manifest.layers), list(config.rootfs.diff_ids)
    for path, data in files.items():
        layer = write_layer(store, [Entry(path=path, kind="file", data=data, size=len(data),
                                          mode=0o644)])
        assert layer is not None
        layers.append(layer.descriptor)
        diff_ids.append(layer.diff_id)
    import msgspec

    new = msgspec.structs.replace(config, architecture=arch,
                                  rootfs=RootFS(diff_ids=tuple(diff_ids)))
    stored = write_image(store, new, layers)
    store.tag(name, stored.manifest)
    return stored.manifest.digest


@pytest.fixture
def image_store(fresh_store: Store) -> Store:
    """The busybox store plus `app:1`: busybox and two small layers of its own."""
    add_image(fresh_store, "busybox", "app:1",
              {"app/one": os.urandom(300_000), "app/two": b"two\n"})
    return fresh_store


def dfc(*args: str, input: str | None = None, env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess[str]:
    """The dfc console script of this interpreter."""
    import sys

    script = Path(sys.executable).parent / "dfc"
    return subprocess.run([str(script), *args], capture_output=True, text=True, input=input,
                          env={**os.environ, **(env or {})}, timeout=120)


@pytest.fixture
def run_dfc():  # type: ignore[no-untyped-def]
    return dfc


# --- a proxy that breaks things -------------------------------------------------------


class FaultProxy:
    """An HTTP proxy in front of a registry. `mode`: `pass`; `corrupt` (flip one byte of
    every blob it serves); `cut-download` / `cut-upload` (forward half of a blob's bytes,
    set `halfway`, wait for `resume`, then drop the connection, as when the registry
    dies mid-transfer). `Location` headers are rewritten to point back at the proxy.

    `faults` queues one-off faults per kind of request (`manifest`, `blob` GETs, `ping`,
    `upload`: a blob upload's PATCH or PUT):
    each such request takes the next one: `reset` (the connection is reset before any
    answer), `cut` (half the body, then the connection drops), or a status code such as
    `503` or `429` (with `Retry-After: 0`). `seen` records (method, path, Range, status)
    of every request."""

    def __init__(self, upstream: str) -> None:
        import http.client

        self.upstream = upstream
        self.mode = "pass"
        self.halfway = threading.Event()
        self.resume = threading.Event()
        self.faults: dict[str, list[str]] = {"manifest": [], "blob": [], "ping": [],
                                             "upload": []}
        self.seen: list[tuple[str, str, str | None, int]] = []
        self.ignore_range = False  # answer a Range request with the whole blob (200)
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _fault(self) -> str | None:
                path = urlsplit(self.path).path
                kind = ("ping" if path == "/v2/" else
                        "manifest" if "/manifests/" in path else
                        "blob" if "/blobs/sha256:" in path and self.command == "GET" else
                        "upload" if "/blobs/uploads/" in path
                        and self.command in ("PATCH", "PUT") else "")
                with proxy._lock:
                    queue = proxy.faults.get(kind) or []
                    return queue.pop(0) if queue else None

            def _record(self, status: int) -> None:
                with proxy._lock:
                    proxy.seen.append((self.command, self.path, self.headers.get("Range"),
                                       status))

            def _any(self) -> None:
                fault = self._fault()
                if fault == "reset":
                    import socket
                    import struct

                    self._record(0)
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                               struct.pack("ii", 1, 0))
                    self.close_connection = True
                    self.connection.close()
                    return
                if fault and fault.isdigit():
                    self.rfile.read(int(self.headers.get("Content-Length") or 0))  # unread,
                    # a request body would be taken for the next request on this connection
                    self._record(int(fault))
                    self.send_response(int(fault))
                    self.send_header("Retry-After", "0")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = b""
                if length:
                    if proxy.mode == "cut-upload" and length > 1000:
                        self.rfile.read(length // 2)
                        proxy.halfway.set()
                        proxy.resume.wait(30)
                        self.close_connection = True
                        self.connection.close()
                        return
                    body = self.rfile.read(length)
                conn = http.client.HTTPConnection(proxy.upstream, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"
                           and not (proxy.ignore_range and k.lower() == "range")}
                conn.request(self.command, self.path, body=body or None, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                self._record(resp.status)
                blob = "/blobs/sha256:" in self.path and self.command == "GET" and data
                if blob and proxy.mode == "corrupt":
                    data = data[:10] + bytes([data[10] ^ 0xFF]) + data[11:]
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() in ("content-length", "connection", "transfer-encoding"):
                        continue
                    if k.lower() == "location":
                        v = v.replace(f"//{proxy.upstream}", f"//{proxy.host}")
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command == "HEAD":
                    return
                if fault == "cut":
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.close()
                    return
                if blob and proxy.mode == "cut-download":
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    proxy.halfway.set()
                    proxy.resume.wait(30)
                    self.close_connection = True
                    self.connection.close()
                    return
                self.wfile.write(data)

            do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = _any

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.host = f"127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.resume.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def fault_proxy(own_registry: Registry) -> Iterator[FaultProxy]:
    proxy = FaultProxy(own_registry.host)
    yield proxy
    proxy.close()


@pytest.fixture
def make_image():  # type: ignore[no-untyped-def]
    return add_image
