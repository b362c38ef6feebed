"""Registry host names: Docker Hub's API lives on another host than its name, and
`dfc login` accepts a server as Docker does. References themselves are dfc.reference's."""

from __future__ import annotations

from dfc.reference import DOCKER_HUB, LEGACY_DOCKER_HUB

DOCKER_HUB_API = "registry-1.docker.io"
DOCKER_HUB_INDEX = "https://index.docker.io/v1/"
"""The key Docker writes in config.json `auths` for Docker Hub."""


def api_host(registry: str) -> str:
    """The host that answers `/v2/` for a registry name."""
    return DOCKER_HUB_API if registry == DOCKER_HUB else registry


def registry_of_server(server: str | None) -> str:
    """`dfc login [SERVER]`: a host, or a URL as Docker accepts it; none means Docker Hub."""
    if not server:
        return DOCKER_HUB
    host = server.split("://", 1)[-1].split("/", 1)[0]
    if host in {LEGACY_DOCKER_HUB, DOCKER_HUB_API, DOCKER_HUB}:
        return DOCKER_HUB
    return host
