"""`dfc search`: Docker Hub's search API where a registry has one (`/v1/search`), else the
registry's own listing: `_catalog` filtered by the term, with each repository's tags.

A plain distribution registry knows no descriptions or stars; the tags list stands in
for the description, so the result says what can be pulled.
"""

from __future__ import annotations

import msgspec

from dfc.reference import DOCKER_HUB
from dfc.runtime.registry.client import RegistryClient
from dfc.runtime.registry.config import RegistrySettings
from dfc.runtime.registry.connect import open_registry

CATALOG_SCOPE = "registry:catalog:*"


class SearchResult(msgspec.Struct, frozen=True):
    """One row, with Docker's field names (`{{.StarCount}}` in templates)."""

    name: str
    description: str = ""
    star_count: int = 0
    is_official: bool = False
    is_automated: bool = False


class _V1Results(msgspec.Struct, frozen=True):
    results: tuple[SearchResult, ...] = ()


def search(registry: str, term: str, limit: int, settings: RegistrySettings
           ) -> list[SearchResult]:
    with open_registry(registry, settings, {CATALOG_SCOPE}) as client:
        found = _v1_search(client, term, limit)
        if found is None:
            found = _catalog_search(client, term, limit)
    if registry != DOCKER_HUB:
        found = [msgspec.structs.replace(r, name=f"{registry}/{r.name}")
                 if not r.name.startswith(registry + "/") else r for r in found]
    return found[:limit]


def _v1_search(client: RegistryClient, term: str, limit: int) -> list[SearchResult] | None:
    """Docker Hub's API; None when the registry does not have it."""
    response = client.request("GET", "/v1/search", "searching",
                              params={"q": term, "n": str(limit)})
    if response.status_code != 200:
        return None
    try:
        return list(msgspec.json.decode(response.content, type=_V1Results).results)
    except msgspec.DecodeError:
        return None


def _catalog_search(client: RegistryClient, term: str, limit: int) -> list[SearchResult]:
    needle = term.lower()
    names = sorted(n for n in client.catalog() if needle in n.lower())[:limit]
    rows = []
    for name in names:
        tags = sorted(client.tags(name))
        rows.append(SearchResult(name=name, description=f"tags: {', '.join(tags)}"
                                 if tags else "no tags"))
    return rows
