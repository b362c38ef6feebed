"""Base root filesystems the benchmarks build on, made once and kept under
/var/cache/dfc-bench/ (nothing large is committed; the same recipe gives the same files).

- `debian_layer()`: `debootstrap --variant=minbase bookworm` from Debian's mirror, less the
  downloaded .debs and package lists (as Debian's published images), as one gzip layer
  (~120 MB unpacked, ~50 MB gzip): the shape of a `debian:bookworm-slim` base.
- `small_files_layer()`: this machine's /usr/lib/python3* and /usr/share/perl trees, many
  small files (the per-member cost of unpacking).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

CACHE = Path("/var/cache/dfc-bench")
MIRROR = "http://deb.debian.org/debian"


def tar_gz(root: str, members: list[str], out: Path) -> None:
    """A reproducible tar.gz of `members` under `root` (sorted, numeric owners, no gzip
    name or time), written to a temp name and renamed so a cut-short run leaves nothing."""
    tmp = out.with_suffix(".part")
    with open(tmp, "wb") as f:
        tar = subprocess.Popen(
            ["tar", "--sort=name", "--numeric-owner", "--format=pax",
             "--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime",
             "-C", root, "-cf", "-", *members], stdout=subprocess.PIPE)
        subprocess.run(["gzip", "-n", "-6"], stdin=tar.stdout, stdout=f, check=True)
        assert tar.stdout is not None
        tar.stdout.close()
        if tar.wait() != 0:
            raise RuntimeError(f"tar of {root} failed")
    tmp.rename(out)


def debian_layer() -> Path:
    """The minbase bookworm rootfs as one gzip layer, built on first use."""
    out = CACHE / "debian-bookworm-minbase.tar.gz"
    if out.exists():
        return out
    CACHE.mkdir(parents=True, exist_ok=True)
    if shutil.which("debootstrap") is None:
        subprocess.run(["apt-get", "install", "-y", "-q", "debootstrap"], check=True)
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        root = Path(tmp) / "rootfs"
        subprocess.run(["debootstrap", "--variant=minbase", "bookworm", str(root), MIRROR],
                       check=True, capture_output=True)
        for pattern in ("var/cache/apt/archives/*.deb", "var/lib/apt/lists/*"):
            for path in root.glob(pattern):
                if path.is_file():
                    path.unlink()
        tar_gz(str(root), ["."], out)
    return out


def small_files_layer() -> Path:
    """Python's and Perl's library trees from this machine: many small files."""
    out = CACHE / "small-files.tar.gz"
    if out.exists():
        return out
    CACHE.mkdir(parents=True, exist_ok=True)
    trees = sorted(glob.glob("/usr/lib/python3*")) + ["/usr/share/perl"]
    tar_gz("/", [t.lstrip("/") for t in trees if os.path.isdir(t)], out)
    return out


def unpacked(layer: Path, into: Path) -> Path:
    """`layer` unpacked by tar into the new folder `into` (owners kept: run as root)."""
    into.mkdir(parents=True)
    subprocess.run(["tar", "-xzf", str(layer), "-C", str(into)], check=True)
    return into
