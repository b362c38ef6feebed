"""A real overlay mount: what a RUN changes is exactly what the layer says."""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from dfc.cache.store import Store
from dfc.errors import DfcError
from dfc.runtime.fs.changeset import upper_entries
from dfc.runtime.fs.layer import write_layer

EPOCH = 1_700_000_000
Listing = Callable[[Store, str], list[tuple[str, str, int, int, int, int, str]]]
Members = Callable[[Store, str], list[tarfile.TarInfo]]


def make_lower(lower: Path) -> None:
    for d in ("etc", "bin", "opt/dir", "data"):
        (lower / d).mkdir(parents=True)
    (lower / "etc" / "motd").write_text("hi\n")
    (lower / "etc" / "passwd").write_text("root:x:0:0::/root:/bin/sh\n")
    (lower / "bin" / "wc").write_text("wc\n")
    (lower / "opt" / "dir" / "a").write_text("a\n")
    (lower / "opt" / "dir" / "b").write_text("b\n")
    (lower / "data" / "file").write_text("hello\n")
    os.link(lower / "data" / "file", lower / "data" / "hl")


def test_overlay_upper_dir_becomes_layer(
        tmp_path: Path, listing: Listing, members: Members) -> None:
    lower, upper, work, merged = (tmp_path / n for n in ("lower", "upper", "work", "merged"))
    for d in (upper, work, merged):
        d.mkdir()
    make_lower(lower)
    options = f"lowerdir={lower},upperdir={upper},workdir={work},redirect_dir=off"
    subprocess.run(["mount", "-t", "overlay", "overlay", "-o", options, str(merged)], check=True)
    try:
        (merged / "f").write_text("new\n")
        os.link(merged / "f", merged / "f2")
        with open(merged / "etc" / "passwd", "a") as f:
            f.write("app:x:1000:1000::/app:/bin/sh\n")
        os.unlink(merged / "bin" / "wc")
        os.unlink(merged / "data" / "hl")
        shutil.rmtree(merged / "opt" / "dir")
        (merged / "opt" / "dir").mkdir()
        (merged / "opt" / "dir" / "n").write_text("n\n")
        os.setxattr(merged / "opt" / "dir" / "n", "user.dfc", b"yes")
    finally:
        subprocess.run(["umount", str(merged)], check=True)

    store = Store(tmp_path / "store")
    result = write_layer(store, upper_entries(str(upper)), epoch=EPOCH)
    assert result is not None
    rows = listing(store, result.descriptor.digest)
    assert [(name, kind, link) for name, kind, _, _, _, _, link in rows] == [
        ("bin", "d", ""),
        ("bin/.wh.wc", "-", ""),
        ("data", "d", ""),
        ("data/.wh.hl", "-", ""),
        ("etc", "d", ""),
        ("etc/passwd", "-", ""),
        ("f", "-", ""),
        ("f2", "h", "f"),
        ("opt", "d", ""),
        ("opt/dir", "d", ""),
        ("opt/dir/.wh..wh..opq", "-", ""),
        ("opt/dir/n", "-", ""),
    ]
    assert {mtime for *_, mtime, _ in rows} == {EPOCH}
    xattrs = {m.name: {k for k in m.pax_headers if k.startswith("SCHILY.xattr.")}
              for m in members(store, result.descriptor.digest)}
    assert xattrs["opt/dir/n"] == {"SCHILY.xattr.user.dfc"}
    assert all(not any("overlay" in k for k in keys) for keys in xattrs.values())


def test_untouched_upper_dir_makes_no_layer(tmp_path: Path) -> None:
    (tmp_path / "upper").mkdir()
    store = Store(tmp_path / "store")
    assert write_layer(store, upper_entries(str(tmp_path / "upper"))) is None


def test_metacopy_upper_dir_is_refused(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("")
    os.setxattr(tmp_path / "f", "trusted.overlay.metacopy", b"")
    with pytest.raises(DfcError, match="metacopy=off"):
        list(upper_entries(str(tmp_path)))
