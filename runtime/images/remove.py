"""Taking images out of the store: `rmi`, `image prune`, and the disk usage they act on.

A blob lives while some image of index.json reaches it or the build cache names it (the
cache is `dfc builder prune`'s to reclaim, as Docker's image commands leave BuildKit's
cache alone). dfc runs no containers, so, in Docker's terms, no image is ever in use:
`prune -a` removes every image, and `system df` shows nothing active.

Removal holds the store's gc lock, which running builds hold shared, so it never takes a
blob a build has written but not yet named in an image.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from dfc.cache.gc import cache_layers
from dfc.cache.store import ImageRecord, Store
from dfc.errors import DfcError
from dfc.reference import familiar, split_name, tag_name
from dfc.runtime.images.describe import all_images, layer_ids, read


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
    return store.referenced([record.manifest])


def _blob_size(store: Store, digest: str) -> int:
    try:
        return store.blob_path(digest).stat().st_size
    except FileNotFoundError:
        return 0


def _kept(store: Store) -> set[str]:
    """What must stay: blobs of the remaining images and of the build cache."""
    return store.referenced() | cache_layers(store)


def _drop(store: Store, record: ImageRecord) -> Removal:
    """Delete an image's entry and the blobs no other image reaches. A damaged image
    (blobs missing or unreadable) is still removed, named by what index.json knows."""
    try:
        layers = layer_ids(*read(store, record))
    except (DfcError, msgspec.DecodeError):
        layers = []
    mine = image_blobs(store, record)
    store.remove(record.manifest.digest)
    gone = mine - _kept(store)
    deleted = [record.config or record.manifest.digest]
    deleted += [chain for layer, chain in layers if layer.digest in gone]
    return Removal(deleted=tuple(deleted),
                   reclaimed=sum(store.remove_blob(d) for d in sorted(gone)))


def _tag_of(ref: str, record: ImageRecord) -> str | None:
    """The full name `ref` spells, when it is one of the image's names (not an ID, a
    digest or `name@digest`)."""
    try:
        full = tag_name(ref)
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
    with store.gc_lock():
        for ref in refs:
            try:
                done.append(remove_image(store, ref, force=force))
            except DfcError as exc:
                errors.append(exc.message)
    return done, errors


def prune_images(store: Store, *, everything: bool = False) -> Removal:
    """`docker image prune [-a]`: dangling images (every image with -a), then every
    blob no remaining image reaches."""
    with store.gc_lock():
        return _prune(store, everything)


def _prune(store: Store, everything: bool) -> Removal:
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
    keep = _kept(store)
    reclaimed += sum(store.remove_blob(d) for d in store.blobs() if d not in keep)
    return Removal(untagged=tuple(untagged), deleted=tuple(deleted), reclaimed=reclaimed)


def disk_usage(store: Store) -> list[Usage]:
    """`docker system df` rows: images (their blobs, shared ones once) and the build
    cache (blobs no image reaches: layers of intermediate stages, leftovers)."""
    images = all_images(store)
    reached = store.referenced()
    image_bytes = sum(_blob_size(store, d) for d in reached)
    loose = [d for d in store.blobs() if d not in reached]
    loose_bytes = sum(_blob_size(store, d) for d in loose)
    return [
        Usage("Images", len(images), 0, image_bytes, image_bytes),
        Usage("Build Cache", len(loose), 0, loose_bytes, loose_bytes),
    ]
