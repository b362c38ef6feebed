"""Manifest facts shared by pull, push and manifest lists: digests, media types, and
choosing a platform's entry in a list."""

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
    Platform,
    encode,
)
from dfc.errors import DfcError
from dfc.runtime.images.config import host_platform
from dfc.runtime.registry.client import RegistryError


class _MediaType(msgspec.Struct, frozen=True, rename="camel"):
    media_type: str | None = None
    schema_version: int | None = None


def parse_platform(text: str | None) -> Platform:
    """`linux/arm64/v8` -> Platform; none means this machine."""
    if not text:
        return host_platform()
    parts = text.split("/")
    if len(parts) not in (2, 3) or not all(parts):
        raise DfcError(f"invalid platform {text!r} (expected os/arch[/variant])")
    return Platform(os=parts[0], architecture=parts[1],
                    variant=parts[2] if len(parts) == 3 else None)


def platform_text(p: Platform) -> str:
    return "/".join(x for x in (p.os, p.architecture, p.variant) if x)


def choose(index: Index, wanted: Platform) -> Descriptor:
    """The entry for `wanted`: same os and architecture, and the same variant when both
    name one (an exact variant match first)."""
    fits = [d for d in index.manifests if d.platform is not None
            and d.platform.os == wanted.os and d.platform.architecture == wanted.architecture
            and (not d.platform.variant or not wanted.variant
                 or d.platform.variant == wanted.variant)]
    fits.sort(key=lambda d: d.platform is None or d.platform.variant != wanted.variant)
    if not fits:
        raise RegistryError(f"no matching manifest for {platform_text(wanted)} in the "
                            "manifest list entries")
    return fits[0]


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
