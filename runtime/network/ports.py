"""Published ports: docker's `-p` forms parsed into PortMappings, `-P` over EXPOSEd ports,
and free host ports picked for the mappings that leave them open.

A mapping with host port 0 means "any free port"; `with_host_ports` turns it into a
concrete one before the container starts, so what `port` and `ps` show is what was bound.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from typing import Literal

import msgspec

from dfc.errors import UsageError

Protocol = Literal["tcp", "udp"]
_PROTOCOLS: tuple[Protocol, ...] = ("tcp", "udp")


class PortError(UsageError):
    """A `-p` value docker would refuse; 125 is `docker run`'s code for its own errors."""

    exit_code = 125


class PortMapping(msgspec.Struct, frozen=True):
    """One published port: `host_ip:host_port` on the host forwarded to `container_port`."""

    container_port: int
    protocol: Protocol = "tcp"
    host_ip: str = ""
    """`""` is every host address (shown as 0.0.0.0, as docker does)."""
    host_port: int = 0
    """0 until a free port is picked (see `with_host_ports`)."""

    @property
    def container(self) -> str:
        """`80/tcp`: the container side, as EXPOSE and `docker port` name it."""
        return f"{self.container_port}/{self.protocol}"

    @property
    def host(self) -> str:
        """`0.0.0.0:8080`: the host side, as `docker port` prints it."""
        return f"{self.host_ip or '0.0.0.0'}:{self.host_port}"

    def __str__(self) -> str:
        """`0.0.0.0:8080->80/tcp`, the form of `docker ps`'s PORTS column."""
        return f"{self.host}->{self.container}"


def _port_range(text: str, what: str) -> range:
    """`80` or `8000-8010` as a range of valid ports; docker's message otherwise."""
    first, dash, last = text.partition("-")
    try:
        low = int(first)
        high = int(last) if dash else low
    except ValueError:
        raise PortError(f"invalid {what}: {text}") from None
    if not (0 < low <= high <= 65535) or not first.isdigit() or (dash and not last.isdigit()):
        raise PortError(f"invalid {what}: {text}")
    return range(low, high + 1)


def _split(text: str) -> tuple[str, str, str]:
    """`[ip:][host:]container` into its three parts (an IPv6 address in brackets)."""
    if text.startswith("["):
        address, bracket, rest = text[1:].partition("]")
        if not bracket or not rest.startswith(":"):
            raise PortError(f"invalid IP address: {text}")
        host, _, container = rest[1:].rpartition(":")
        return address, host, container
    parts = text.split(":")
    if len(parts) > 3:
        raise PortError(f"invalid port format: {text}")
    parts = [""] * (3 - len(parts)) + parts
    return parts[0], parts[1], parts[2]


def _checked_ip(text: str) -> str:
    if not text:
        return ""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        raise PortError(f"invalid IP address: {text}") from None
    if address.version != 4:
        raise PortError(f"cannot publish on {text}: the user-mode network forwards IPv4 only")
    return "" if address.is_unspecified else text


def parse_publish(text: str) -> tuple[PortMapping, ...]:
    """docker's `-p` value: `80`, `8080:80`, `127.0.0.1:8080:80`, `127.0.0.1::80`,
    `53:53/udp`, and ranges of the same length on both sides (`8000-8001:80-81`)."""
    spec, slash, protocol = text.rpartition("/") if "/" in text else (text, "", "tcp")
    protocol = protocol.lower()
    if slash and protocol not in _PROTOCOLS:
        if protocol == "sctp":
            raise PortError(f"cannot publish {text}: the user-mode network forwards tcp and "
                            "udp only")
        raise PortError(f"invalid proto: {protocol}")
    ip, host, container = _split(spec)
    host_ip = _checked_ip(ip)
    containers = _port_range(container, "containerPort")
    hosts = _port_range(host, "hostPort") if host else None
    if hosts is not None and len(hosts) != len(containers):
        raise PortError("invalid ranges specified for container and host Ports: "
                        f"{container} and {host}")
    return tuple(PortMapping(container_port=port, protocol=protocol,  # type: ignore[arg-type]
                             host_ip=host_ip, host_port=hosts[i] if hosts else 0)
                 for i, port in enumerate(containers))


def publish_all(exposed: Iterable[str]) -> tuple[PortMapping, ...]:
    """`-P`: every EXPOSEd port (`80/tcp`, `53/udp`, as the image config lists them) to a
    free port on every host address."""
    mappings: list[PortMapping] = []
    for item in exposed:
        port, _, protocol = item.partition("/")
        mappings += parse_publish(f"{port}/{protocol or 'tcp'}")
    return tuple(mappings)


def free_port(protocol: Protocol = "tcp", host_ip: str = "") -> int:
    """A port the kernel reports free on `host_ip` now (from its ephemeral range, as
    docker's random ports are)."""
    kind = socket.SOCK_STREAM if protocol == "tcp" else socket.SOCK_DGRAM
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind((host_ip or "0.0.0.0", 0))
        return int(probe.getsockname()[1])


def with_host_ports(mappings: Iterable[PortMapping]) -> tuple[PortMapping, ...]:
    """The mappings with a free host port wherever they leave it open (0)."""
    return tuple(m if m.host_port else
                 msgspec.structs.replace(m, host_port=free_port(m.protocol, m.host_ip))
                 for m in mappings)
