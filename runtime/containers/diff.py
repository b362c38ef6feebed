"""`docker diff`: what the container changed, as A/C/D lines.

Docker's overlay2 engine compares the container's filesystem with its image's (the naive
diff of pkg/archive, what `docker diff` prints on kernels with overlay redirect_dir):
a path absent from the image is `A` (with everything under it), one whose mode, owner,
device, file size or mtime differ is `C` (directories only on mode or owner), one gone is
`D` (only the topmost gone path), and a directory with any change below it is `C` itself,
placed before those changes. Only the upper dir can differ from the image, so this walks
the upper dir and looks each path up in the lower dirs: a whiteout is a deletion, an
opaque directory hides every lower child it does not hold again.

Docker lists siblings in Go map order (a different order on each call); dfc lists them by
name, changed and added paths before deleted ones, as Docker groups them.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import msgspec

from dfc.cache.oci import Manifest
from dfc.cache.store import Store
from dfc.runtime.containers.store import Container
from dfc.runtime.fs.rootview import RootView, is_opaque, is_whiteout
from dfc.runtime.images.config import ImageConfig

Kind = Literal["A", "C", "D"]
_CAPABILITY = "security.capability"


class Change(msgspec.Struct, frozen=True):
    kind: Kind
    path: str
    """Absolute, as docker prints it."""

    def line(self) -> str:
        return f"{self.kind} {self.path}"


def image_dirs(store: Store, container: Container) -> list[Path]:
    """The container's lower dirs, topmost first: its init layer, then the image's."""
    from dfc.runtime.fs.snapshots import snapshot_dirs

    manifest = store.read_json(container.record.manifest, Manifest)
    image = store.read_json(manifest.config.digest, ImageConfig)
    layers = snapshot_dirs(store, manifest.layers, image.rootfs.diff_ids)
    return [container.folder / "init", *reversed(layers)]


def _capability(path: Path) -> bytes | None:
    try:
        return os.getxattr(path, _CAPABILITY, follow_symlinks=False)
    except OSError:
        return None


def _differs(old: os.stat_result, new: os.stat_result) -> bool:
    """pkg/archive's statDifferent: size and mtime are not looked at for directories."""
    if (old.st_mode, old.st_uid, old.st_gid, old.st_rdev) != \
            (new.st_mode, new.st_uid, new.st_gid, new.st_rdev):
        return True
    return not stat.S_ISDIR(old.st_mode) and (
        old.st_mtime_ns != new.st_mtime_ns or old.st_size != new.st_size)


def _added(folder: Path, rel: str, out: list[Change]) -> None:
    """Everything under a new directory, depth first by name."""
    for name in sorted(os.listdir(folder)):
        child = folder / name
        out.append(Change("A", f"{rel}/{name}"))
        if child.is_dir() and not child.is_symlink():
            _added(child, f"{rel}/{name}", out)


def _walk(upper: Path, rel: str, lower: RootView, opaque: bool, out: list[Change]) -> None:
    """The changes under one directory present in both the image and the container."""
    gone: list[str] = []
    entries = sorted(os.listdir(upper))
    for name in entries:
        node = upper / name
        path = f"{rel}/{name}"
        st = os.lstat(node)
        found = lower.locate(path)
        if is_whiteout(st):
            if found is not None:
                gone.append(path)
            continue
        start = len(out)
        if found is None:
            out.append(Change("A", path))
            if stat.S_ISDIR(st.st_mode):
                _added(node, path, out)
            continue
        old_path, old = found
        marked = _differs(old, st) or _capability(old_path) != _capability(node)
        if marked:
            out.append(Change("C", path))
        if stat.S_ISDIR(st.st_mode):
            if stat.S_ISDIR(old.st_mode):
                _walk(node, path, lower, is_opaque(node), out)
            else:
                _added(node, path, out)
        if len(out) > start and not marked and stat.S_ISDIR(st.st_mode):
            out.insert(start, Change("C", path))
    if opaque:
        kept = set(entries)
        gone += [f"{rel}/{name}" for name in sorted(lower.names(rel)) if name not in kept]
    out.extend(Change("D", path) for path in sorted(gone))


def changes(upper: Path, lowerdirs: Sequence[Path]) -> list[Change]:
    """The changes of an upper dir over its lower dirs (topmost first)."""
    out: list[Change] = []
    _walk(upper, "", RootView(lowerdirs), is_opaque(upper), out)
    return out


def container_changes(store: Store, container: Container) -> list[Change]:
    return changes(container.upper, image_dirs(store, container))
