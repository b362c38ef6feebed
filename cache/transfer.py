"""Build cache export and import through a folder (`--cache-to/--cache-from type=local`).

The folder is an OCI image layout, so it can be copied to another machine, checked with
OCI tools, or later pushed to a registry as an artifact: one manifest (tagged
`dfc-cache`) whose config blob maps cache keys to results and whose layers are the layer
blobs those results name. Import is lazy: a key found in an imported folder has its
layer copied (and verified) into the store only when a build actually needs it.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

import msgspec

from dfc.cache import index
from dfc.cache.fields import key_values
from dfc.cache.oci import MEDIA_MANIFEST, Descriptor, Manifest
from dfc.cache.store import ImageNotFound, Store
from dfc.errors import DfcError

MEDIA_CACHE_CONFIG = "application/vnd.dfc.cache.config.v1+json"
CACHE_REF = "dfc-cache"


class CacheConfig(msgspec.Struct, frozen=True):
    records: dict[str, index.Result]


def copy_blob(source: Store, target: Store, digest: str) -> None:
    """Copy one blob between stores, verified against its digest on the way in."""
    if target.has_blob(digest):
        return
    with source.open_blob(digest) as src, target.writer(expected=digest) as out:
        shutil.copyfileobj(src, out)


def cache_manifest(target: Store, records: Mapping[str, index.Result]) -> Descriptor:
    """Write the cache config (key -> result) and the manifest naming it and the layers
    into `target`; the layer blobs themselves are the caller's to place."""
    layers = {r.layer.digest: r.layer for r in records.values() if r.layer is not None}
    config = target.put_json(CacheConfig(dict(sorted(records.items()))), MEDIA_CACHE_CONFIG)
    return target.put_json(Manifest(config=config, layers=tuple(layers.values())),
                           MEDIA_MANIFEST)


def export_cache(store: Store, records: Mapping[str, index.Result], dest: Path) -> None:
    """Write `records` and their layers to the layout at `dest` (replacing its cache tag)."""
    folder = Store(dest)
    for result in records.values():
        if result.layer is not None:
            copy_blob(store, folder, result.layer.digest)
    folder.tag(CACHE_REF, cache_manifest(folder, records))
    for leftover in ("ingest", "keys"):
        path = dest / leftover
        if path.is_dir() and not any(path.iterdir()):
            path.rmdir()


class CacheSource(Protocol):
    """Where imported cache records come from, and how a hit's layer is brought in."""

    @property
    def records(self) -> Mapping[str, index.Result]: ...  # read-only: any mapping will do

    def fetch_layer(self, store: Store, layer: Descriptor) -> None:
        """Put `layer` into `store`, verified against its digest."""


class FolderCache:
    """A folder written by `--cache-to type=local`."""

    def __init__(self, src: Path):
        if not (src / "index.json").exists():
            raise DfcError(f"--cache-from: {src} is not a dfc cache folder (no index.json)")
        self.folder = Store(src)
        try:
            record = self.folder.resolve(CACHE_REF)
        except ImageNotFound:
            raise DfcError(f"--cache-from: {src} holds no dfc cache") from None
        manifest = self.folder.read_json(record.manifest.digest, Manifest)
        self.records = self.folder.read_json(manifest.config.digest, CacheConfig).records

    def fetch_layer(self, store: Store, layer: Descriptor) -> None:
        copy_blob(self.folder, store, layer.digest)


def read_records(data: bytes) -> dict[str, index.Result]:
    """The records of a cache config blob."""
    return msgspec.json.decode(data, type=CacheConfig).records


class ImportedCache:
    """The records of `--cache-from` sources, consulted when the store has no answer."""

    def __init__(self, sources: Sequence[CacheSource]):
        self.sources = list(sources)

    def lookup(self, store: Store, key: str) -> index.Result | None:
        """The imported result of `key`, its layer now in `store`; None if unknown."""
        for source in self.sources:
            result = source.records.get(key)
            if result is None:
                continue
            if result.layer is not None and not store.has_blob(result.layer.digest):
                source.fetch_layer(store, result.layer)
            index.record(store, key, result)
            return result
        return None


class CacheSpec(msgspec.Struct, frozen=True):
    """One `--cache-from`/`--cache-to` value: its type, its place (a folder for local, a
    reference for registry, nothing for inline) and, for export, the mode."""

    type: str
    where: str = ""
    mode: str = "min"


def parse_cache_option(value: str, flag: str) -> CacheSpec:
    """`type=local,dest=DIR,mode=max`, `type=registry,ref=REPO:TAG`, `type=inline`,
    checked; a bare value is a registry reference, as buildx reads it.

    >>> parse_cache_option("type=local,src=/c", "--cache-from")
    CacheSpec(type='local', where='/c', mode='min')
    >>> parse_cache_option("user/app:cache", "--cache-from")
    CacheSpec(type='registry', where='user/app:cache', mode='min')
    >>> parse_cache_option("type=registry,ref=r/c:1,mode=max", "--cache-to")
    CacheSpec(type='registry', where='r/c:1', mode='max')
    """
    if "=" not in value:
        return CacheSpec("registry", value)
    fields = key_values(value, flag)
    kind = fields.get("type", "local")
    kinds = ("local", "registry", "inline") if flag == "--cache-to" else ("local", "registry")
    if kind not in kinds:
        raise DfcError(f"{flag}: type={kind} is not supported (supported: "
                       f"{', '.join('type=' + k for k in kinds)})")
    need = {"local": "dest" if flag == "--cache-to" else "src", "registry": "ref"}.get(kind)
    if need is not None and not fields.get(need):
        raise DfcError(f"{flag}: {need}= is required for type={kind}")
    mode = fields.get("mode", "min")
    if mode not in ("min", "max"):
        raise DfcError(f"{flag}: mode must be min or max, not {mode!r}")
    return CacheSpec(kind, fields.get(need, "") if need else "", mode)
