"""`docker export`: the container's filesystem, flattened, as one tar.

The filesystem is the merged view of its upper dir over its init layer and the image's
layers, read without a mount (fs/rootview.py applies whiteouts and opaque folders), so a
stopped container exports as well as a running one, and, as in Docker, what is mounted
in a running container (/proc, /sys, the /etc/hosts file of the host side) is not part of
it: the mount points are, as the init layer holds them. The tar is written by the layer
writer (sorted, numeric owners), so `dfc import` reads it back as any rootfs tarball.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from dfc.cache.store import Store
from dfc.runtime.containers.diff import image_dirs
from dfc.runtime.containers.store import Container
from dfc.runtime.fs.layer import Entry, stat_entry, write_tar
from dfc.runtime.fs.rootview import RootView


def merged_view(store: Store, container: Container) -> RootView:
    """The container's filesystem as its processes see it, mounts aside."""
    return RootView([container.upper, *image_dirs(store, container)])


def view_entries(view: RootView, rel: str = "", prefix: str = "") -> Iterator[Entry]:
    """Every file under `rel` of the view (`rel` itself excluded), named under `prefix`."""
    for name in sorted(view.names(rel)):
        path = f"{rel}/{name}" if rel else name
        found = view.locate(path)
        if found is None:
            continue
        full, st = found
        named = f"{prefix}/{name}" if prefix else name
        entry = stat_entry(named, str(full), st)
        if entry is None:
            continue
        yield entry
        if entry.kind == "dir":
            yield from view_entries(view, path, named)


def export(store: Store, container: Container, stream: BinaryIO) -> None:
    write_tar(stream, view_entries(merged_view(store, container)))
