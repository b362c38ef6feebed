"""The build cache through a registry: `--cache-to/--cache-from type=registry,ref=...` and
`--cache-to type=inline`.

A registry cache is the same artifact `--cache-to type=local` writes (cache/transfer.py):
an OCI manifest whose config blob maps cache keys to results and whose layers are the
layer blobs, pushed like an image, so HEAD-before-push and cross-repository mounts apply.
An inline cache is the same map inside the image's own config (`dfc.cache.v1`), so an
image pushed with it is its own cache. Importing fetches the manifest and the map once,
and a layer only when its key hits.
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from dfc.cache import index
from dfc.cache.oci import Descriptor, Manifest
from dfc.cache.store import Store
from dfc.cache.transfer import MEDIA_CACHE_CONFIG, cache_manifest, read_records
from dfc.errors import DfcError
from dfc.platform import host_platform
from dfc.reference import DEFAULT_TAG, parse_reference
from dfc.runtime.images.config import ImageConfig
from dfc.runtime.registry.config import RegistrySettings
from dfc.runtime.registry.connect import open_for_pull, open_for_push
from dfc.runtime.registry.events import Reporter, quiet
from dfc.runtime.registry.pull import fetch_blobs, fetch_manifest
from dfc.runtime.registry.push import Pusher


class RegistryCache:
    """A `--cache-from type=registry,ref=REF` source: a pushed cache or an image with an
    inline cache."""

    def __init__(self, ref: str, store: Store, settings: RegistrySettings, report: Reporter):
        self.ref = parse_reference(ref)
        self.settings = settings
        self.report = report
        with open_for_pull(self.ref, settings) as client:
            data, _, _ = fetch_manifest(client, self.ref, host_platform())
            manifest = msgspec.json.decode(data, type=Manifest)
            fetch_blobs(client, store, self.ref.repository, [manifest.config], quiet)
        with store.open_blob(manifest.config.digest) as blob:
            config = blob.read()
        if manifest.config.media_type == MEDIA_CACHE_CONFIG:
            self.records: Mapping[str, index.Result] = read_records(config)
        else:
            self.records = msgspec.json.decode(config, type=ImageConfig).cache or {}
        if not self.records:
            raise DfcError(f"--cache-from: {ref} holds no dfc cache")

    def fetch_layer(self, store: Store, layer: Descriptor) -> None:
        with open_for_pull(self.ref, self.settings) as client:
            fetch_blobs(client, store, self.ref.repository, [layer], self.report)


def push_cache(store: Store, records: Mapping[str, index.Result], ref: str,
               settings: RegistrySettings, report: Reporter) -> str:
    """Push `records` and their layers to `ref`; returns the manifest digest."""
    target = parse_reference(ref)
    manifest = cache_manifest(store, records)
    with open_for_push(target, settings) as client:
        digest, _ = Pusher(client, store, target, report).manifest(manifest,
                                                                   target.tag or DEFAULT_TAG)
    return digest
