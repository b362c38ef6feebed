"""`dfc pull`: a manifest (through a list if need be), then its blobs, into the store.

Every blob streams into the store's verified writer with its digest and size: bytes that
do not match never reach `blobs/`, and an interrupted pull leaves only complete blobs, so
the next pull skips them and fetches the rest. Layers download in parallel (three at a
time, as Docker does). The manifest goes in last and the tag moves after it.
"""

from __future__ import annotations

import threading

import msgspec

from dfc.cache.oci import INDEX_TYPES, MANIFEST_TYPES, Descriptor, Index, Manifest
from dfc.cache.store import DigestMismatch, Store
from dfc.errors import DfcError
from dfc.platform import Platform, host_platform, parse_platform
from dfc.reference import DOCKER_HUB, Reference, parse_reference
from dfc.runtime.images.config import ImageConfig
from dfc.runtime.images.platforms import available
from dfc.runtime.registry.auth import AuthError
from dfc.runtime.registry.client import RegistryClient, RegistryError
from dfc.runtime.registry.config import RegistrySettings
from dfc.runtime.registry.connect import mirrors, open_for_pull
from dfc.runtime.registry.events import (
    Cancelled,
    Message,
    Reporter,
    Transfer,
    in_parallel,
    short_id,
)
from dfc.runtime.registry.manifests import choose, media_type_of, sha256
from dfc.runtime.registry.sources import remember

DOWNLOADS = 3


class PullResult(msgspec.Struct, frozen=True):
    """What was pulled: the stored image manifest, the digest the reference named (a
    list's, for a multi-platform image), and the tag it now has (none for a digest)."""

    manifest: Descriptor
    digest: str
    name: str | None
    updated: bool


def fetch_manifest(client: RegistryClient, ref: Reference, wanted: Platform,
                   lists: list[tuple[bytes, str]] | None = None) -> tuple[bytes, str, str]:
    """The image manifest for `ref` on `wanted`, verified: (bytes, media type, the digest
    of what the reference itself names). `lists` receives the list it was chosen from."""
    what = ref.familiar()
    fetched = client.get_manifest(ref.repository, ref.api_ref, what)
    top = sha256(fetched.data)
    expected = ref.digest or fetched.digest
    if expected and expected != top:
        raise RegistryError(f"manifest for {what}: digest mismatch: expected {expected}, "
                            f"got {top}")
    data, media = fetched.data, media_type_of(fetched.data, fetched.media_type)
    if media in INDEX_TYPES:
        if lists is not None:
            lists.append((data, media))
        entry = choose(msgspec.json.decode(data, type=Index), wanted)
        child = client.get_manifest(ref.repository, entry.digest, f"{what}@{entry.digest}")
        if sha256(child.data) != entry.digest or len(child.data) != entry.size:
            raise RegistryError(f"manifest {entry.digest} of {what}: content does not match "
                                "its digest")
        data, media = child.data, media_type_of(child.data, entry.media_type)
    if media not in MANIFEST_TYPES:
        raise RegistryError(f"{what}: unsupported manifest type {media!r}")
    return data, media, top


def fetch_blobs(client: RegistryClient, store: Store, repository: str,
                blobs: list[Descriptor], report: Reporter, workers: int = DOWNLOADS) -> None:
    """Download the blobs the store lacks, `workers` at a time; the first failure stops
    the others (their partial files are dropped) and is raised."""
    unique = list({d.digest: d for d in blobs}.values())
    for d in unique:
        if store.has_blob(d.digest):
            report(Transfer(short_id(d.digest), "Already exists"))
        else:
            report(Transfer(short_id(d.digest), "Pulling fs layer"))

    def fetch(d: Descriptor, stop: threading.Event) -> None:
        ident, done = short_id(d.digest), [0]

        def progress(n: int) -> None:
            if stop.is_set():
                raise Cancelled
            done[0] += n
            report(Transfer(ident, "Downloading", done[0], d.size))

        try:
            with store.writer(expected=d.digest) as writer:
                client.download(repository, d.digest, d.size, writer, progress)
        except DigestMismatch:
            raise RegistryError(f"filesystem layer verification failed for digest "
                                f"{d.digest}: the registry sent other bytes") from None
        report(Transfer(ident, "Pull complete", d.size, d.size))

    in_parallel([d for d in unique if not store.has_blob(d.digest)], fetch, workers)


def pull(store: Store, ref: Reference, settings: RegistrySettings, report: Reporter,
         platform: Platform | None = None, keep_index: bool = False) -> PullResult:
    """Pull `ref` into the store (mirrors first for Docker Hub) and tag it. With
    `keep_index`, a list stays the list (its other platforms' images fetched when a build
    needs them), so one name serves every platform of a multi-platform build."""
    for mirror in mirrors(ref, settings):
        with mirror:
            try:
                return _pull_from(mirror, store, ref, report, platform, keep_index)
            except (RegistryError, AuthError):  # as docker: on to the next endpoint
                continue
    with open_for_pull(ref, settings) as client:
        return _pull_from(client, store, ref, report, platform, keep_index)


def pull_all_tags(store: Store, repo: Reference, settings: RegistrySettings,
                  report: Reporter, platform: Platform | None = None) -> list[PullResult]:
    """`docker pull --all-tags`: every tag the repository lists, in its order."""
    if repo.tag is not None or repo.digest is not None:
        raise DfcError("tag can't be used with --all-tags/-a")
    with open_for_pull(repo, settings) as client:
        tags = client.tags(repo.repository)
    if not tags:
        raise DfcError(f"no tags found for {repo.familiar()}")
    return [pull(store, repo.with_tag(tag), settings, report, platform) for tag in tags]


def _pull_from(client: RegistryClient, store: Store, ref: Reference, report: Reporter,
               platform: Platform | None, keep_index: bool = False) -> PullResult:
    lists: list[tuple[bytes, str]] = []
    data, media, top = fetch_manifest(client, ref, platform or host_platform(), lists)
    manifest = msgspec.json.decode(data, type=Manifest)
    report(Message(f"{ref.tag or ref.digest}: Pulling from {_familiar_repo(ref)}"))
    blobs = [manifest.config, *manifest.layers]
    fetch_blobs(client, store, ref.repository, blobs, report)
    config = store.read_json(manifest.config.digest, ImageConfig)
    digest = store.put_bytes(data, expected=sha256(data))
    stored = Descriptor(media_type=media, digest=digest, size=len(data),
                        platform=config.platform)
    if keep_index and lists:
        index, index_media = lists[0]
        stored = Descriptor(media_type=index_media, size=len(index),
                            digest=store.put_bytes(index, expected=sha256(index)))
    remember(store, [d.digest for d in blobs], ref.name)
    report(Message(f"Digest: {top}"))
    if ref.digest:
        store.add(stored)
        updated, name = True, None
    else:
        updated = store.manifest_digest(str(ref)) != stored.digest
        name = store.tag(str(ref), stored)
    status = "Downloaded newer image" if updated else "Image is up to date"
    report(Message(f"Status: {status} for {ref.familiar()}"))
    return PullResult(manifest=stored, digest=top, name=name, updated=updated)


def _familiar_repo(ref: Reference) -> str:
    return ref.repository if ref.registry == DOCKER_HUB else ref.name


class BaseFetcher:
    """What `FROM` needs before a build: images the store lacks are pulled, as `docker
    build` does, and with `always` (`--pull`) every base is checked for a newer one.
    Each (name, platform) is looked at once per build."""

    def __init__(self, store: Store, settings: RegistrySettings, report: Reporter,
                 always: bool = False) -> None:
        self.store = store
        self.settings = settings
        self.report = report
        self.always = always
        self._seen: set[tuple[str, str | None]] = set()
        self._lock = threading.Lock()

    def __call__(self, name: str, platform: str | None) -> None:
        with self._lock:
            if (name, platform) in self._seen:
                return
            self._seen.add((name, platform))
            if not self.always and available(self.store, name, platform):
                return
            pull(self.store, parse_reference(name), self.settings, self.report,
                 parse_platform(platform) if platform else None, keep_index=True)
