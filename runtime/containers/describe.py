"""A container as `docker inspect` and `docker ps` show it."""

from __future__ import annotations

import shlex

import msgspec

from dfc.runtime.containers.store import Container
from dfc.runtime.sandbox.policy import MASKED_PATHS, READONLY_PATHS

_OMITTED_WHEN_UNSET = ("StopSignal", "StopTimeout", "ExposedPorts")


def inspect(container: Container) -> dict[str, object]:
    record = container.record
    folder = str(container.folder)
    config = msgspec.to_builtins(record.config)
    for key in _OMITTED_WHEN_UNSET:
        if config.get(key) is None:
            config.pop(key, None)
    host = msgspec.to_builtins(record.host_config)
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
        "State": container.state.public(),
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
        "Mounts": [],
        "Config": config,
        "NetworkSettings": {"Ports": {}, "Networks": {record.host_config.network_mode: {}}},
    }


def command_text(container: Container) -> str:
    """The COMMAND column's text before quoting: path and args as docker joins them."""
    argv = [container.record.path, *container.record.args]
    return " ".join(shlex.quote(a) if (" " in a or not a) else a for a in argv)
