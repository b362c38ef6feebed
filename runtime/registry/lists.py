"""`dfc manifest …`: multi-platform lists, made from images already in a registry.

As `docker manifest` does, a list is drafted locally, one entry per image with the
platform read from the image's config, then pushed: each child manifest (its blobs
mounted from the repository it came from) by digest into the list's repository, then the
list. Drafts live in `<store>/manifests/`, not in index.json: they point at layers the store
need not hold. Docker's manifest-list type by default, with OCI images turned into Docker
schema 2 manifests (same blobs) as `docker push` does, so Docker's own client reads every
entry; an OCI index, with the images as they are, on request.
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path

import msgspec

from dfc.cache.fsutil import atomic_write
from dfc.cache.oci import (
    INDEX_TYPES,
    MEDIA_DOCKER_LIST,
    MEDIA_DOCKER_MANIFEST,
    MEDIA_INDEX,
    Descriptor,
    Index,
    Manifest,
    encode,
)
from dfc.cache.store import Store
from dfc.errors import DfcError
from dfc.platform import KNOWN_ARCH, KNOWN_OS, Platform
from dfc.reference import DEFAULT_TAG, Reference, parse_reference
from dfc.runtime.images.config import ImageConfig
from dfc.runtime.registry.config import RegistrySettings
from dfc.runtime.registry.connect import open_for_pull, open_for_push
from dfc.runtime.registry.events import Message, Reporter, quiet
from dfc.runtime.registry.manifests import media_type_of, to_docker
from dfc.runtime.registry.pull import fetch_blobs
from dfc.runtime.registry.push import Pusher
from dfc.runtime.registry.sources import remember


class ListEntry(msgspec.Struct, frozen=True):
    """An image of the list: its reference (what `annotate` names) and descriptor."""

    ref: str
    descriptor: Descriptor


class Draft(msgspec.Struct, frozen=True):
    name: str
    media_type: str
    entries: tuple[ListEntry, ...] = ()

    def index(self) -> bytes:
        """The list as it will be pushed: exact bytes, so the digest is known now."""
        return encode(Index(manifests=tuple(e.descriptor for e in self.entries),
                            media_type=self.media_type))


def _path(store: Store, name: str) -> Path:
    folder = store.root / "manifests"
    folder.mkdir(exist_ok=True)
    return folder / (urllib.parse.quote(name, safe="") + ".json")


def load(store: Store, name: str) -> Draft | None:
    path = _path(store, str(parse_reference(name)))
    return msgspec.json.decode(path.read_bytes(), type=Draft) if path.is_file() else None


def _save(store: Store, draft: Draft) -> None:
    atomic_write(_path(store, draft.name), msgspec.json.encode(draft))


def create(store: Store, name: str, images: list[str], settings: RegistrySettings,
           amend: bool = False, oci: bool = False) -> Draft:
    """Draft a list of `images` (fetched from their registry) named `name`."""
    ref = parse_reference(name)
    existing = load(store, name)
    if existing is not None and not amend:
        raise DfcError(f"refusing to amend an existing manifest list with no --amend flag: "
                       f"{ref.familiar()}")
    entries = {e.descriptor.digest: e for e in (existing.entries if existing else ())}
    for image in images:
        entry = _entry(store, parse_reference(image), ref, settings, oci)
        entries = {d: e for d, e in entries.items() if e.ref != entry.ref}
        entries[entry.descriptor.digest] = entry
    draft = Draft(str(ref), MEDIA_INDEX if oci else MEDIA_DOCKER_LIST, tuple(entries.values()))
    _save(store, draft)
    return draft


def _entry(store: Store, image: Reference, target: Reference, settings: RegistrySettings,
           oci: bool) -> ListEntry:
    if image.registry != target.registry:
        raise DfcError(f"cannot use source images from a different registry than the "
                       f"target image: {image.registry} != {target.registry}")
    with open_for_pull(image, settings) as client:
        fetched = client.get_manifest(image.repository, image.api_ref, image.familiar())
        media = media_type_of(fetched.data, fetched.media_type)
        if media in INDEX_TYPES:
            raise DfcError(f"{image.familiar()} is a manifest list")
        manifest = msgspec.json.decode(fetched.data, type=Manifest)
        fetch_blobs(client, store, image.repository, [manifest.config], quiet)
    data = fetched.data if oci else to_docker(manifest)
    media = media if oci else MEDIA_DOCKER_MANIFEST
    digest = store.put_bytes(data)
    remember(store, [manifest.config.digest, *(d.digest for d in manifest.layers)], image.name)
    config = store.read_json(manifest.config.digest, ImageConfig)
    descriptor = Descriptor(media_type=media, digest=digest, size=len(data),
                            platform=config.platform)
    return ListEntry(str(image), descriptor)


def annotate(store: Store, name: str, image: str, *, os: str | None = None,
             arch: str | None = None, variant: str | None = None,
             os_version: str | None = None) -> Draft:
    """Change the platform an entry claims."""
    draft = _require(store, name)
    wanted = str(parse_reference(image))
    entries = list(draft.entries)
    for i, e in enumerate(entries):
        if e.ref == wanted:
            old = e.descriptor.platform or Platform(architecture="", os="")
            platform = Platform(architecture=arch or old.architecture, os=os or old.os,
                                variant=variant if variant is not None else old.variant,
                                os_version=os_version or old.os_version)
            if platform.os not in KNOWN_OS or platform.architecture not in KNOWN_ARCH:
                # As the docker CLI: Go's names only (`x86_64` is refused, not rewritten).
                raise DfcError(f"manifest entry for image has unsupported os/arch "
                               f"combination: {platform.os}/{platform.architecture}")
            entries[i] = ListEntry(e.ref, msgspec.structs.replace(e.descriptor,
                                                                  platform=platform))
            break
    else:
        raise DfcError(f"manifest for image {image} does not exist in {name}")
    draft = msgspec.structs.replace(draft, entries=tuple(entries))
    _save(store, draft)
    return draft


def _require(store: Store, name: str) -> Draft:
    draft = load(store, name)
    if draft is None:
        raise DfcError(f"No such manifest: {name}")
    return draft


def remove(store: Store, name: str) -> None:
    _require(store, name)
    _path(store, str(parse_reference(name))).unlink()


def inspect(store: Store, name: str, settings: RegistrySettings) -> bytes:
    """The local draft's list, else the manifest (or list) the registry has for `name`."""
    draft = load(store, name)
    if draft is not None:
        return draft.index()
    ref = parse_reference(name)
    with open_for_pull(ref, settings) as client:
        return client.get_manifest(ref.repository, ref.api_ref, ref.familiar()).data


def push(store: Store, name: str, settings: RegistrySettings, report: Reporter,
         purge: bool = False) -> str:
    """Push the children into the list's repository, then the list; returns its digest."""
    draft = _require(store, name)
    ref = parse_reference(draft.name)
    if not draft.entries:
        raise DfcError(f"manifest list {name} has no images")
    data = draft.index()
    digest = store.put_bytes(data)
    desc = Descriptor(media_type=draft.media_type, digest=digest, size=len(data))
    with open_for_push(ref, settings) as client:
        Pusher(client, store, ref, report).manifest(desc, ref.tag or DEFAULT_TAG)
    report(Message(f"Pushed ref {ref.name}@{digest} with digest: {digest}"))
    if purge:
        remove(store, name)
    return digest
