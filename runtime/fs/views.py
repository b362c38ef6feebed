"""A read-only, mounted view of unpacked layers: a plain directory tree that COPY --from
and source digests can walk with ordinary file calls, the kernel applying whiteouts."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from dfc.cache.inputs import Origin
from dfc.runtime.sandbox.linux import MS_RDONLY, mount, umount


def overlay_path(path: Path) -> str:
    """A path as overlayfs options need it (`:` and `,` separate options)."""
    return str(path).replace("\\", "\\\\").replace(":", "\\:").replace(",", "\\,")


@contextlib.contextmanager
def readonly_view(lowerdirs: Sequence[Path]) -> Iterator[Origin]:
    """Mount `lowerdirs` (topmost first) read-only; yield them as a copy origin."""
    base = Path(tempfile.mkdtemp(prefix="view-"))
    empty, merged = base / "empty", base / "merged"
    empty.mkdir()
    merged.mkdir()
    try:
        lower = ":".join(overlay_path(p) for p in (*lowerdirs, empty))
        mount("overlay", str(merged), "overlay", MS_RDONLY, f"lowerdir={lower}")
        try:
            yield Origin(str(merged))
        finally:
            umount(str(merged))
    finally:
        shutil.rmtree(base, ignore_errors=True)
