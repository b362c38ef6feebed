"""The OCI structs the content store reads and writes: descriptors, manifests, indexes.

They live in cache/ because the store resolves tags and walks manifests; runtime/images/config.py
adds the image config on top. Field names follow the OCI JSON spelling; `encode` gives the
one canonical byte form (sorted keys, no spaces) so equal objects hash equal.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import msgspec

from dfc.platform import Platform

OCI_LAYOUT_VERSION = "1.0.0"
MEDIA_INDEX = "application/vnd.oci.image.index.v1+json"
MEDIA_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MEDIA_CONFIG = "application/vnd.oci.image.config.v1+json"
MEDIA_LAYER = "application/vnd.oci.image.layer.v1.tar"
MEDIA_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
MEDIA_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd"
MEDIA_DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
MEDIA_DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
MANIFEST_TYPES = frozenset({MEDIA_MANIFEST, MEDIA_DOCKER_MANIFEST})
INDEX_TYPES = frozenset({MEDIA_INDEX, MEDIA_DOCKER_LIST})

ANNOTATION_REF_NAME = "org.opencontainers.image.ref.name"
ANNOTATION_CONTAINERD_NAME = "io.containerd.image.name"


class Descriptor(msgspec.Struct, frozen=True, omit_defaults=True, rename="camel"):
    """A typed, sized pointer to a blob."""

    media_type: str
    digest: str
    size: int
    platform: Platform | None = None
    annotations: dict[str, str] | None = None
    urls: tuple[str, ...] | None = None


def _always(value: object) -> Any:
    """A default that `omit_defaults` still writes out: schemaVersion and mediaType must be
    present in every manifest and index, while unset optional fields must be absent."""
    return msgspec.field(default_factory=lambda: value)


class Manifest(msgspec.Struct, frozen=True, omit_defaults=True, rename="camel"):
    """One image: its config blob and its layers, bottom first."""

    config: Descriptor
    layers: tuple[Descriptor, ...]
    schema_version: int = _always(2)
    media_type: str = _always(MEDIA_MANIFEST)
    annotations: dict[str, str] | None = None


class Index(msgspec.Struct, frozen=True, omit_defaults=True, rename="camel"):
    """A list of manifests: `index.json` of a layout, or a multi-platform image."""

    manifests: tuple[Descriptor, ...] = _always(())
    schema_version: int = _always(2)
    media_type: str = _always(MEDIA_INDEX)
    annotations: dict[str, str] | None = None


class ImageLayout(msgspec.Struct, frozen=True, omit_defaults=True, rename="camel"):
    """The `oci-layout` marker file."""

    image_layout_version: str = _always(OCI_LAYOUT_VERSION)


_ENCODER = msgspec.json.Encoder(order="sorted")


def encode(obj: object) -> bytes:
    """Canonical JSON: sorted keys, no whitespace. Hash these bytes, never re-encode."""
    return _ENCODER.encode(obj)


def chain_ids(diff_ids: Sequence[str]) -> list[str]:
    """ChainID(1) = diff_id(1); ChainID(n) = sha256(ChainID(n-1) + " " + diff_id(n))."""
    out: list[str] = []
    for diff_id in diff_ids:
        if out:
            diff_id = "sha256:" + hashlib.sha256(f"{out[-1]} {diff_id}".encode()).hexdigest()
        out.append(diff_id)
    return out
