"""A snapshot unpacked from a layer's entries equals one unpacked from the layer's blob."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from dfc.cache.store import Store
from dfc.runtime.fs.layer import Entry, tree_entries, write_layer
from dfc.runtime.fs.snapshots import snapshot_dirs, snapshot_from_entries


def test_entries_and_blob_give_the_same_snapshot(tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "dir" / "sub").mkdir(parents=True)
    (src / "dir" / "file").write_text("content\n")
    os.chmod(src / "dir" / "file", 0o4755)
    os.chown(src / "dir" / "file", 1000, 1001)
    (src / "dir" / "link").symlink_to("file")
    os.link(src / "dir" / "file", src / "dir" / "hard")
    os.setxattr(src / "dir" / "file", "user.note", b"kept")
    entries = [*tree_entries(str(src)), Entry(path="dir/inline", kind="file", data=b"x",
                                              size=1, mode=0o600, mtime=5)]
    made = Store(tmp_path / "a")
    layer = write_layer(made, entries, epoch=100)
    assert layer is not None
    snapshot_from_entries(made, [layer.diff_id], entries, 100)
    from_entries = made.root / "snapshots" / layer.diff_id.removeprefix("sha256:")
    other = Store(tmp_path / "b")
    shutil.copy(made.blob_path(layer.descriptor.digest), other.blob_path(layer.descriptor.digest))
    (from_blob,) = snapshot_dirs(other, [layer.descriptor], [layer.diff_id])
    listing = ["find", ".", "-mindepth", "1", "-printf", "%p %y %m %U %G %s %T@ %l %n\\n"]
    a = subprocess.run(listing, cwd=from_entries, capture_output=True, text=True).stdout
    b = subprocess.run(listing, cwd=from_blob, capture_output=True, text=True).stdout
    assert sorted(a.splitlines()) == sorted(b.splitlines())
    assert os.getxattr(from_entries / "dir" / "file", "user.note") == b"kept"
    assert (from_entries / "dir" / "inline").read_bytes() == b"x"
