"""Opening a registry for a repository: host, credentials, scopes, mirrors.

The modules beside this one each do one job: hosts (registry host names), config
(config.json, daemon.json), auth (Basic and Bearer), client (the HTTP API), sources
(which repositories hold a blob), pull, push, lists (manifest lists) and search;
references are dfc.reference's.
"""

from __future__ import annotations

from collections.abc import Iterator

from dfc.reference import DOCKER_HUB, Reference
from dfc.runtime.registry.auth import AuthError
from dfc.runtime.registry.client import (
    RegistryClient,
    RegistryError,
    connect,
    connect_url,
    error_text,
)
from dfc.runtime.registry.config import Credentials, RegistrySettings, credentials_for
from dfc.runtime.registry.hosts import api_host


def scope(repository: str, actions: str) -> str:
    return f"repository:{repository}:{actions}"


def open_registry(registry: str, settings: RegistrySettings,
                  scopes: set[str] | None = None) -> RegistryClient:
    """A pinged client for a registry, with the stored login for it."""
    credentials = credentials_for(registry, settings)
    return connect(api_host(registry), settings, credentials, scopes or set())


def open_for_push(ref: Reference, settings: RegistrySettings) -> RegistryClient:
    return open_registry(ref.registry, settings, {scope(ref.repository, "pull,push")})


def mirrors(ref: Reference, settings: RegistrySettings) -> Iterator[RegistryClient]:
    """Pinged clients of the configured mirrors (Docker Hub images only); a mirror that
    cannot be reached is skipped, as Docker does."""
    if ref.registry != DOCKER_HUB:
        return
    for mirror in settings.mirrors:
        try:
            yield connect_url(mirror, settings, None, {scope(ref.repository, "pull")})
        except RegistryError:
            continue


def open_for_pull(ref: Reference, settings: RegistrySettings) -> RegistryClient:
    return open_registry(ref.registry, settings, {scope(ref.repository, "pull")})


def check_login(registry: str, settings: RegistrySettings, credentials: Credentials) -> None:
    """Prove the credentials before they are saved, as `docker login` does: Basic against
    `/v2/`, or a token from the realm (no scope needed)."""
    with connect(api_host(registry), settings, credentials, set()) as client:
        challenge = client.auth.challenge
        if challenge is None:
            return  # the registry asks for nothing
        if challenge.scheme == "bearer":
            client.auth.token(challenge, fresh=True)
            return
        response = client.request("GET", "/v2/", "logging in")
        if response.status_code != 200:
            raise AuthError(f"login to {registry} failed: {error_text(response)}")
