"""A container's network mode: which modes are a network of its own (docker's bridge,
here a private namespace with a user-mode stack), how `ps` and `inspect` name them, and
the ports its supervisor publishes at start."""

from __future__ import annotations

from dfc.runtime.containers import ports
from dfc.runtime.containers.state import Record
from dfc.runtime.network.ports import PortMapping

PRIVATE_MODES = ("default", "bridge")
"""Docker 20.10 records a default run as `default`; `--network bridge` is the same mode."""


def is_private(mode: str) -> bool:
    """Whether the mode is a network namespace of the container's own with outbound access."""
    return mode in PRIVATE_MODES


def network_name(mode: str) -> str:
    """The network a mode attaches to, as `ps` and `inspect` name it (`default` is the
    bridge)."""
    return "bridge" if mode == "default" else mode


def published(record: Record) -> tuple[PortMapping, ...]:
    """The ports the supervisor publishes when the container starts (none off a private
    network: docker discards them on the host's and on none)."""
    host = record.host_config
    if not is_private(host.network_mode):
        return ()
    wanted: tuple[PortMapping, ...] = ports.requested(
        host.port_bindings, record.config.exposed_ports or {}, host.publish_all_ports)
    return wanted
