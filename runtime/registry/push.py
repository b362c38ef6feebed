"""`dfc push`: blobs first (HEAD, then a cross-repository mount, then an upload), the
manifest last with its own media type as Content-Type, as Docker does.

An image list (index) pushes each child manifest by digest before the list. Uploads run
five at a time (Docker's default); blobs above `chunk_size` go up in ordered PATCH chunks.
"""

from __future__ import annotations

import threading

import msgspec

from dfc.cache.oci import INDEX_TYPES, Descriptor, Index, Manifest
from dfc.cache.store import ImageNotFound, Store
from dfc.errors import DfcError
from dfc.reference import DEFAULT_TAG, Reference
from dfc.runtime.registry.client import RegistryClient, RegistryError
from dfc.runtime.registry.config import RegistrySettings
from dfc.runtime.registry.connect import open_for_push, scope
from dfc.runtime.registry.events import (
    Cancelled,
    Message,
    Reporter,
    Transfer,
    in_parallel,
    short_id,
)
from dfc.runtime.registry.manifests import media_type_of
from dfc.runtime.registry.retry import with_retries
from dfc.runtime.registry.sources import remember, sources

UPLOADS = 5
CHUNK_SIZE = 64 << 20


class PushResult(msgspec.Struct, frozen=True):
    tag: str
    digest: str
    size: int


class Pusher:
    """Pushes into one repository of one registry."""

    def __init__(self, client: RegistryClient, store: Store, ref: Reference,
                 report: Reporter, chunk_size: int = CHUNK_SIZE) -> None:
        self.client = client
        self.store = store
        self.ref = ref
        self.report = report
        self.chunk_size = chunk_size

    def manifest(self, desc: Descriptor, tag: str | None) -> tuple[str, int]:
        """Push what `desc` needs, then `desc` itself under `tag` (or its digest).
        Returns the digest the registry computed and the manifest's size."""
        data = self.store.open_blob(desc.digest).read()
        media = media_type_of(data, desc.media_type)
        if media in INDEX_TYPES:
            for child in msgspec.json.decode(data, type=Index).manifests:
                if not self.client.has_manifest(self.ref.repository, child.digest):
                    self.manifest(child, None)
        else:
            m = msgspec.json.decode(data, type=Manifest)
            self.blobs([*m.layers, m.config])
        digest = self.client.put_manifest(self.ref.repository, tag or desc.digest, data, media)
        if digest and digest != desc.digest:
            raise RegistryError(f"{self.ref.name}: the registry stored the manifest as "
                                f"{digest}, not {desc.digest}")
        return desc.digest, len(data)

    def blobs(self, blobs: list[Descriptor]) -> None:
        unique = list({d.digest: d for d in blobs}.values())
        for d in unique:
            self.report(Transfer(short_id(d.digest), "Preparing"))
        in_parallel(unique, self.blob, UPLOADS)
        remember(self.store, [d.digest for d in unique], self.ref.name)

    def blob(self, d: Descriptor, stop: threading.Event) -> None:
        ident, repo = short_id(d.digest), self.ref.repository
        if stop.is_set():
            raise Cancelled
        if self.client.has_blob(repo, d.digest):
            self.report(Transfer(ident, "Layer already exists"))
            return
        location = None
        other = self._other_repository(d.digest)
        if other is not None:
            self.client.auth.add_scope(scope(other, "pull"))
            location = self.client.start_upload(repo, mount=(d.digest, other))
            if location is None:
                self.report(Transfer(ident, f"Mounted from {other}"))
                return
        if not self.store.has_blob(d.digest):
            raise DfcError(f"blob {d.digest} is neither in the store nor in {self.ref.name}")
        done = [0]

        def progress(n: int) -> None:
            if stop.is_set():
                raise Cancelled
            done[0] += n
            self.report(Transfer(ident, "Pushing", done[0], d.size))

        pending = [location] if location is not None else []  # a refused mount's session

        def attempt() -> None:
            """One whole upload: a failed session is not resumed, a new one starts
            (as docker's pusher retries a layer)."""
            done[0] = 0
            session = pending.pop() if pending else self.client.start_upload(repo)
            assert session is not None  # None only answers a mount request
            self.client.upload(session, self.store.blob_path(d.digest), d.size, d.digest,
                               self.chunk_size, progress)

        def cancelled() -> None:
            if stop.is_set():
                raise Cancelled

        with_retries(attempt, between=cancelled)
        self.report(Transfer(ident, "Pushed", d.size, d.size))

    def _other_repository(self, digest: str) -> str | None:
        """Another repository of this registry known to hold the blob (latest first)."""
        prefix = self.ref.registry + "/"
        for name in reversed(sources(self.store, digest)):
            if name.startswith(prefix) and name != self.ref.name:
                return name.removeprefix(prefix)
        return None


def push(store: Store, ref: Reference, settings: RegistrySettings, report: Reporter,
         chunk_size: int = CHUNK_SIZE) -> PushResult:
    """Push the local image `ref` to its registry; Docker's lines, then the digest."""
    if ref.digest:
        raise DfcError(f"cannot push a digest reference: {ref}")
    try:
        record = store.resolve(str(ref))
    except ImageNotFound:
        raise DfcError(f"An image does not exist locally with the tag: {ref.familiar()}"
                       ) from None
    report(Message(f"The push refers to repository [{ref.name}]"))
    tag = ref.tag or DEFAULT_TAG
    with open_for_push(ref, settings) as client:
        digest, size = Pusher(client, store, ref, report, chunk_size).manifest(
            record.manifest, tag)
    report(Message(f"{tag}: digest: {digest} size: {size}"))
    return PushResult(tag=tag, digest=digest, size=size)
