"""Taking images out of the store: `rmi`, `image prune`, and the disk usage they act on.

A blob lives while some image of index.json reaches it. Layers that only the build cache
names (intermediate stages) are garbage too: image prune reclaims them, and the cache
index then answers a miss for them (it checks that blobs exist), never a broken image.
dfc runs no containers, so, in Docker's terms, no image is ever in use: `prune -a`
removes every image, and `system df` shows nothing active.

Blobs written in the last `GRACE_SECONDS` are spared by prune: a build that is running
has written them and will name them in an image when it finishes.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

import msgspec

from dfc.cache.oci import INDEX_TYPES, MANIFEST_TYPES, Index, Manifest
from dfc.cache.store import ImageRecord, Store, normalize_ref
from dfc.errors import DfcError
from dfc.runtime.images import all_images, familiar, layer_ids, read, split_name

GRACE_SECONDS = 600


class Removal(msgspec.Struct, frozen=True):
    """What one rmi or prune did, in Docker's order: names dropped, then IDs deleted
    (image ID, then the chain IDs of layers whose blobs went), and bytes freed."""

    untagged: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()
    reclaimed: int = 0


class Usage(msgspec.Struct, frozen=True):
    """One `system df` row; sizes are bytes on disk, shared blobs counted once."""

    kind: str
    total: int
    active: int
    size: int
    reclaimable: int


def image_blobs(store: Store, record: ImageRecord) -> set[str]:
    """Every blob one index.json entry reaches: manifests, indexes, configs, layers."""
    found: set[str] = set()
    todo = [record.manifest]
    while todo:
        d = todo.pop()
        found.add(d.digest)
        if not store.has_blob(d.digest):
            continue
        if d.media_type in MANIFEST_TYPES:
            m = store.read_json(d.digest, Manifest)
            found.update(x.digest for x in (m.config, *m.layers))
        elif d.media_type in INDEX_TYPES:
            todo += store.read_json(d.digest, Index).manifests
    return found


def _reachable(store: Store, records: Iterable[ImageRecord]) -> set[str]:
    out: set[str] = set()
    for r in records:
        out |= image_blobs(store, r)
    return out


def _all_blobs(store: Store) -> list[str]:
    return ["sha256:" + p.name for p in (store.root / "blobs" / "sha256").iterdir()]


def _blob_size(store: Store, digest: str) -> int:
    try:
        return store.blob_path(digest).stat().st_size
    except FileNotFoundError:
        return 0


def _delete(store: Store, digests: Iterable[str]) -> int:
    """Unlink blobs; returns the bytes freed."""
    freed = 0
    for digest in digests:
        path = store.blob_path(digest)
        try:
            freed += path.stat().st_size
            path.unlink()
        except FileNotFoundError:
            continue
    return freed


def _drop(store: Store, record: ImageRecord) -> Removal:
    """Delete an image's entry and the blobs no other image reaches. A damaged image
    (blobs missing or unreadable) is still removed, named by what index.json knows."""
    try:
        layers = layer_ids(*read(store, record))
    except (DfcError, msgspec.DecodeError):
        layers = []
    mine = image_blobs(store, record)
    store.remove(record.manifest.digest)
    gone = mine - _reachable(store, store.images())
    deleted = [record.config or record.manifest.digest]
    deleted += [chain for layer, chain in layers if layer.digest in gone]
    return Removal(deleted=tuple(deleted), reclaimed=_delete(store, gone))


def _orphans(store: Store, keep: set[str]) -> set[str]:
    """Blobs no image reaches and not written in the grace period."""
    limit = time.time() - GRACE_SECONDS
    return {d for d in _all_blobs(store)
            if d not in keep and store.blob_path(d).stat().st_mtime < limit}


def _tag_of(ref: str, record: ImageRecord) -> str | None:
    """The full name `ref` spells, when it is one of the image's names (not an ID, a
    digest or `name@digest`)."""
    try:
        full = normalize_ref(ref, allow_digest=False)
    except DfcError:
        return None
    return full if full in record.names else None


def remove_image(store: Store, ref: str, *, force: bool = False) -> Removal:
    """`docker rmi REF`: a name is untagged, and the image deleted with its last name; an
    ID deletes the image, refused (unless forced) while it has names in several
    repositories, as Docker refuses."""
    record = store.resolve(ref)
    name = _tag_of(ref, record)
    if name is not None:
        store.untag(name)
        if len(record.names) > 1:
            return Removal(untagged=(familiar(name),))
        return msgspec.structs.replace(_drop(store, record), untagged=(familiar(name),))
    repos = {split_name(n)[0] for n in record.names}
    if len(repos) > 1 and not force:
        short = (record.config or record.manifest.digest).removeprefix("sha256:")[:12]
        raise DfcError(f"conflict: unable to delete {short} (must be forced) - image is "
                       "referenced in multiple repositories")
    for tag in record.names:
        store.untag(tag)
    removal = _drop(store, record)
    return msgspec.structs.replace(removal, untagged=tuple(familiar(n) for n in record.names))


def remove_images(store: Store, refs: Sequence[str], *, force: bool = False
                  ) -> tuple[list[Removal], list[str]]:
    """rmi of several images: every one is tried; errors are collected, as Docker does."""
    done: list[Removal] = []
    errors: list[str] = []
    for ref in refs:
        try:
            done.append(remove_image(store, ref, force=force))
        except DfcError as exc:
            errors.append(exc.message)
    return done, errors


def prune_images(store: Store, *, everything: bool = False) -> Removal:
    """`docker image prune [-a]`: dangling images (every image with -a), then every
    blob no remaining image reaches."""
    untagged: list[str] = []
    deleted: list[str] = []
    reclaimed = 0
    for record in store.images():
        if record.names and not everything:
            continue
        for name in record.names:
            store.untag(name)
            untagged.append(familiar(name))
        removal = _drop(store, record)
        deleted += removal.deleted
        reclaimed += removal.reclaimed
    reclaimed += _delete(store, _orphans(store, _reachable(store, store.images())))
    return Removal(untagged=tuple(untagged), deleted=tuple(deleted), reclaimed=reclaimed)


def disk_usage(store: Store) -> list[Usage]:
    """`docker system df` rows: images (their blobs, shared ones once) and the build
    cache (blobs no image reaches: layers of intermediate stages, leftovers)."""
    images = all_images(store)
    reached = _reachable(store, (i.record for i in images))
    image_bytes = sum(_blob_size(store, d) for d in reached)
    loose = [d for d in _all_blobs(store) if d not in reached]
    loose_bytes = sum(_blob_size(store, d) for d in loose)
    return [
        Usage("Images", len(images), 0, image_bytes, image_bytes),
        Usage("Build Cache", len(loose), 0, loose_bytes, loose_bytes),
    ]
