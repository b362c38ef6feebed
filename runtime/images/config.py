"""The OCI image config (with Docker's extensions) and how an image is written.

The descriptor, manifest and index Structs and the media types are defined once, in
dfc.cache.oci (the store needs them); they are re-exported here so runtime code has one
place to import image types from. Config field names keep Docker's capitalised spelling,
which is what `docker inspect` and every runtime read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import msgspec

from dfc.cache.index import Result
from dfc.cache.oci import (
    MEDIA_CONFIG,
    MEDIA_INDEX,
    MEDIA_LAYER,
    MEDIA_LAYER_GZIP,
    MEDIA_MANIFEST,
    Descriptor,
    Index,
    Manifest,
    encode,
)
from dfc.cache.store import Store
from dfc.platform import Platform

__all__ = [
    "MEDIA_CONFIG", "MEDIA_INDEX", "MEDIA_LAYER", "MEDIA_LAYER_GZIP", "MEDIA_MANIFEST",
    "ContainerConfig", "Descriptor", "Empty", "Healthcheck", "History", "ImageConfig", "Index",
    "Manifest", "RootFS", "StoredImage", "encode", "rfc3339", "write_image",
]


class Empty(msgspec.Struct, frozen=True):
    """The `{}` value of ExposedPorts and Volumes entries."""


class Healthcheck(msgspec.Struct, frozen=True, omit_defaults=True, rename="pascal"):
    """Docker's HEALTHCHECK; durations in integer nanoseconds."""

    test: tuple[str, ...]
    interval: int | None = None
    timeout: int | None = None
    start_period: int | None = None
    start_interval: int | None = None
    retries: int | None = None


class ContainerConfig(msgspec.Struct, frozen=True, omit_defaults=True, rename="pascal"):
    """What a container of the image starts with. `None` means unset; `()` is an explicit
    empty list (an `ENTRYPOINT []` differs from no ENTRYPOINT)."""

    user: str | None = None
    exposed_ports: dict[str, Empty] | None = None
    env: tuple[str, ...] | None = None
    entrypoint: tuple[str, ...] | None = None
    cmd: tuple[str, ...] | None = None
    volumes: dict[str, Empty] | None = None
    working_dir: str | None = None
    labels: dict[str, str] | None = None
    stop_signal: str | None = None
    args_escaped: bool | None = None
    healthcheck: Healthcheck | None = None
    on_build: tuple[str, ...] | None = msgspec.field(default=None, name="OnBuild")
    shell: tuple[str, ...] | None = None
    # What `docker commit` copies from the container's own config (never set by a build):
    hostname: str | None = None
    domainname: str | None = None
    attach_stdin: bool | None = None
    attach_stdout: bool | None = None
    attach_stderr: bool | None = None
    tty: bool | None = None
    open_stdin: bool | None = None
    stdin_once: bool | None = None
    image: str | None = None


class RootFS(msgspec.Struct, frozen=True):
    """The uncompressed digests of the layers, bottom first."""

    diff_ids: tuple[str, ...] = ()
    type: str = "layers"


class History(msgspec.Struct, frozen=True, omit_defaults=True):
    """One build step; `empty_layer` steps (ENV, CMD...) have no layer."""

    created: str | None = None
    created_by: str | None = None
    author: str | None = None
    comment: str | None = None
    empty_layer: bool = False


class ImageConfig(msgspec.Struct, frozen=True, omit_defaults=True):
    """The config blob; its digest is the image ID."""

    architecture: str
    os: str
    rootfs: RootFS
    config: ContainerConfig = ContainerConfig()
    history: tuple[History, ...] = ()
    created: str | None = None
    author: str | None = None
    variant: str | None = None
    cache: dict[str, Result] | None = msgspec.field(default=None, name="dfc.cache.v1")
    """`--cache-to type=inline`: the cache records of this image's own layers, so the
    image is its own build cache wherever it is pushed (as BuildKit's inline cache)."""

    @property
    def platform(self) -> Platform:
        """What the image runs on, as its manifest's index entry says it."""
        return Platform(architecture=self.architecture, os=self.os, variant=self.variant)


def rfc3339(timestamp: float) -> str:
    """`created` fields: UTC, `Z` suffix, as Docker writes them."""
    return datetime.fromtimestamp(timestamp, UTC).isoformat().replace("+00:00", "Z")


class StoredImage(msgspec.Struct, frozen=True):
    """An image written to the store; `config.digest` is its image ID."""

    manifest: Descriptor
    config: Descriptor


def write_image(store: Store, config: ImageConfig, layers: Sequence[Descriptor],
                annotations: Mapping[str, str] | None = None) -> StoredImage:
    """Store the config and the manifest (with `annotations`, `--annotation`). The
    manifest descriptor carries the platform, so that index.json entries say what they
    run on."""
    if len(layers) != len(config.rootfs.diff_ids):
        raise ValueError("one diff_id per layer")
    config_desc = store.put_json(config, MEDIA_CONFIG)
    manifest = store.put_json(Manifest(config=config_desc, layers=tuple(layers),
                                       annotations=dict(annotations) if annotations else None),
                              MEDIA_MANIFEST)
    return StoredImage(manifest=msgspec.structs.replace(manifest, platform=config.platform),
                       config=config_desc)
