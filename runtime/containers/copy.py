"""`docker cp`: files between a container and the host, by Docker's path rules.

Where the copy lands (pkg/archive's CopyInfoDestinationPath): into an existing folder
under the source's name, or as the contents of that folder when the source ends in `/.`;
over an existing file; as a new file or folder of the destination's name when only its
parent exists. A folder never replaces a file (`cannot copy directory`), and a
destination written as a folder (`dir/`) must exist for a file (`no such directory`).

Out of a container, files are read from its merged view (export.py: upper dir over the
image's layers, mounts aside) and take the owner of the user who copies, as Docker's CLI
unpacks them. Into a container they are written through the container's own overlay,
so overlay does the copy-ups, whiteouts and opaque folders: a running container's mount
namespace is joined (its root becomes ours), a stopped container's overlay is mounted in
a private namespace of a child. The files belong to the container's root unless `-a`
keeps their owners.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

import msgspec

from dfc.cache.store import Store
from dfc.errors import DfcError
from dfc.runtime import linux as sys_
from dfc.runtime.containers.errors import ContainerError
from dfc.runtime.containers.export import merged_view, view_entries
from dfc.runtime.containers.store import Container
from dfc.runtime.fs.layer import Entry, stat_entry, walk, write_tar
from dfc.runtime.fs.snapshots import extract_layer, unpack_entries


class CopyError(ContainerError):
    """A copy docker refuses (exit 1)."""

    exit_code = 1


def split_argument(arg: str) -> tuple[str | None, str]:
    """`CONTAINER:PATH` or a local path (absolute, `.`-relative, or without a `:`)."""
    if arg.startswith("/"):
        return None, arg
    head, sep, tail = arg.partition(":")
    if not sep or head.startswith("."):
        return None, arg
    return head, tail


def _contents_only(path: str) -> bool:
    return path == "." or path.endswith("/.")


def _asserts_dir(path: str) -> bool:
    return path.endswith("/") or _contents_only(path)


def placement(src: str, src_is_dir: bool, dest: str, dest_kind: str | None,
              parent_exists: bool, missing: str) -> tuple[str, str | None]:
    """(folder to unpack into, name the source takes there; None: its contents)."""
    name = os.path.basename(os.path.normpath(src)) or "/"
    if dest_kind == "dir":
        if src_is_dir and _contents_only(src):
            return dest, None
        return dest, name
    if dest_kind is not None:
        if src_is_dir:
            raise CopyError("cannot copy directory")
        return os.path.dirname(dest.rstrip("/")) or "/", os.path.basename(dest)
    if _asserts_dir(dest) and not src_is_dir:
        raise CopyError("no such directory")
    if not parent_exists:
        raise CopyError(missing)
    trimmed = os.path.normpath(dest)
    return os.path.dirname(trimmed) or ".", os.path.basename(trimmed)


def _rebase(entries: list[Entry], name: str, target: str | None,
            owner: tuple[int, int] | None) -> list[Entry]:
    """Entries named from `name` renamed to `target` (None: the top entry dropped and its
    contents named from the folder they land in); `owner` replaces their owners."""

    def moved(path: str) -> str:
        rest = path[len(name):].lstrip("/")
        if target is None:
            return rest
        return f"{target}/{rest}" if rest else target

    out = []
    for e in entries:
        path = moved(e.path)
        if not path:
            continue
        changes: dict[str, object] = {"path": path}
        if e.kind == "hardlink":
            changes["link"] = moved(e.link)
        if owner is not None:
            changes["uid"], changes["gid"] = owner
        out.append(msgspec.structs.replace(e, **changes))
    return out


# --- out of a container ---------------------------------------------------------------


def _source_in(store: Store, container: Container, ref: str, src: str, follow: bool
               ) -> tuple[list[Entry], bool]:
    """The entries of `src` in the container, named from its base name; is it a folder.
    A link is copied as a link unless `follow` (`-L`)."""
    view = merged_view(store, container)
    rel = view.resolve(src.rstrip("/.") if _contents_only(src) else src,
                       follow_last=follow or _contents_only(src))
    found = view.locate(rel)
    if found is None:
        raise CopyError(f"Could not find the file {src} in container {ref}")
    full, st = found
    name = os.path.basename(rel) or "root"
    top = stat_entry(name, str(full), st)
    if top is None:
        raise CopyError(f"cannot copy {src}: a socket")
    if top.kind != "dir":
        return [top], False
    return [top, *view_entries(view, rel, name)], True


def copy_out(store: Store, container: Container, ref: str, src: str, dest: str,
             stdout: BinaryIO, follow: bool = False) -> None:
    entries, is_dir = _source_in(store, container, ref, src, follow)
    name = entries[0].path
    if dest == "-":
        write_tar(stdout, entries)
        return
    try:
        kind: str | None = "dir" if Path(dest).is_dir() else \
            ("file" if os.path.lexists(dest) else None)
    except OSError:
        kind = None
    parent = os.path.dirname(os.path.normpath(dest)) or "."
    folder, target = placement(src, is_dir, dest, kind, os.path.isdir(parent),
                               f'invalid output path: directory "{os.path.abspath(parent)}" '
                               "does not exist")
    unpack_entries(_rebase(entries, name, target, (os.getuid(), os.getgid())),
                   Path(folder), mode="apply")


# --- into a container -----------------------------------------------------------------


def host_entries(src: str, name: str, follow: bool = False) -> tuple[list[Entry], bool]:
    """The entries of a host path, named from `name` (a link followed with `follow`)."""
    try:
        st = os.stat(src) if follow else os.lstat(src)
    except FileNotFoundError:
        raise CopyError(f"lstat {os.path.abspath(src)}: no such file or directory") from None
    top = stat_entry(name, src, st)
    if top is None:
        raise CopyError(f"cannot copy {src}: a socket")
    if not stat.S_ISDIR(st.st_mode):
        return [top], False
    rest = [e for rel, full, sub in walk(src) if (e := stat_entry(f"{name}/{rel}", full, sub))]
    return [top, *rest], True


def _enter(store: Store, container: Container) -> None:
    """In a forked child: make the container's filesystem our root."""
    if container.state.status in ("running", "paused") and container.supervisor_alive():
        fd = os.open(f"/proc/{container.state.pid}/ns/mnt", os.O_RDONLY)
        sys_.setns(fd, sys_.CLONE_NEWNS)
        os.close(fd)
        os.chdir("/")
        return
    from dfc.runtime.containers.engine import rootfs

    root = rootfs(store, container)
    sys_.unshare(sys_.CLONE_NEWNS)
    sys_.mount(None, "/", None, sys_.MS_REC | sys_.MS_PRIVATE)
    root.workdir.mkdir(exist_ok=True)
    root.merged.mkdir(exist_ok=True)
    sys_.mount("overlay", str(root.merged), "overlay", 0, root.overlay_options())
    os.chroot(root.merged)
    os.chdir("/")


def _dest_kind(path: str) -> str | None:
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return "dir" if stat.S_ISDIR(st.st_mode) else "file"


def _place_inside(report: int, ref: str, src: str, src_is_dir: bool, dest: str,
                  from_tar: bool) -> Path:
    """In the container's root: the folder to unpack into. The parent learns the name
    the source takes there (`P<name>`, or `P` alone for its contents) from `report`."""
    dest = dest if dest.startswith("/") else "/" + dest
    kind = _dest_kind(dest)
    if from_tar:
        if kind != "dir":
            raise CopyError(f"Could not find the file {dest} in container {ref}"
                            if kind is None else f'destination "{dest}" must be a directory')
        os.write(report, b"P\n")
        return Path(os.path.realpath(dest))
    parent = os.path.dirname(os.path.normpath(dest)) or "/"
    folder, target = placement(src, src_is_dir, dest, kind, _dest_kind(parent) == "dir",
                               f"Could not find the file {parent} in container {ref}")
    os.write(report, b"P" + (b"/" + target.encode() if target is not None else b"") + b"\n")
    return Path(os.path.realpath(folder))


def _first_line(fd: int) -> str:
    data = b""
    while not data.endswith(b"\n") and (chunk := os.read(fd, 1)):
        data += chunk
    return data.decode(errors="replace").rstrip("\n")


def copy_in(store: Store, container: Container, ref: str, src: str, dest: str,
            archive: bool, stdin: BinaryIO, follow: bool = False) -> None:
    """Copy a host path (or, for `-`, a tar on stdin) into the container at `dest`."""
    from dfc.runtime.containers.supervisor import drain

    from_tar = src == "-"
    entries: list[Entry] = []
    is_dir, name = True, ""
    if not from_tar:
        name = os.path.basename(os.path.normpath(src)) or "root"
        entries, is_dir = host_entries(src, name, follow)
    report_r, report_w = os.pipe()
    data_r, data_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            os.close(report_r)
            os.close(data_w)
            _enter(store, container)
            folder = _place_inside(report_w, ref, src, is_dir, dest, from_tar)
            with os.fdopen(data_r, "rb") as stream:
                extract_layer(stream, folder, mode="apply")
        except DfcError as exc:
            os.write(report_w, b"E" + exc.message.encode())
            code = 1
        except BaseException as exc:  # reported to the parent, which has a terminal
            os.write(report_w, f"E{exc}".encode())
            code = 1
        os._exit(code)
    os.close(report_w)
    os.close(data_r)
    placed = _first_line(report_r)
    try:
        with os.fdopen(data_w, "wb") as out:
            if placed.startswith("P") and from_tar:
                while chunk := stdin.read(1 << 20):
                    out.write(chunk)
            elif placed.startswith("P"):
                target = placed[2:] if placed.startswith("P/") else None
                write_tar(out, _rebase(entries, name, target, None if archive else (0, 0)))
    except BrokenPipeError:
        pass  # the child stopped reading: its report says why
    message = (placed if placed.startswith("E") else "") + \
        drain(report_r).decode(errors="replace")
    _, status = os.waitpid(pid, 0)
    if status != 0:
        raise CopyError(message.removeprefix("E") or "copy into the container failed")
