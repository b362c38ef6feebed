"""Extra mounts of a RUN (`--mount`, secrets, heredoc scripts), the parts both sandbox
backends share: their order, their mount points, and the private tmpfs of inline files.
"""

from __future__ import annotations

import os
import posixpath
import stat
from collections.abc import Sequence

from dfc.runtime import linux as sys_
from dfc.runtime.sandbox.spec import InlineFile, Mount, RunSpec

KERNEL_DIRS = ("/proc", "/sys", "/dev")
"""Mounted by the sandbox itself: mount points below them live in those mounts, not in
the image, so they need no stub in the init layer."""


def _depth(path: str) -> int:
    return len([p for p in path.split("/") if p])


def ordered(mounts: Sequence[Mount]) -> list[Mount]:
    """Parents before children (stable otherwise), so a mount inside another one lands in
    it rather than under it."""
    return sorted(mounts, key=lambda m: _depth(m.destination))


def _stub_mode(mount: Mount) -> int:
    """runc makes a missing mount point 0755 and gives a tmpfs without `mode=` the mode of
    its mount point: a new tmpfs stub is 1777, the kernel's default, so both agree."""
    if mount.type == "tmpfs":
        return stat.S_IFDIR | 0o1777
    return stat.S_IFDIR | 0o755 if mount.is_dir() else stat.S_IFREG | 0o644


def stubs(spec: RunSpec) -> list[tuple[str, int]]:
    """(target, file type and mode) of each mount point the image may lack, outside the
    kernel file systems: the init layer provides them so the layer never shows them."""
    points = [(m.destination, _stub_mode(m)) for m in spec.mounts]
    points += [(f.target, stat.S_IFREG | 0o644) for f in spec.files]
    return [(posixpath.normpath(target), mode) for target, mode in points
            if not any(target == d or target.startswith(d + "/") for d in KERNEL_DIRS)]


def file_mounts(files: Sequence[InlineFile], directory: str) -> list[Mount]:
    """Mount a tmpfs at `directory` (in the caller's private mount namespace), write
    `files` into it, and return the read-only binds that show them at their targets.
    Scripts stay executable; anything without an x bit is also mounted noexec."""
    if not files:
        return []
    os.makedirs(directory, 0o700, exist_ok=True)
    sys_.mount("tmpfs", directory, "tmpfs", sys_.MS_NOSUID | sys_.MS_NODEV, "mode=0700")
    binds = []
    for number, item in enumerate(files):
        path = os.path.join(directory, str(number))
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
            out.write(item.data)
            os.fchown(out.fileno(), item.uid, item.gid)
            os.fchmod(out.fileno(), item.mode)
        options: tuple[str, ...] = ("rbind", "ro", "nosuid", "nodev")
        if not item.mode & 0o111:
            options += ("noexec",)
        binds.append(Mount(item.target, "bind", path, options))
    return binds
