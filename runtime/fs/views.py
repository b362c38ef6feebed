"""Overlay mounts of unpacked layers: the short paths their options need, and a read-only
view (a plain directory tree that COPY --from and source digests can walk with ordinary file
calls, the kernel applying whiteouts).

The options of one mount(2) call must fit in a page (4,095 bytes). Snapshot paths are long
(the store root, `snapshots/`, a 64-hex chain id), so `lowerdir=` with their absolute paths
passed the page at about 41 layers. Like Docker's overlay2 driver, which links each layer as
`l/<short id>`, every mount here names its layers through short symlinks made for that
mount alone (`/run/dfc/l/<tmp>/<n>`): about 20 bytes a layer, so an image of Docker's
maximum depth fits with room to spare.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from dfc.cache.inputs import Origin
from dfc.errors import DfcError
from dfc.runtime.linux import MS_RDONLY, mount, umount


def overlay_path(path: Path) -> str:
    """A path as overlayfs options need it (`:` and `,` separate options)."""
    return str(path).replace("\\", "\\\\").replace(":", "\\:").replace(",", "\\,")


LINK_ROOT = Path("/run/dfc/l")
"""Where the short links of mounts in progress live (a tmpfs: nothing survives a reboot)."""

MAX_PARENT_LAYERS = 128
"""The most layers a step may build on, as BuildKit's snapshotter allows (measured: a step
over 128 layers runs, one over 129 fails with "max depth exceeded"), so an image built here
has at most 129 layers, the same as with BuildKit."""


def check_depth(layers: int) -> None:
    """Refuse, in BuildKit's words, a step that would build on more than MAX_PARENT_LAYERS."""
    if layers > MAX_PARENT_LAYERS:
        raise DfcError(f"max depth exceeded: the step would build on {layers} layers "
                       f"(at most {MAX_PARENT_LAYERS})")


def _link_name(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    name = digits[number % 36]
    while number >= 36:
        number //= 36
        name = digits[number % 36] + name
    return name


def _link_all(folder: Path, paths: Sequence[Path]) -> list[str]:
    links = []
    for number, path in enumerate(paths):
        link = folder / _link_name(number)
        link.symlink_to(Path(path).resolve())
        links.append(overlay_path(link))
    return links


@contextlib.contextmanager
def short_paths(paths: Sequence[Path]) -> Iterator[list[str]]:
    """Short symlinks to `paths`, in order, for the options of one overlay mount; they are
    removed on exit (the kernel resolves them when the mount is made)."""
    LINK_ROOT.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=LINK_ROOT))
    try:
        yield _link_all(folder, paths)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def kept_short_paths(name: str, paths: Sequence[Path]) -> list[str]:
    """Short symlinks under a fixed `name`, kept until `drop_short_paths(name)`: for a
    container, whose overlay its supervisor mounts later, in another process, and again on
    every start (the links are made anew each time: /run does not outlive a reboot)."""
    LINK_ROOT.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(dir=LINK_ROOT))
    links = _link_all(fresh, paths)
    drop_short_paths(name)
    fresh.rename(LINK_ROOT / name)
    return [link.replace(overlay_path(fresh), overlay_path(LINK_ROOT / name), 1)
            for link in links]


def drop_short_paths(name: str) -> None:
    shutil.rmtree(LINK_ROOT / name, ignore_errors=True)


@contextlib.contextmanager
def readonly_view(lowerdirs: Sequence[Path]) -> Iterator[Origin]:
    """Mount `lowerdirs` (topmost first) read-only; yield them as a copy origin."""
    base = Path(tempfile.mkdtemp(prefix="view-"))
    empty, merged = base / "empty", base / "merged"
    empty.mkdir()
    merged.mkdir()
    try:
        with short_paths([*lowerdirs, empty]) as links:
            mount("overlay", str(merged), "overlay", MS_RDONLY, f"lowerdir={':'.join(links)}")
        try:
            yield Origin(str(merged))
        finally:
            umount(str(merged))
    finally:
        shutil.rmtree(base, ignore_errors=True)
