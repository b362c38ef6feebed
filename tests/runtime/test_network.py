"""Networks of RUN steps: a private namespace with outbound access through slirp4netns (the
default), loopback only (`none`), the host's (`host`, opt-in); published ports; and nothing
left behind. Outbound access is shown against a test host this file makes itself: a network
namespace joined to the host by a veth pair with TEST-NET-2 addresses, serving HTTP.

Needs root, busybox-static, slirp4netns, iproute2; the OCI backends also need their binary.
"""

from __future__ import annotations

import http.server
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest

from dfc.build import BuildRequest, build
from dfc.cache.oci import Manifest
from dfc.cache.store import Store
from dfc.errors import DfcError
from dfc.runtime.fs.snapshots import flatten
from dfc.runtime.network.dns import private_resolv_conf
from dfc.runtime.network.ports import (
    PortError,
    PortMapping,
    parse_publish,
    publish_all,
    with_host_ports,
)
from dfc.runtime.sandbox.proc import interrupt
from dfc.runtime.sandbox.run import BackendName, RunSpec, run

from ..conftest import make_busybox_rootfs, wait_until  # noqa: TID252 - tests/ is no package

needs_sandbox = pytest.mark.skipif(os.geteuid() != 0 or shutil.which("slirp4netns") is None,
                                   reason="needs root and slirp4netns")
BACKENDS = [
    pytest.param("native"),
    pytest.param("runc", marks=pytest.mark.skipif(not shutil.which("runc"), reason="no runc")),
    pytest.param("crun", marks=pytest.mark.skipif(not shutil.which("crun"), reason="no crun")),
]
PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SECRET = "only-for-the-host\n"


# --- ports: docker's -p forms -------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("8080:80", [PortMapping(80, "tcp", "", 8080)]),
    ("127.0.0.1:8080:80", [PortMapping(80, "tcp", "127.0.0.1", 8080)]),
    ("80", [PortMapping(80)]),
    ("53:53/udp", [PortMapping(53, "udp", "", 53)]),
    ("127.0.0.1::80", [PortMapping(80, "tcp", "127.0.0.1", 0)]),
    ("0.0.0.0:8080:80/TCP", [PortMapping(80, "tcp", "", 8080)]),
    ("8000-8001:80-81", [PortMapping(80, "tcp", "", 8000), PortMapping(81, "tcp", "", 8001)]),
    ("7000-7001", [PortMapping(7000), PortMapping(7001)]),
])
def test_publish_forms(text: str, expected: list[PortMapping]) -> None:
    assert list(parse_publish(text)) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("abc", "invalid containerPort: abc"),
    ("70000", "invalid containerPort: 70000"),
    ("x:80", "invalid hostPort: x"),
    ("1.2.3.4.5:1:80", "invalid IP address: 1.2.3.4.5"),
    ("80/foo", "invalid proto: foo"),
    ("8000-8002:80-81", "invalid ranges specified for container and host Ports: 80-81 and "
                        "8000-8002"),
    ("80/sctp", "cannot publish 80/sctp: the user-mode network forwards tcp and udp only"),
])
def test_bad_publish_values_get_dockers_message_and_code(text: str, message: str) -> None:
    with pytest.raises(PortError) as caught:
        parse_publish(text)
    assert caught.value.message == message
    assert caught.value.exit_code == 125


def test_publish_all_and_free_host_ports() -> None:
    mappings = publish_all(["80/tcp", "53/udp", "8080"])
    assert [m.container for m in mappings] == ["80/tcp", "53/udp", "8080/tcp"]
    picked = with_host_ports([*mappings, PortMapping(443, host_port=8443)])
    assert all(m.host_port for m in picked) and picked[-1].host_port == 8443
    assert str(picked[0]) == f"0.0.0.0:{picked[0].host_port}->80/tcp"
    assert PortMapping(80, host_ip="127.0.0.1", host_port=8080).host == "127.0.0.1:8080"


def test_a_loopback_nameserver_becomes_the_stacks_forwarder() -> None:
    host = b"search lan\nnameserver 127.0.0.53\nnameserver 192.0.2.53\noptions edns0\n"
    assert private_resolv_conf(host) == (b"search lan\nnameserver 10.0.2.3\n"
                                         b"nameserver 192.0.2.53\noptions edns0\n")


# --- fixtures: a busybox rootfs, a host-only server, a test host ---------------------------

@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("image") / "rootfs"
    make_busybox_rootfs(root)
    return root


@pytest.fixture(scope="module")
def host_only_server() -> Iterator[int]:
    """An HTTP server on the host's 127.0.0.1 (a free port) answering SECRET."""
    class Secret(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = SECRET.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Secret)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


@pytest.fixture(scope="module")
def test_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """(address, port) of an HTTP server in a network namespace made here, reached from the
    host through a veth pair on a random /30 of TEST-NET-2 (198.51.100.0/24): an outside
    host for outbound traffic, with no address outside namespaces this test owns."""
    tag = uuid.uuid4().hex[:8]
    netns, here, there = f"dfc-test-{tag}", f"dfct{tag}a", f"dfct{tag}b"
    base = 4 * random.randrange(64)
    near, far = f"198.51.100.{base + 1}", f"198.51.100.{base + 2}"
    www = tmp_path_factory.mktemp("www")
    (www / "index.html").write_text("served by the test host\n")
    server = None
    _ip("netns", "add", netns)
    try:
        _ip("link", "add", here, "type", "veth", "peer", "name", there, "netns", netns)
        _ip("addr", "add", f"{near}/30", "dev", here)
        _ip("link", "set", here, "up")
        _ip("-n", netns, "addr", "add", f"{far}/30", "dev", there)
        _ip("-n", netns, "link", "set", there, "up")
        _ip("-n", netns, "link", "set", "lo", "up")
        server = subprocess.Popen(["ip", "netns", "exec", netns, "busybox", "httpd", "-f",
                                   "-p", f"{far}:8080", "-h", str(www)])
        assert wait_until(lambda: _connects(far, 8080)), "the test host's server did not start"
        yield far, 8080
    finally:
        if server is not None:
            server.kill()
            server.wait()
        subprocess.run(["ip", "link", "del", here], capture_output=True, check=False)
        _ip("netns", "del", netns)


def _connects(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError:
        return False
    return True


def _get(address: str, port: int, path: str = "/") -> str:
    """A shell line fetching `path` with busybox nc (its static wget cannot resolve)."""
    return f"printf 'GET {path} HTTP/1.0\\r\\n\\r\\n' | nc -w 3 {address} {port}"


def sandboxed(image: Path, tmp_path: Path, script: str, network: str = "private",
              backend: BackendName = "native") -> tuple[int, str]:
    upper = Path(tempfile.mkdtemp(dir=tmp_path))
    chunks: list[bytes] = []
    spec = RunSpec(argv=("/bin/sh", "-c", script), env=(PATH,),
                   network=network)  # type: ignore[arg-type]
    code = run(spec, [image], upper, stdout=chunks.append, backend=backend)
    return code, b"".join(chunks).decode(errors="replace")


def our_children(name: str, parent: int | None = None) -> list[int]:
    """Pids of child processes of `parent` (this test process) running `name`."""
    parent = os.getpid() if parent is None else parent
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                comm = (entry / "comm").read_text().strip()
            except OSError:
                continue
            if int(fields[1]) == parent and comm == name:
                found.append(int(entry.name))
    return found


def netns_fds() -> int:
    """Open descriptors of this process that hold a network namespace."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}").startswith("net:[")
        except OSError:
            continue
    return count


# --- the sandbox's network modes -----------------------------------------------------------

@needs_sandbox
@pytest.mark.parametrize("backend", BACKENDS)
def test_private_step_cannot_reach_the_hosts_loopback_but_host_can(
        image: Path, tmp_path: Path, host_only_server: int, backend: BackendName) -> None:
    port = host_only_server
    script = f"ls /sys/class/net; {_get('127.0.0.1', port)}; {_get('10.0.2.2', port)}"
    code, out = sandboxed(image, tmp_path, script, "private", backend)
    # (runc may pass stderr on before stdout: no assertion on the order)
    assert {line for line in out.splitlines() if not line.startswith("nc:")} == {"lo", "tap0"}
    # its own loopback has no server; the gateway refuses the host's loopback
    assert "127.0.0.1): Connection refused" in out and "(10.0.2.2): Network is unreachable" in out
    assert SECRET not in out
    code, out = sandboxed(image, tmp_path, _get("127.0.0.1", port), "host", backend)
    assert code == 0 and out.endswith(SECRET), out


@needs_sandbox
@pytest.mark.parametrize("backend", BACKENDS)
def test_private_step_reaches_an_outside_host(image: Path, tmp_path: Path,
                                              test_host: tuple[str, int],
                                              backend: BackendName) -> None:
    code, out = sandboxed(image, tmp_path, _get(*test_host), "private", backend)
    assert code == 0 and out.endswith("served by the test host\n"), out
    code, out = sandboxed(image, tmp_path, f"{_get(*test_host)} || echo unreachable", "none",
                          backend)
    assert "served by" not in out and "unreachable" in out, out


@needs_sandbox
@pytest.mark.parametrize("backend", BACKENDS)
def test_published_port_serves_the_host_until_cancelled(image: Path, tmp_path: Path,
                                                        backend: BackendName) -> None:
    www = tmp_path / "www-layer"
    (www / "www").mkdir(parents=True)
    (www / "www/index.html").write_text("published\n")
    ports = with_host_ports(parse_publish("127.0.0.1::80"))
    spec = RunSpec(argv=("httpd", "-f", "-p", "80", "-h", "/www"), env=(PATH,), ports=ports)
    cancel = threading.Event()
    codes: list[int] = []
    upper = tmp_path / "upper"
    upper.mkdir()
    runner = threading.Thread(target=lambda: codes.append(
        run(spec, [www, image], upper, stdout=lambda _: None, backend=backend, cancel=cancel)))
    runner.start()
    url = f"http://127.0.0.1:{ports[0].host_port}/"
    try:
        assert wait_until(lambda: _fetches(url) == "published\n", 15), "nothing served"
    finally:
        interrupt(cancel)
        runner.join(30)
    assert codes == [137]
    assert not _connects("127.0.0.1", ports[0].host_port)  # the forward is gone
    assert our_children("slirp4netns") == []


def _fetches(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:
            return reply.read().decode()
    except OSError:
        return None


@needs_sandbox
def test_twenty_private_runs_leave_nothing_behind(image: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    sockets = tmp_path / "sockets"
    sockets.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(sockets))
    before = netns_fds()
    for i in range(20):
        spec = RunSpec(argv=("true",), env=(PATH,),
                       ports=with_host_ports(parse_publish("127.0.0.1::80")) if i % 2 else ())
        upper = tmp_path / f"upper{i}"
        upper.mkdir()
        assert run(spec, [image], upper, stdout=lambda _: None) == 0
    assert our_children("slirp4netns") == []
    assert netns_fds() == before
    assert list(sockets.iterdir()) == []  # no API socket nor its folder
    assert [line for line in Path("/proc/mounts").read_text().splitlines()
            if str(tmp_path) in line] == []


@needs_sandbox
def test_a_port_in_use_is_one_clear_error_and_leaves_nothing(image: Path,
                                                             tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        spec = RunSpec(argv=("true",), env=(PATH,),
                       ports=(PortMapping(80, host_ip="127.0.0.1", host_port=port),))
        with pytest.raises(DfcError) as caught:
            run(spec, [image], tmp_path / "upper", stdout=lambda _: None)
    assert caught.value.message == f"Bind for 127.0.0.1:{port} failed: port is already allocated"
    assert our_children("slirp4netns") == []
    for network in ("host", "none"):
        with pytest.raises(DfcError, match=f"need a private network, not --network {network}"):
            run(msgspec.structs.replace(spec, network=network), [image], tmp_path / "upper",
                stdout=lambda _: None)


@needs_sandbox
def test_a_killed_dfc_leaves_no_stack_behind(image: Path, tmp_path: Path) -> None:
    """SIGKILL leaves dfc no time: the kernel closes its end of slirp4netns's exit fd."""
    upper = tmp_path / "upper"
    upper.mkdir()
    code = ("import pathlib; from dfc.runtime.sandbox.run import run, RunSpec; "
            f"run(RunSpec(('/bin/sh', '-c', 'echo up; sleep 60'), ({PATH!r},)), "
            f"[pathlib.Path({str(image)!r})], pathlib.Path({str(upper)!r}), stdout=print)")
    with subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE) as dfc:
        assert dfc.stdout is not None and b"up" in dfc.stdout.readline()
        stacks = our_children("slirp4netns", dfc.pid)
        dfc.kill()
    assert len(stacks) == 1
    assert wait_until(lambda: not Path(f"/proc/{stacks[0]}").exists(), 10)


@needs_sandbox
def test_a_missing_stack_names_the_debian_package(image: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    before = netns_fds()
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(DfcError, match="install the Debian package slirp4netns"):
        sandboxed(image, tmp_path, "true")
    assert netns_fds() == before


# --- builds ------------------------------------------------------------------------------

def built_rootfs(store: Store, context: Path, dockerfile: str, **options: object) -> Path:
    (context / "Dockerfile").write_text(dockerfile)
    build(BuildRequest(context=str(context), tags=("net",), **options), store,
          lambda event: None)
    manifest = store.read_json(store.resolve("net").manifest.digest, Manifest)
    dest = Path(tempfile.mkdtemp(dir=context.parent))
    flatten(store, manifest.layers, dest)
    return dest


@needs_sandbox
def test_build_steps_get_a_private_network_and_host_is_opt_in(
        fresh_store: Store, tmp_path: Path, host_only_server: int) -> None:
    context = tmp_path / "context"
    context.mkdir()
    fetch = _get("127.0.0.1", host_only_server, "/x")
    dockerfile = (f"FROM busybox\nRUN {fetch} > /default; ls /sys/class/net > /nets\n"
                  f"RUN --network=host {fetch} > /host\n"
                  f"RUN --network=none ls /sys/class/net > /none\n")
    root = built_rootfs(fresh_store, context, dockerfile)
    assert SECRET not in (root / "default").read_text()
    assert (root / "nets").read_text().split() == ["lo", "tap0"]
    assert (root / "host").read_text().endswith(SECRET)
    assert (root / "none").read_text().split() == ["lo"]
    root = built_rootfs(fresh_store, context, dockerfile, network="host")
    assert (root / "default").read_text().endswith(SECRET)  # `dfc build --network host`


@needs_sandbox
def test_build_steps_reach_an_outside_host(fresh_store: Store, tmp_path: Path,
                                           test_host: tuple[str, int]) -> None:
    context = tmp_path / "context"
    context.mkdir()
    root = built_rootfs(fresh_store, context,
                        f"FROM busybox\nRUN {_get(*test_host)} > /got\nRUN {_get(*test_host)}"
                        " > /again\n")
    assert (root / "got").read_text().endswith("served by the test host\n")
    assert (root / "again").read_text().endswith("served by the test host\n")
    assert our_children("slirp4netns") == []  # the build's shared stack is stopped
