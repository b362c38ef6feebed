"""The resolv.conf of a private network."""

from __future__ import annotations

import ipaddress

STACK_DNS = "10.0.2.3"
"""slirp4netns's DNS forwarder, which resolves through the host's own resolvers."""


def private_resolv_conf(host: bytes) -> bytes:
    """The host's resolv.conf as a private network sees it: a loopback nameserver
    (systemd-resolved's 127.0.0.53, a local dnsmasq) is the namespace's own loopback there,
    so such lines name the stack's forwarder instead (what podman does over slirp4netns;
    Docker falls back to public resolvers, which the user-mode stack does not need)."""
    lines = []
    for line in host.splitlines(keepends=True):
        words = line.split()
        if len(words) >= 2 and words[0] == b"nameserver" and _loopback(words[1]):
            line = line.replace(words[1], STACK_DNS.encode(), 1)
        lines.append(line)
    return b"".join(lines)


def _loopback(address: bytes) -> bool:
    try:
        return ipaddress.ip_address(address.decode().split("%")[0]).is_loopback
    except ValueError:
        return False
