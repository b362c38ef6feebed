"""Taking images out of the store: `rmi`, `image prune`, and the disk usage they act on.

A blob lives while some image of index.json reaches it, a container needs it (its image's
manifest, config and layers, even after the image was removed by force, as Docker keeps
a container's layers) or the build cache names it (the cache is `dfc builder prune`'s to
reclaim, as Docker's image commands leave BuildKit's cache alone). This room cannot see
containers (they import images, not the other way): the caller says who uses what as
`ImageUser`s, by image ID.

Removal holds the store's gc lock, which running builds hold shared, so it never takes a
blob a build has written but not yet named in an image.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import msgspec

from dfc.cache.gc import cache_layers
from dfc.cache.oci import MEDIA_MANIFEST, Descriptor
from dfc.cache.store import ImageRecord, Store
from dfc.errors import DfcError
from dfc.reference import familiar, split_name, tag_name
from dfc.runtime.images.describe import layer_ids, read


class Removal(msgspec.Struct, frozen=True):
    """What one rmi or prune did, in Docker's order: names dropped, then IDs deleted
    (image ID, then the chain IDs of layers whose blobs went), and bytes freed."""

    untagged: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()
    reclaimed: int = 0


class ImageUser(msgspec.Struct, frozen=True):
    """A container that uses an image."""

    container: str
    """Its full ID."""
    running: bool
    manifest: str
    """The manifest digest of the image it was made from: all it reaches stays."""


Users = Mapping[str, Sequence[ImageUser]]
"""Containers by the image ID they use."""


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


def _kept(store: Store, users: Users) -> set[str]:
    """What must stay: blobs of the remaining images, of containers and of the build
    cache."""
    held = {u.manifest for using in users.values() for u in using}
    roots = [Descriptor(media_type=MEDIA_MANIFEST, digest=d, size=_blob_size(store, d))
             for d in sorted(held)]
    return store.referenced() | store.referenced(roots) | cache_layers(store)


def _short(image_id: str) -> str:
    return image_id.removeprefix("sha256:")[:12]


def _in_use(image_id: str, users: Users, force: bool) -> None:
    """Docker's conflicts of deleting an image by ID: a running container's image never
    goes; a stopped container's only with force."""
    using = users.get(image_id, ())
    running = [u for u in using if u.running]
    if running:
        raise DfcError(f"conflict: unable to delete {_short(image_id)} (cannot be forced) - "
                       f"image is being used by running container {_short(running[0].container)}")
    if using and not force:
        raise DfcError(f"conflict: unable to delete {_short(image_id)} (must be forced) - "
                       f"image is being used by stopped container {_short(using[0].container)}")


def _drop(store: Store, record: ImageRecord, users: Users) -> Removal:
    """Delete an image's entry and the blobs no other image reaches. A damaged image
    (blobs missing or unreadable) is still removed, named by what index.json knows."""
    try:
        layers = layer_ids(*read(store, record))
    except (DfcError, msgspec.DecodeError):
        layers = []
    mine = image_blobs(store, record)
    store.remove(record.manifest.digest)
    gone = mine - _kept(store, users)
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


def remove_image(store: Store, ref: str, *, force: bool = False, users: Users | None = None
                 ) -> Removal:
    """`docker rmi REF`: a name is untagged, and the image deleted with its last name; an
    ID deletes the image, refused (unless forced) while it has names in several
    repositories, as Docker refuses. An image a container uses keeps its last name
    unless forced; forced, it loses the name and stays while a running container uses
    it (Docker's quiet conflict), or goes while only stopped ones do."""
    users = users or {}
    record = store.resolve(ref)
    image_id = record.config or record.manifest.digest
    using = users.get(image_id, ())
    name = _tag_of(ref, record)
    if name is not None:
        if using and not force and len(record.names) == 1:
            raise DfcError(f'conflict: unable to remove repository reference "{ref}" (must '
                           f"force) - container {_short(using[0].container)} is using its "
                           f"referenced image {_short(image_id)}")
        store.untag(name)
        if len(record.names) > 1:
            return Removal(untagged=(familiar(name),))
        if any(u.running for u in using):
            store.add(record.manifest)  # nameless now, and kept while it runs
            return Removal(untagged=(familiar(name),))
        return msgspec.structs.replace(_drop(store, record, users),
                                       untagged=(familiar(name),))
    repos = {split_name(n)[0] for n in record.names}
    if len(repos) > 1 and not force:
        raise DfcError(f"conflict: unable to delete {_short(image_id)} (must be forced) - "
                       "image is referenced in multiple repositories")
    _in_use(image_id, users, force)
    for tag in record.names:
        store.untag(tag)
    removal = _drop(store, record, users)
    return msgspec.structs.replace(removal, untagged=tuple(familiar(n) for n in record.names))


def remove_images(store: Store, refs: Sequence[str], *, force: bool = False,
                  users: Users | None = None) -> tuple[list[Removal], list[str]]:
    """rmi of several images: every one is tried; errors are collected, as Docker does."""
    done: list[Removal] = []
    errors: list[str] = []
    with store.gc_lock():
        for ref in refs:
            try:
                done.append(remove_image(store, ref, force=force, users=users))
            except DfcError as exc:
                errors.append(exc.message)
    return done, errors


def prune_images(store: Store, *, everything: bool = False, users: Users | None = None
                 ) -> Removal:
    """`docker image prune [-a]`: dangling images (every image with -a) no container
    uses, then every blob no remaining image or container reaches."""
    with store.gc_lock():
        return _prune(store, everything, users or {})


def _prune(store: Store, everything: bool, users: Users) -> Removal:
    untagged: list[str] = []
    deleted: list[str] = []
    reclaimed = 0
    for record in store.images():
        if (record.names and not everything) or users.get(record.config or ""):
            continue
        for name in record.names:
            store.untag(name)
            untagged.append(familiar(name))
        removal = _drop(store, record, users)
        deleted += removal.deleted
        reclaimed += removal.reclaimed
    keep = _kept(store, users)
    reclaimed += sum(store.remove_blob(d) for d in store.blobs() if d not in keep)
    return Removal(untagged=tuple(untagged), deleted=tuple(deleted), reclaimed=reclaimed)
