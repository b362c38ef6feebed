"""A container's ports in docker's shapes: what `-p`/`-P`/`--expose` ask for (recorded as
`.HostConfig.PortBindings` and `.Config.ExposedPorts`), what the supervisor publishes from
that, and how `port`, `ps` and `inspect` show what it bound."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from dfc.runtime.network.ports import PortMapping, parse_publish

Bindings = dict[str, list[dict[str, str]]]


def exposed(items: Iterable[str]) -> list[str]:
    """`--expose 80`, `90/udp` or `8000-8001` as ExposedPorts keys (`80/tcp`...)."""
    return [m.container for item in items for m in parse_publish(item)]


def port_bindings(mappings: Iterable[PortMapping]) -> Bindings:
    """`.HostConfig.PortBindings`: the request as given (an open host port is `""`)."""
    found: Bindings = {}
    for m in mappings:
        found.setdefault(m.container, []).append(
            {"HostIp": m.host_ip, "HostPort": str(m.host_port) if m.host_port else ""})
    return found


def requested(bindings: Bindings, exposed_ports: Iterable[str], publish_all: bool
              ) -> tuple[PortMapping, ...]:
    """What to publish at start: every binding, and with `-P` every exposed port that has
    none, to a free host port."""
    mappings = []
    for key, hosts in bindings.items():
        port, _, protocol = key.partition("/")
        for host in hosts:
            mappings.append(PortMapping(container_port=int(port), protocol=protocol,  # type: ignore[arg-type]
                                        host_ip=host["HostIp"],
                                        host_port=int(host["HostPort"] or 0)))
    if publish_all:
        for key in exposed_ports:
            if key not in bindings:
                port, _, protocol = key.partition("/")
                mappings.append(PortMapping(container_port=int(port),
                                            protocol=protocol))  # type: ignore[arg-type]
    return tuple(mappings)


def _shown_ip(mapping: PortMapping) -> str:
    return mapping.host_ip or "0.0.0.0"


def network_ports(exposed_ports: Iterable[str], bound: Sequence[PortMapping]
                  ) -> dict[str, list[dict[str, str]] | None]:
    """`.NetworkSettings.Ports` of a running container: each exposed port, null when it is
    not published."""
    found: dict[str, list[dict[str, str]] | None] = {key: None for key in exposed_ports}
    for m in bound:
        hosts = found.get(m.container) or []
        hosts.append({"HostIp": _shown_ip(m), "HostPort": str(m.host_port)})
        found[m.container] = hosts
    return dict(sorted(found.items()))


def port_lines(bound: Sequence[PortMapping]) -> list[str]:
    """`docker port C`: `80/tcp -> 0.0.0.0:32768` lines, sorted as docker sorts them."""
    return sorted(f"{m.container} -> {_shown_ip(m)}:{m.host_port}" for m in bound)


def _range(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}-{last}"


def ps_column(exposed_ports: Iterable[str], bound: Sequence[PortMapping]) -> str:
    """`docker ps`'s PORTS: unpublished ports and same-number mappings grouped into ranges,
    then the other mappings (`0.0.0.0:8080->80/tcp`), in docker's order (by container
    port, host address, host port, protocol)."""
    published = {m.container for m in bound}
    rows: list[tuple[int, str, int, str]] = [(m.container_port, _shown_ip(m), m.host_port,
                                              m.protocol) for m in bound]
    for key in exposed_ports:
        if key not in published:
            number, _, kind = key.partition("/")
            rows.append((int(number), "", 0, kind or "tcp"))
    groups: dict[str, list[int]] = {}
    result: list[str] = []
    mapped: list[str] = []
    for port, ip, host_port, protocol in sorted(rows):
        if ip and host_port != port:
            mapped.append(f"{ip}:{host_port}->{port}/{protocol}")
            continue
        key = f"{ip}/{protocol}" if ip else protocol
        group = groups.get(key)
        if group is not None and port == group[1] + 1:
            group[1] = port
            continue
        if group is not None:
            result.append(_group(key, *group))
        groups[key] = [port, port]
    result += [_group(key, *group) for key, group in groups.items()]
    return ", ".join(result + mapped)


def _group(key: str, first: int, last: int) -> str:
    ip, _, protocol = key.rpartition("/")
    ports = _range(first, last)
    return f"{ip}:{ports}->{ports}/{protocol}" if ip else f"{ports}/{protocol}"
