"""Garbage collection of the build cache (`dfc builder prune`).

What can go: cache records (by default only those whose layer no image uses; with
`all_records` every one), then every blob neither an image nor a remaining record needs,
the unpacked snapshots no image or container uses, plans and temporary files (all
rebuilt on demand), and the `RUN --mount=type=cache` folders (as BuildKit's prune drops
cache mounts). The unpacked layers of images stay, as Docker's image store keeps them: the
next build on a base need not unpack it again, and a container's lower dirs never vanish
under it. The store lock is held throughout, so no tag or blob write races the sweep.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Sequence
from pathlib import Path

import msgspec

from dfc.cache.index import Result
from dfc.cache.oci import MANIFEST_TYPES, MEDIA_MANIFEST, Descriptor, Manifest, chain_ids
from dfc.cache.store import Store

REBUILDABLE = ("plans", "explain", "tmp", "ingest", "cachemounts", "downloads")


class _RootFS(msgspec.Struct, frozen=True):
    diff_ids: tuple[str, ...] = ()


class _LayersOfConfig(msgspec.Struct, frozen=True):
    """The part of an image config that names its unpacked layers."""

    rootfs: _RootFS = _RootFS()


SIZE_PREFIX = "size-"
"""keys/ files that note a layer's unpacked size (runtime/images/describe.py), not records."""



class CacheUsage(msgspec.Struct, frozen=True):
    """What the build cache takes: `system df`'s row, `builder du`'s summary. Its
    `reclaimable` is what `builder prune` (without --all) frees: the two agree."""

    records: int
    size: int
    reclaimable: int
    items: tuple[CacheItem, ...]


class CacheItem(msgspec.Struct, frozen=True):
    """One `builder du` row: a cache record with its layer, or a folder of rebuildable
    state (unpacked snapshots, downloads, ...)."""

    id: str
    size: int
    reclaimable: bool
    last_used: float


def usage(store: Store, in_use: Sequence[str] = ()) -> CacheUsage:
    """The build cache as `builder prune` sees it: every blob no image needs (layers of
    records and leftovers), the snapshots no image or container uses, and the folders it
    empties (plans only with --all). `in_use` as for `prune`."""
    roots = [*store.index().manifests, *_manifests(store, in_use)]
    in_images = store.referenced(roots)
    items: list[CacheItem] = []
    counted: set[str] = set()
    records = 0
    for path, result, used in _records(store):
        if path.name.startswith(SIZE_PREFIX):
            continue
        records += 1
        layer = result.layer.digest if result.layer is not None else None
        size = 0
        if layer is not None and layer not in counted and store.has_blob(layer):
            counted.add(layer)
            size = _blob_bytes(store, layer) if layer not in in_images else 0
        items.append(CacheItem(path.name[:25], size, layer not in in_images, used))
    loose = sum(_blob_bytes(store, d) for d in store.blobs()
                if d not in in_images and d not in counted)
    if loose:
        items.append(CacheItem("blobs (unreferenced)", loose, True, time.time()))
    for name in REBUILDABLE:
        folder = store.root / name
        if folder.exists():
            items.append(CacheItem(f"{name}/", _tree_size(folder), name != "plans",
                                   folder.stat().st_mtime))
    snapshots = store.root / "snapshots"
    if snapshots.is_dir():
        keep = image_snapshots(store, roots)
        loose_snapshots = [p for p in snapshots.iterdir() if p.name not in keep]
        if loose_snapshots:
            items.append(CacheItem("snapshots/ (no image)", sum(map(_tree_size, loose_snapshots)),
                                   True, snapshots.stat().st_mtime))
    size = sum(item.size for item in items)
    reclaimable = sum(item.size for item in items if item.reclaimable)
    return CacheUsage(records, size, reclaimable, tuple(items))


def _blob_bytes(store: Store, digest: str) -> int:
    try:
        return store.blob_path(digest).stat().st_size
    except FileNotFoundError:
        return 0


class PruneReport(msgspec.Struct, frozen=True):
    records: tuple[str, ...]
    reclaimed: int


def prune(store: Store, *, all_records: bool = False, until: float | None = None,
          keep_storage: int | None = None, in_use: Sequence[str] = ()) -> PruneReport:
    """Prune the build cache. `until`: only records unused for that many seconds;
    `keep_storage`: drop least recently used records until the cache fits in it;
    `in_use`: manifest digests containers run from (kept even when no name is left)."""
    with store.gc_lock(), store.lock():
        roots = [*store.index().manifests, *_manifests(store, in_use)]
        in_images = store.referenced(roots)
        records = _records(store)
        doomed = _choose(records, in_images, all_records, until, keep_storage, store)
        for path, _, _ in doomed:
            path.unlink(missing_ok=True)
        kept = {r.layer.digest for path, r, _ in records
                if path.exists() and r.layer is not None}
        reclaimed = sum(store.remove_blob(d) for d in store.blobs()
                        if d not in in_images and d not in kept)
        reclaimed += sum(_remove_tree(store.root / name) for name in REBUILDABLE
                         if all_records or name != "plans")
        reclaimed += _prune_snapshots(store.root / "snapshots", image_snapshots(store, roots))
        (store.root / "ingest").mkdir(exist_ok=True)
        stats = store.root / "statcache"  # a folder of per-context maps (a file before)
        if stats.is_dir():
            shutil.rmtree(stats, ignore_errors=True)
        else:
            stats.unlink(missing_ok=True)
    return PruneReport(tuple(path.name for path, _, _ in doomed), reclaimed)


def _manifests(store: Store, digests: Sequence[str]) -> list[Descriptor]:
    return [Descriptor(media_type=MEDIA_MANIFEST, digest=d, size=store.blob_path(d).stat().st_size)
            for d in dict.fromkeys(digests) if store.has_blob(d)]


def image_snapshots(store: Store, roots: Sequence[Descriptor] | None = None) -> set[str]:
    """The snapshot folder names (chain ids) of every image reachable from `roots`."""
    keep: set[str] = set()
    for d in store.walk(roots):
        if d.media_type not in MANIFEST_TYPES or not store.has_blob(d.digest):
            continue
        try:
            config = store.read_json(store.read_json(d.digest, Manifest).config.digest,
                                     _LayersOfConfig)
        except (OSError, msgspec.DecodeError):
            continue  # a missing or corrupt config: `system check` reports it
        keep.update(c.removeprefix("sha256:") for c in chain_ids(config.rootfs.diff_ids))
    return keep


def _prune_snapshots(folder: Path, keep: set[str]) -> int:
    if not folder.is_dir():
        return 0
    return sum(_remove_tree(path) for path in folder.iterdir() if path.name not in keep)


def cache_layers(store: Store) -> set[str]:
    """The layer blobs the build cache names: `rmi` and `image prune` leave them to
    `builder prune`, as Docker leaves BuildKit's cache alone."""
    return {r.layer.digest for _, r, _ in _records(store) if r.layer is not None}


def _records(store: Store) -> list[tuple[Path, Result, float]]:
    found = []
    for path in store.keys():
        try:
            result = msgspec.json.decode(path.read_bytes(), type=Result)
        except (OSError, msgspec.DecodeError):
            result = Result()
        found.append((path, result, path.stat().st_mtime))
    return found


def _choose(records: list[tuple[Path, Result, float]], in_images: set[str], all_records: bool,
            until: float | None, keep_storage: int | None, store: Store
            ) -> list[tuple[Path, Result, float]]:
    """The records to delete: the candidates (unused by images unless `all_records`, and
    idle for `until` seconds), all of them, or with `keep_storage` the least recently
    used ones until the cache fits."""
    now = time.time()
    candidates = [rec for rec in records
                  if (all_records or rec[1].layer is None
                      or rec[1].layer.digest not in in_images)
                  and (until is None or now - rec[2] >= until)]
    if keep_storage is None:
        return candidates
    size = sum(_layer_size(rec[1], store) for rec in records)
    doomed = []
    for rec in sorted(candidates, key=lambda rec: rec[2]):
        if size <= keep_storage:
            break
        doomed.append(rec)
        size -= _layer_size(rec[1], store)
    return doomed


def _layer_size(result: Result, store: Store) -> int:
    return result.layer.size if result.layer is not None and store.has_blob(
        result.layer.digest) else 0


def _remove_tree(path: Path) -> int:
    if not path.exists():
        return 0
    size = _tree_size(path)
    shutil.rmtree(path, ignore_errors=True)
    return size


def _tree_size(path: Path) -> int:
    """The bytes of the regular files under `path` (what removing it frees)."""
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())
