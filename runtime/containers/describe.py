"""A container as `docker inspect` and `docker ps` show it."""

from __future__ import annotations

import shlex

import msgspec

from dfc.runtime.containers import ports
from dfc.runtime.containers.mounting import inspect_mounts, read
from dfc.runtime.containers.networks import is_private, network_name
from dfc.runtime.containers.store import Container
from dfc.runtime.network.slirp import GATEWAY_ADDRESS, GUEST_ADDRESS, GUEST_PREFIX
from dfc.runtime.sandbox.policy import MASKED_PATHS, READONLY_PATHS

_OMITTED_WHEN_UNSET = ("StopSignal", "StopTimeout", "ExposedPorts", "Healthcheck")


def inspect(container: Container) -> dict[str, object]:
    record = container.record
    folder = str(container.folder)
    config = msgspec.to_builtins(record.config)
    for key in _OMITTED_WHEN_UNSET:
        if config.get(key) is None:
            config.pop(key, None)
    host = msgspec.to_builtins(record.host_config)
    for key in ("Mounts", "Tmpfs"):  # (docker leaves them out when unset)
        if host.get(key) is None:
            host.pop(key, None)
    host.update({
        "LogConfig": {"Type": "json-file", "Config": {}},
        "RestartPolicy": {"Name": "no", "MaximumRetryCount": 0},
        "Privileged": False, "IpcMode": "private", "ShmSize": 67108864,
        "MaskedPaths": list(MASKED_PATHS), "ReadonlyPaths": list(READONLY_PATHS),
    })
    return {
        "Id": record.id,
        "Created": record.created,
        "Path": record.path,
        "Args": record.args,
        "State": _state(container),
        "Image": record.image,
        "ResolvConfPath": f"{folder}/resolv.conf",
        "HostnamePath": f"{folder}/hostname",
        "HostsPath": f"{folder}/hosts",
        "LogPath": str(container.log_path),
        "Name": record.name,
        "RestartCount": 0,
        "Driver": "overlay",
        "Platform": "linux",
        "MountLabel": "",
        "ProcessLabel": "",
        "AppArmorProfile": "",
        "ExecIDs": None,
        "HostConfig": host,
        "GraphDriver": {"Name": "overlay", "Data": {
            "UpperDir": f"{folder}/upper", "WorkDir": f"{folder}/work",
            "MergedDir": f"{folder}/root"}},
        "Mounts": inspect_mounts(container.folder.parent.parent, read(container.folder)),
        "Config": config,
        "NetworkSettings": network_settings(container),
    }


def _state(container: Container) -> dict[str, object]:
    """`.State`, with `Health` once a check has run (docker's place for it: last)."""
    from dfc.runtime.containers.health import read as read_health

    state = container.state.public()
    if (health := read_health(container.folder)) is not None:
        state["Health"] = msgspec.to_builtins(health)
    return state


def network_settings(container: Container) -> dict[str, object]:
    """`.NetworkSettings`: the published ports and the address while it runs (docker
    empties both when a container stops)."""
    running = container.state.running
    mode = container.record.host_config.network_mode
    private = is_private(mode)
    address = GUEST_ADDRESS if running and private else ""
    gateway = GATEWAY_ADDRESS if running and private else ""
    prefix = GUEST_PREFIX if running and private else 0
    shown = ports.network_ports(container.record.config.exposed_ports or {},
                                container.state.ports) if running and private else {}
    endpoint = {"Gateway": gateway, "IPAddress": address, "IPPrefixLen": prefix,
                "MacAddress": ""}
    return {"Ports": shown, **endpoint, "Networks": {network_name(mode): endpoint}}


def ports_column(container: Container) -> str:
    """`docker ps`'s PORTS (empty unless it runs on a network of its own)."""
    if not container.state.running or not is_private(container.record.host_config.network_mode):
        return ""
    column: str = ports.ps_column(container.record.config.exposed_ports or {},
                                  container.state.ports)
    return column


def command_text(container: Container) -> str:
    """The COMMAND column's text before quoting: path and args as docker joins them."""
    argv = [container.record.path, *container.record.args]
    return " ".join(shlex.quote(a) if (" " in a or not a) else a for a in argv)
