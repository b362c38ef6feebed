"""Which image of a stored name serves a platform: the best entry of an index, or the one
image a name holds, whatever platform that image really is.

A single-platform base built for another platform is no error (BuildKit warns with
`InvalidBaseImagePlatform` and builds what it has); the platform of what is built is then
the base's own, never the one asked for.
"""

from __future__ import annotations

import msgspec

from dfc.cache.oci import INDEX_TYPES, Descriptor, Index, Manifest
from dfc.cache.store import ImageNotFound, Store
from dfc.errors import DfcError
from dfc.platform import Platform, best_match, matches, normalize, parse_platform
from dfc.runtime.images.config import ImageConfig


class Selected(msgspec.Struct, frozen=True):
    """The image manifest chosen, its config, and the platform its config states."""

    manifest: Descriptor
    config: ImageConfig
    platform: Platform

    def fits(self, wanted: Platform) -> bool:
        return matches(wanted, self.platform)


class PlatformNotFound(DfcError):
    """An index without an image for the platform being built."""


class PlatformNotPulled(DfcError):
    """An index of the store whose image for the platform was never fetched."""


def available(store: Store, name: str, platform: str | None) -> bool:
    """Does the store answer for `name` on `platform` without a pull? A single image does
    (another platform is a warning, not a pull), and so does a list that has no entry for
    it (the error is final); a list whose entry was never fetched does not."""
    try:
        record = store.resolve(name)
        if platform and record.manifest.media_type in INDEX_TYPES:
            select(store, record.manifest, parse_platform(platform), name)
    except (ImageNotFound, PlatformNotPulled):
        return False
    except PlatformNotFound:
        return True
    return True


def select(store: Store, descriptor: Descriptor, wanted: Platform, name: str) -> Selected:
    """The image of `descriptor` (a manifest, or an index to choose from) for `wanted`."""
    if descriptor.media_type in INDEX_TYPES:
        children = store.read_json(descriptor.digest, Index).manifests
        best = best_match(wanted, [child.platform for child in children])
        if best is None:
            offered = ", ".join(str(c.platform) for c in children if c.platform) or "none"
            raise PlatformNotFound(f"{name}: no match for platform {wanted} in manifest "
                                   f"{descriptor.digest}: not found (it has {offered})")
        if not store.has_blob(children[best].digest):
            raise PlatformNotPulled(f"{name}: the image for {wanted} is not in the store: get "
                                    f"it with `dfc pull --platform {wanted} {name}`")
        return select(store, children[best], wanted, name)
    manifest = store.read_json(descriptor.digest, Manifest)
    config = store.read_json(manifest.config.digest, ImageConfig)
    return Selected(descriptor, config, normalize(config.platform))


def mismatch_warning(name: str, wanted: Platform, found: Platform) -> str:
    """BuildKit's InvalidBaseImagePlatform check, in its words."""
    return (f"InvalidBaseImagePlatform: Base image {name} was pulled with platform "
            f'"{found}", expected "{wanted}" for current build')
