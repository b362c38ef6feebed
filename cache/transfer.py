"""Build cache export and import through a folder (`--cache-to/--cache-from type=local`).

The folder is an OCI image layout, so it can be copied to another machine, checked with
OCI tools, or later pushed to a registry as an artifact: one manifest (tagged
`dfc-cache`) whose config blob maps cache keys to results and whose layers are the layer
blobs those results name. Import is lazy: a key found in an imported folder has its
layer copied (and verified) into the store only when a build actually needs it.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

import msgspec

from dfc.cache import index
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
        shutil.copyfileobj(src, out)  # type: ignore[misc]


def export_cache(store: Store, records: Mapping[str, index.Result], dest: Path) -> None:
    """Write `records` and their layers to the layout at `dest` (replacing its cache tag)."""
    folder = Store(dest)
    layers: dict[str, Descriptor] = {}
    for result in records.values():
        if result.layer is not None:
            copy_blob(store, folder, result.layer.digest)
            layers[result.layer.digest] = result.layer
    config = folder.put_json(CacheConfig(dict(sorted(records.items()))), MEDIA_CACHE_CONFIG)
    manifest = folder.put_json(Manifest(config=config, layers=tuple(layers.values())),
                               MEDIA_MANIFEST)
    folder.tag(CACHE_REF, manifest)
    for leftover in ("ingest", "keys"):
        path = dest / leftover
        if path.is_dir() and not any(path.iterdir()):
            path.rmdir()


class ImportedCache:
    """The records of `--cache-from` folders, consulted when the store has no answer."""

    def __init__(self, sources: list[Path]):
        self.sources: list[tuple[Store, CacheConfig]] = []
        for src in sources:
            if not (src / "index.json").exists():
                raise DfcError(f"--cache-from: {src} is not a dfc cache folder (no index.json)")
            folder = Store(src)
            try:
                record = folder.resolve(CACHE_REF)
            except ImageNotFound:
                raise DfcError(f"--cache-from: {src} holds no dfc cache") from None
            manifest = folder.read_json(record.manifest.digest, Manifest)
            self.sources.append((folder, folder.read_json(manifest.config.digest, CacheConfig)))

    def lookup(self, store: Store, key: str) -> index.Result | None:
        """The imported result of `key`, its layer now in `store`; None if unknown."""
        for folder, config in self.sources:
            result = config.records.get(key)
            if result is None:
                continue
            if result.layer is not None:
                copy_blob(folder, store, result.layer.digest)
            index.record(store, key, result)
            return result
        return None


def parse_cache_option(value: str, flag: str) -> dict[str, str]:
    """`type=local,dest=DIR,mode=max` -> a dict; only local folders are supported here.

    >>> parse_cache_option("type=local,src=/c", "--cache-from")
    {'type': 'local', 'src': '/c'}
    """
    fields: dict[str, str] = {}
    for part in value.split(","):
        key, sep, val = part.partition("=")
        if not sep:
            raise DfcError(f"{flag}: invalid value {part!r} (expected key=value)")
        fields[key.strip()] = val.strip()
    kind = fields.get("type", "local")
    if kind != "local":
        raise DfcError(f"{flag}: type={kind} is not supported (supported: type=local)")
    fields["type"] = kind
    need = "dest" if flag == "--cache-to" else "src"
    if not fields.get(need):
        raise DfcError(f"{flag}: {need}= is required for type=local")
    if fields.get("mode", "min") not in ("min", "max"):
        raise DfcError(f"{flag}: mode must be min or max, not {fields['mode']!r}")
    return fields

