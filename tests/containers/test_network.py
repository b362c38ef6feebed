"""Containers on a network of their own (docker's default bridge; here a private namespace
with a user-mode stack): published ports reached from the host, `-P`, `port`, the PORTS
column and `inspect`'s shapes against docker, no host loopback inside, nothing left after
`rm`, and docker's message for a port already taken."""

from __future__ import annotations

import http.server
import json
import os
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dfc.runtime.containers.store import ContainerStore
from dfc.runtime.fs.views import LINK_ROOT
from dfc.runtime.network.ports import free_port


def _children_named(parent: int, name: str) -> list[int]:
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        if comm == name and ppid == parent:
            found.append(int(entry))
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] not in "ZX"


def _fetch(url: str, deadline: float = 10.0) -> str:
    """The body at `url`, retried while the server in the container starts."""
    end = time.monotonic() + deadline
    while True:
        try:
            with urllib.request.urlopen(url, timeout=3) as answer:
                return str(answer.read().decode())
        except OSError:
            if time.monotonic() > end:
                raise
            time.sleep(0.2)


@pytest.fixture(params=["127.0.0.1"])
def host_server(request: pytest.FixtureRequest) -> Iterator[int]:
    """An HTTP server on a host address (the loopback one unless a test says otherwise)."""
    server = http.server.HTTPServer((request.param, 0), http.server.SimpleHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()


def test_published_port_serves_the_host_and_rm_leaves_nothing(dfc: Any, images: Any) -> None:
    port = free_port()
    started = dfc("run", "-d", "--name", "web1", "-p", f"127.0.0.1:{port}:80",
                  images.names["web"])
    assert started.code == 0, started.err
    assert _fetch(f"http://127.0.0.1:{port}/") == "hello-from-the-container\n"
    container = ContainerStore(images.store.root).find("web1")
    stacks = _children_named(container.state.supervisor, "slirp4netns")
    assert len(stacks) == 1
    assert dfc("port", "web1").out == f"80/tcp -> 127.0.0.1:{port}\n"
    assert dfc("port", "web1", "80").out == f"127.0.0.1:{port}\n"
    assert dfc("ps", "--format", "{{.Ports}}|{{.Networks}}").out == \
        f"127.0.0.1:{port}->80/tcp|bridge\n"
    assert (LINK_ROOT / container.link_name).exists()
    assert dfc("stop", "-t", "1", "web1").code == 0
    assert not any(_alive(pid) for pid in stacks)
    assert dfc("port", "web1").out == ""
    assert dfc("rm", "web1").code == 0
    assert not (LINK_ROOT / container.link_name).exists()
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)


def _slirp_folders() -> set[str]:
    import tempfile

    return {p for p in os.listdir(tempfile.gettempdir()) if p.startswith("dfc-slirp-")}


def test_supervisor_killed_takes_the_stack_with_it(dfc: Any, images: Any) -> None:
    before = _slirp_folders()
    assert dfc("run", "-d", "--name", "web2", "-P", images.names["web"]).code == 0
    container = ContainerStore(images.store.root).find("web2")
    stacks = _children_named(container.state.supervisor, "slirp4netns")
    assert len(stacks) == 1
    host_port = dfc("port", "web2", "80").out.strip().rpartition(":")[2]
    assert _fetch(f"http://127.0.0.1:{host_port}/") == "hello-from-the-container\n"
    os.kill(container.state.supervisor, 9)
    end = time.monotonic() + 10
    while any(_alive(pid) for pid in stacks) and time.monotonic() < end:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in stacks)
    state = dfc("inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", "web2")
    assert state.out == "exited 137\n"
    assert _slirp_folders() <= before  # (the forwards' API socket is gone once they are set)


def test_publish_all_and_port(dfc: Any, images: Any) -> None:
    assert dfc("run", "-d", "--name", "web3", "-P", "--expose", "90",
               images.names["web"]).code == 0
    lines = dfc("port", "web3").out.splitlines()  # -P publishes --expose's ports too
    assert [line.rpartition(":")[0] for line in lines] == ["80/tcp -> 0.0.0.0",
                                                            "90/tcp -> 0.0.0.0"]
    web, other = (int(line.rpartition(":")[2]) for line in lines)
    assert _fetch(f"http://127.0.0.1:{web}/") == "hello-from-the-container\n"
    assert dfc("ps", "--format", "{{.Ports}}").out == \
        f"0.0.0.0:{web}->80/tcp, 0.0.0.0:{other}->90/tcp\n"
    missing = dfc("port", "web3", "81")
    assert (missing.code, missing.err) == (
        1, f"error: No public port '81' published for "
           f"{ContainerStore(images.store.root).find('web3').id}\n")


def test_shapes_match_docker(dfc: Any, docker: Any, images: Any) -> None:
    """`port`, the PORTS column and inspect's Ports/PortBindings against docker's (the
    random ports and docker's extra `[::]` lines of its IPv6 proxy aside)."""
    args = ["-p", "127.0.0.1::80", "-p", "53/udp", "--expose", "90",
            images.names["web"]]
    name = docker.name()
    assert docker("run", "-d", "--name", name, *args).code == 0
    assert dfc("run", "-d", "--name", "web4", *args).code == 0

    def shape(text: str) -> str:
        import re
        text = re.sub(r'"HostPort": "\d+"', '"HostPort": "PORT"', text)
        return re.sub(r":\d{4,5}\b", ":PORT", text)

    def ipv4(lines: list[str]) -> list[str]:
        return [line for line in lines if "::" not in line]  # `[::]:P` or `:::P`

    for run, ref in ((docker, name), (dfc, "web4")):
        run.ports = [shape(line) for line in ipv4(run("port", ref).out.splitlines())]
        column = run("ps", "--filter", f"name={ref}", "--format", "{{.Ports}}").out.strip()
        run.column = shape(", ".join(p for p in column.split(", ") if "::" not in p))
        data = json.loads(run("inspect", ref).out)[0]
        run.bindings = json.dumps(data["HostConfig"]["PortBindings"], sort_keys=True)
        run.settings = shape(json.dumps({k: v and [h for h in v if h["HostIp"] != "::"]
                                         for k, v in data["NetworkSettings"]["Ports"].items()},
                                        sort_keys=True))
        run.mode = data["HostConfig"]["NetworkMode"]
    # docker 20.10's `port` lists its ports in Go's map order, which varies between runs
    assert sorted(dfc.ports) == sorted(docker.ports)
    assert dfc.column == docker.column
    assert dfc.settings == docker.settings
    assert dfc.mode == docker.mode == "default"
    # a random host port is "" in the request; the fixed one is the same number in both
    assert json.loads(dfc.bindings)["80/tcp"] == json.loads(docker.bindings)["80/tcp"]
    assert dfc.bindings.replace(" ", "") == docker.bindings.replace(" ", "")


def test_no_host_loopback_inside_but_host_network_has_it(dfc: Any, images: Any,
                                                         host_server: int) -> None:
    box = images.names["busybox"]
    get = "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 {} {} | head -1"
    own = dfc("run", "--rm", box, "sh", "-c", get.format("127.0.0.1", host_server))
    assert own.out == ""
    via_gateway = dfc("run", "--rm", box, "sh", "-c", get.format("10.0.2.2", host_server))
    assert via_gateway.out == ""
    host = dfc("run", "--rm", "--network", "host", box, "sh", "-c",
               get.format("127.0.0.1", host_server))
    assert host.out.startswith("HTTP/1.0 200"), (host.out, host.err)


def _outward_address() -> str:
    """An address of this host on its way out (no packet is sent: a UDP connect only
    chooses the route)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("192.0.2.1", 9))
        return str(probe.getsockname()[0])


@pytest.mark.parametrize("host_server", ["0.0.0.0"], indirect=True)
def test_outbound_reaches_the_host_by_its_outward_address(dfc: Any, images: Any,
                                                         host_server: int) -> None:
    """Outbound connections leave through the stack's NAT (what reaching the Internet
    needs; the host's own outward address stands in for a remote server here)."""
    get = "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 {} {} | head -1"
    result = dfc("run", "--rm", images.names["busybox"], "sh", "-c",
                 get.format(_outward_address(), host_server))
    assert result.out.startswith("HTTP/1.0 200"), (result.out, result.err)


def test_resolv_conf_is_the_private_networks(dfc: Any, images: Any) -> None:
    from dfc.runtime.network.dns import private_resolv_conf

    shown = dfc("run", "--rm", images.names["busybox"], "cat", "/etc/resolv.conf").out
    assert shown.encode() == private_resolv_conf(Path("/etc/resolv.conf").read_bytes())


def test_interfaces_by_mode(dfc: Any, images: Any) -> None:
    box = images.names["busybox"]
    show = ["sh", "-c", "ls /sys/class/net | sort | tr '\\n' ' '"]
    assert dfc("run", "--rm", box, *show).out == "lo tap0 "
    assert dfc("run", "--rm", "--network", "bridge", box, *show).out == "lo tap0 "
    assert dfc("run", "--rm", "--network", "none", box, *show).out == "lo "
    address = dfc("run", "--rm", box, "ip", "-4", "-o", "addr", "show", "tap0").out
    assert "10.0.2.100/24" in address


def test_port_in_use_is_refused_as_docker_does(dfc: Any, images: Any) -> None:
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = dfc("run", "-d", "--name", "clash", "-p", f"{port}:80", images.names["web"])
    assert result.code == 125
    assert result.err.splitlines()[-1].endswith(
        f"Bind for 0.0.0.0:{port} failed: port is already allocated")
    assert len(result.err.splitlines()) == 1
    state = dfc("inspect", "--format", "{{.State.Status}} {{.State.ExitCode}} {{.State.Error}}",
                "clash").out
    assert state.startswith("created 128 ") and "port is already allocated" in state
    assert dfc("port", "clash").out == ""
    assert dfc("rm", "clash").code == 0


@pytest.mark.parametrize("value", ["abc:80", "80:abc", "1:2:3:4", "80/sctpx"])
def test_bad_publish_values_exit_125(dfc: Any, images: Any, value: str) -> None:
    result = dfc("run", "--rm", "-p", value, images.names["busybox"], "true")
    assert result.code == 125 and len(result.err.splitlines()) == 1, result.err
