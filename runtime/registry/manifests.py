"""Manifest facts shared by pull, push and manifest lists: digests, media types, and
choosing a platform's entry in a list (by dfc.platform's matcher)."""

from __future__ import annotations

import hashlib

import msgspec

from dfc.cache.oci import (
    MEDIA_DOCKER_MANIFEST,
    MEDIA_LAYER,
    MEDIA_LAYER_GZIP,
    Descriptor,
    Index,
    Manifest,
    encode,
)
from dfc.errors import DfcError
from dfc.platform import Platform, best_match
from dfc.runtime.registry.client import RegistryError


class _MediaType(msgspec.Struct, frozen=True, rename="camel"):
    media_type: str | None = None
    schema_version: int | None = None


def choose(index: Index, wanted: Platform) -> Descriptor:
    """The entry that runs best on `wanted`: containerd's order of preference, the list's
    own order among equals."""
    best = best_match(wanted, [d.platform for d in index.manifests])
    if best is None:
        raise RegistryError(f"no matching manifest for {wanted} in the "
                            "manifest list entries")
    return index.manifests[best]


def media_type_of(data: bytes, header: str) -> str:
    """The manifest's own `mediaType` wins over the Content-Type header."""
    try:
        declared = msgspec.json.decode(data, type=_MediaType)
    except msgspec.DecodeError:
        raise RegistryError("the registry sent a manifest that is not JSON") from None
    if declared.schema_version == 1:
        raise RegistryError("schema 1 manifests are not supported: push the image again "
                            "with a current client")
    return declared.media_type or header


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER_TYPES = {MEDIA_LAYER_GZIP: "application/vnd.docker.image.rootfs.diff.tar.gzip",
                      MEDIA_LAYER: "application/vnd.docker.image.rootfs.diff.tar"}


def to_docker(manifest: Manifest) -> bytes:
    """The same image as a Docker schema 2 manifest (what `docker push` writes): same
    blobs, Docker media types. Docker 20.10's `manifest inspect` reads only these."""
    if manifest.media_type == MEDIA_DOCKER_MANIFEST:
        return encode(manifest)
    layers = []
    for layer in manifest.layers:
        if layer.media_type not in DOCKER_LAYER_TYPES:
            raise DfcError(f"layer type {layer.media_type} has no Docker equivalent: "
                           "use an OCI index (--oci)")
        layers.append(msgspec.structs.replace(layer,
                                              media_type=DOCKER_LAYER_TYPES[layer.media_type]))
    config = msgspec.structs.replace(manifest.config, media_type=DOCKER_CONFIG)
    return encode(Manifest(config=config, layers=tuple(layers),
                           media_type=MEDIA_DOCKER_MANIFEST))
