"""Filling an empty volume from the image, as docker does at each start: a volume (named
or anonymous, not a bind) whose folder is empty gets a copy of what the container's file
system holds at the mount's path (files, modes, owners, times, hard links), and the
volume's root takes that folder's mode and owner. `nocopy` turns it off.

The copy reads the container's root (writable layer, init layer, image) through a
read-only overlay mounted in a mount namespace of a child process, so the kernel applies
whiteouts and nothing is ever mounted on the host.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path

from dfc.runtime import linux as sys_
from dfc.runtime.containers.errors import ContainerError
from dfc.runtime.containers.mountspec import MountPoint
from dfc.runtime.containers.volumes import VolumeStore
from dfc.runtime.fs.rootview import RootView
from dfc.runtime.fs.views import readonly_view
from dfc.runtime.sandbox.proc import exit_code, read_all


def copy_tree(source: str, dest: str) -> None:
    """The contents of folder `source` into the empty folder `dest`, attributes kept;
    `dest` itself takes `source`'s owner and mode."""
    links: dict[tuple[int, int], str] = {}
    folders: list[tuple[str, os.stat_result]] = []
    top = os.lstat(source)
    for parent, dirs, files in os.walk(source):
        rel_parent = os.path.relpath(parent, source)
        for name in [*dirs, *files]:
            full = os.path.join(parent, name)
            target = os.path.normpath(os.path.join(dest, rel_parent, name))
            st = os.lstat(full)
            key = (st.st_dev, st.st_ino)
            if not stat.S_ISDIR(st.st_mode) and st.st_nlink > 1 and key in links:
                os.link(links[key], target)
                continue
            if stat.S_ISDIR(st.st_mode):
                os.mkdir(target)
                folders.append((target, st))
            elif stat.S_ISLNK(st.st_mode):
                os.symlink(os.readlink(full), target)
            elif stat.S_ISREG(st.st_mode):
                with open(full, "rb") as src, open(target, "wb") as out:
                    while chunk := src.read(1 << 20):
                        out.write(chunk)
            elif stat.S_ISFIFO(st.st_mode):
                os.mkfifo(target)
            else:
                os.mknod(target, st.st_mode, st.st_rdev)
            if st.st_nlink > 1 and not stat.S_ISDIR(st.st_mode):
                links[key] = target
            os.chown(target, st.st_uid, st.st_gid, follow_symlinks=False)
            if not stat.S_ISLNK(st.st_mode):
                os.chmod(target, stat.S_IMODE(st.st_mode))
            os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns), follow_symlinks=False)
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(parent, d))]
    for target, st in reversed(folders):
        os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.chown(dest, top.st_uid, top.st_gid)
    os.chmod(dest, stat.S_IMODE(top.st_mode))


def _wanted(root: Path, points: Sequence[MountPoint]) -> list[tuple[str, str]]:
    """(destination, volume folder) of each volume to fill now: empty, copy allowed."""
    volumes = VolumeStore(root)
    found = []
    for point in points:
        if point.type != "volume" or point.nocopy:
            continue
        data = volumes.folder / point.source / "_data"
        try:
            if os.listdir(data):
                continue
        except FileNotFoundError:
            continue
        found.append((point.destination, str(data)))
    return found


def populate(root: Path, points: Sequence[MountPoint], layers: Sequence[Path]) -> None:
    """Fill the empty volumes of `points` from `layers` (the container's root, topmost
    first: its writable layer, init layer, image layers)."""
    wanted = _wanted(root, points)
    if not wanted:
        return
    report_r, report_w = os.pipe()
    child = os.fork()
    if child == 0:
        try:
            os.close(report_r)
            sys_.unshare(sys_.CLONE_NEWNS)
            sys_.mount(None, "/", None, sys_.MS_REC | sys_.MS_PRIVATE)
            with readonly_view(layers) as origin:
                view = RootView([origin.root])
                for destination, data in wanted:
                    source = os.path.join(origin.root, view.resolve(destination))
                    if os.path.isdir(source) and not os.path.islink(source):
                        copy_tree(source, data)
            os._exit(0)
        except BaseException as exc:
            os.write(report_w, str(exc).encode()[:2000])
            os._exit(1)
    os.close(report_w)
    message = read_all(report_r).decode(errors="replace")
    os.close(report_r)
    if exit_code(os.waitpid(child, 0)[1]) != 0:
        raise ContainerError(f"copying the image's files into a volume failed: {message}")
