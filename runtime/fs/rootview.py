"""A read-only view of an image's filesystem straight from its unpacked layers.

The layers are in overlay lowerdir form (topmost first): a whiteout is a 0/0 character
device and an opaque directory carries `trusted.overlay.opaque=y`. Looking a path up the
way the merged overlay would show it needs no mount, and symlinks are resolved as if the
image root were `/`, so a link to `/` or `../..` inside the image can never lead a COPY
or a USER lookup to the host.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path

from dfc.errors import DfcError

OPAQUE_XATTR = "trusted.overlay.opaque"
MAX_LINKS = 255


def is_whiteout(st: os.stat_result) -> bool:
    return stat.S_ISCHR(st.st_mode) and st.st_rdev == 0


def is_opaque(path: Path) -> bool:
    try:
        return os.getxattr(path, OPAQUE_XATTR, follow_symlinks=False) == b"y"
    except OSError:
        return False


class RootView:
    """The merged filesystem of `layers` (topmost first); an empty list is scratch."""

    def __init__(self, layers: Sequence[Path | str]):
        self.layers = [Path(layer) for layer in layers]

    def locate(self, rel: str) -> tuple[Path, os.stat_result] | None:
        """Where `rel` (no symlinks followed) lives and its lstat; None when absent."""
        parts = [p for p in rel.strip("/").split("/") if p]
        if not parts:
            return (self.layers[0], os.lstat(self.layers[0])) if self.layers else None
        for layer in self.layers:
            node, opaque = layer, False
            for depth, part in enumerate(parts, 1):
                node = node / part
                try:
                    st = os.lstat(node)
                except (FileNotFoundError, NotADirectoryError):
                    break
                if is_whiteout(st):
                    return None
                if depth == len(parts):
                    return node, st
                if not stat.S_ISDIR(st.st_mode):
                    return None
                opaque = opaque or is_opaque(node)
            if opaque:
                return None
        return None

    def names(self, rel: str) -> set[str]:
        """The names a directory of the merged view holds (no symlinks followed); empty
        when it is not a directory."""
        parts = [p for p in rel.strip("/").split("/") if p]
        found: set[str] = set()
        hidden: set[str] = set()
        for layer in self.layers:
            node, last = layer, False
            for part in parts:
                node = node / part
                try:
                    st = os.lstat(node)
                except (FileNotFoundError, NotADirectoryError):
                    break
                if is_whiteout(st) or not stat.S_ISDIR(st.st_mode):
                    return found
                last = last or is_opaque(node)
            else:
                with os.scandir(node) as it:
                    for child in it:
                        if child.name in found or child.name in hidden:
                            continue
                        if is_whiteout(child.stat(follow_symlinks=False)):
                            hidden.add(child.name)
                        else:
                            found.add(child.name)
                if last:
                    return found
                continue
            if last:
                return found
        return found

    def resolve(self, rel: str, *, follow_last: bool = True) -> str:
        """`rel` with every symlink resolved inside the view (absent tails kept as
        written), as a clean relative path."""
        pending = [p for p in rel.split("/") if p and p != "."]
        done: list[str] = []
        links = 0
        while pending:
            name = pending.pop(0)
            if name == "..":
                if done:
                    done.pop()
                continue
            found = self.locate("/".join([*done, name]))
            if found is not None and stat.S_ISLNK(found[1].st_mode) and (pending or follow_last):
                links += 1
                if links > MAX_LINKS:
                    raise DfcError(f"too many levels of symbolic links in {rel}")
                target = os.readlink(found[0])
                if target.startswith("/"):
                    done = []
                pending = [p for p in target.split("/") if p and p != "."] + pending
                continue
            done.append(name)
        return "/".join(done)

    def is_dir(self, rel: str) -> bool:
        found = self.locate(self.resolve(rel))
        return found is not None and stat.S_ISDIR(found[1].st_mode)

    def read_text(self, rel: str) -> str | None:
        """A regular file's text (symlinks followed inside the view), or None."""
        found = self.locate(self.resolve(rel))
        if found is None or not stat.S_ISREG(found[1].st_mode):
            return None
        return found[0].read_text(errors="replace")
