"""Image references by Docker's rules, split into what the distribution API needs.

`busybox` is `docker.io/library/busybox:latest`; a first component with a `.` or a `:`, or
`localhost`, names the registry host. Docker Hub's API lives on another host than its name.
"""

from __future__ import annotations

import msgspec

from dfc.cache.store import normalize_ref
from dfc.errors import DfcError

DOCKER_HUB = "docker.io"
DOCKER_HUB_API = "registry-1.docker.io"
DOCKER_HUB_INDEX = "https://index.docker.io/v1/"
"""The key Docker writes in config.json `auths` for Docker Hub."""


class Reference(msgspec.Struct, frozen=True):
    """A normalised reference: `registry/repository` plus a tag, a digest, or both."""

    registry: str
    repository: str
    tag: str | None = None
    digest: str | None = None

    @property
    def name(self) -> str:
        """`docker.io/library/busybox`: the repository's full name."""
        return f"{self.registry}/{self.repository}"

    @property
    def api_ref(self) -> str:
        """What follows `/manifests/` in the API: the digest if there is one, else the tag."""
        return self.digest or self.tag or "latest"

    def __str__(self) -> str:
        tag = f":{self.tag}" if self.tag else ""
        return f"{self.name}{tag}{'@' + self.digest if self.digest else ''}"

    def with_tag(self, tag: str) -> Reference:
        return Reference(self.registry, self.repository, tag, None)

    def with_digest(self, digest: str) -> Reference:
        return Reference(self.registry, self.repository, None, digest)

    def familiar(self) -> str:
        """The short form Docker prints: `busybox:latest`, `user/app:1`, `host:5000/app:1`."""
        return familiar_name(str(self))


def parse_reference(text: str) -> Reference:
    """Docker's normalisation; `:latest` only when neither a tag nor a digest is given."""
    full = normalize_ref(text, allow_digest=True)
    name, _, digest = full.partition("@")
    slash = name.rfind("/")
    tag = None
    if name.rfind(":") > slash:
        name, tag = name[: name.rfind(":")], name[name.rfind(":") + 1 :]
    registry, _, repository = name.partition("/")
    return Reference(registry, repository, tag, digest or None)


def parse_repository(text: str) -> Reference:
    """A repository name without tag or digest (search, catalog)."""
    ref = parse_reference(text)
    if ref.digest or ":" in text.rpartition("/")[2]:
        raise DfcError(f"expected a repository name without tag or digest, got {text!r}")
    return Reference(ref.registry, ref.repository)


def familiar_name(full: str) -> str:
    """`docker.io/library/x:1` -> `x:1`, `docker.io/u/x:1` -> `u/x:1`; others unchanged."""
    rest = full.removeprefix(DOCKER_HUB + "/")
    if rest == full:
        return full
    return rest.removeprefix("library/") if "/" not in rest.removeprefix("library/") else rest


def api_host(registry: str) -> str:
    """The host that answers `/v2/` for a registry name."""
    return DOCKER_HUB_API if registry == DOCKER_HUB else registry


def registry_of_server(server: str | None) -> str:
    """`dfc login [SERVER]`: a host, or a URL as Docker accepts it; none means Docker Hub."""
    if not server:
        return DOCKER_HUB
    host = server.split("://", 1)[-1].split("/", 1)[0]
    if host in {"index.docker.io", "registry-1.docker.io", DOCKER_HUB}:
        return DOCKER_HUB
    return host
