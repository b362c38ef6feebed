"""Snapshots stack into the same tree that flattening gives, and hostile tars stay inside."""

from __future__ import annotations

import gzip
import io
import os
import stat
import subprocess
import tarfile
from pathlib import Path

import pytest

from dfc.cache.oci import MEDIA_LAYER_GZIP, Descriptor, chain_ids
from dfc.cache.store import Store
from dfc.errors import DfcError
from dfc.runtime.fs.layer import Entry, LayerResult, write_layer
from dfc.runtime.fs.snapshots import flatten, snapshot_dirs

EPOCH = 1_700_000_000


def two_layers(store: Store) -> list[LayerResult]:
    one = write_layer(store, [
        Entry(path="etc/motd", kind="file", data=b"bye\n"),
        Entry(path="etc/passwd", kind="file", data=b"root:x:0:0::/root:/bin/sh\n"),
        Entry(path="opt/dir/a", kind="file", data=b"a\n"),
        Entry(path="opt/dir/b", kind="file", data=b"b\n"),
        Entry(path="bin/tool", kind="file", data=b"tool", mode=0o4755, uid=7, gid=8),
        Entry(path="bin/sh", kind="symlink", link="tool", mode=0o777),
        Entry(path="tmp", kind="dir", mode=0o1777),
    ], epoch=EPOCH)
    two = write_layer(store, [
        Entry(path="etc/.wh.motd", kind="file"),
        Entry(path="opt/dir/.wh..wh..opq", kind="file"),
        Entry(path="opt/dir/c", kind="file", data=b"c\n"),
        Entry(path="data/file", kind="file", data=b"hello\n", xattrs={"user.dfc": b"yes"}),
        Entry(path="data/hl", kind="hardlink", link="data/file"),
        Entry(path="dev/null", kind="char", devmajor=1, devminor=3, mode=0o666),
    ], epoch=EPOCH)
    assert one is not None and two is not None
    return [one, two]


def test_snapshots_are_overlay_lowerdirs(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    layers = two_layers(store)
    diff_ids = [r.diff_id for r in layers]
    dirs = snapshot_dirs(store, [r.descriptor for r in layers], diff_ids)
    assert [d.name for d in dirs] == [c.removeprefix("sha256:") for c in chain_ids(diff_ids)]
    upper = dirs[1]
    motd = os.lstat(upper / "etc" / "motd")
    assert stat.S_ISCHR(motd.st_mode) and motd.st_rdev == 0
    assert os.getxattr(upper / "opt" / "dir", "trusted.overlay.opaque") == b"y"
    assert os.stat(upper / "data" / "file").st_ino == os.stat(upper / "data" / "hl").st_ino
    tool = os.lstat(dirs[0] / "bin" / "tool")
    assert (stat.S_IMODE(tool.st_mode), tool.st_uid, tool.st_gid) == (0o4755, 7, 8)
    assert (tool.st_mtime, os.lstat(dirs[0] / "bin").st_mtime) == (0, EPOCH)
    assert set((store.root / "snapshots").iterdir()) == set(dirs)

    (dirs[0] / "marker").touch()  # cached: a second call reuses the directories
    assert snapshot_dirs(store, [r.descriptor for r in layers], diff_ids) == dirs
    assert (dirs[0] / "marker").exists()


def test_overlay_of_snapshots_equals_flatten(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    layers = two_layers(store)
    dirs = snapshot_dirs(store, [r.descriptor for r in layers], [r.diff_id for r in layers])
    flat = tmp_path / "flat"
    flatten(store, [r.descriptor for r in layers], flat)
    assert sorted(os.listdir(flat / "etc")) == ["passwd"]
    assert sorted(os.listdir(flat / "opt" / "dir")) == ["c"]
    assert os.getxattr(flat / "data" / "file", "user.dfc") == b"yes"
    merged, work, upper = tmp_path / "m", tmp_path / "w", tmp_path / "u"
    for d in (merged, work, upper):
        d.mkdir()
    lower = ":".join(str(d) for d in reversed(dirs))
    options = f"lowerdir={lower},upperdir={upper},workdir={work},redirect_dir=off"
    subprocess.run(["mount", "-t", "overlay", "overlay", "-o", options, str(merged)], check=True)
    try:
        diff = subprocess.run(["diff", "-r", "--no-dereference", str(merged), str(flat)],
                              capture_output=True, text=True)
    finally:
        subprocess.run(["umount", str(merged)], check=True)
    assert diff.returncode == 0, diff.stdout + diff.stderr + _special_files(*dirs, flat)


def _special_files(*trees: Path) -> str:
    """What diff compares of two special files besides their type (rdev, mode, owner,
    links, mtime): for the message of a failure it reports only as "is a character
    special file while ... is a character special file"."""
    lines = []
    for tree in trees:
        for path in sorted(tree.rglob("*")):
            st = os.lstat(path)
            if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
                lines.append(f"{path}: rdev={os.major(st.st_rdev)},{os.minor(st.st_rdev)} "
                             f"mode={st.st_mode:o} owner={st.st_uid}:{st.st_gid} "
                             f"nlink={st.st_nlink} mtime={st.st_mtime}")
    return "\n" + "\n".join(lines)


def hostile(store: Store, build: list[tuple[tarfile.TarInfo, bytes | None]]) -> Descriptor:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for ti, data in build:
            tar.addfile(ti, io.BytesIO(data) if data is not None else None)
    blob = gzip.compress(raw.getvalue())
    return Descriptor(media_type=MEDIA_LAYER_GZIP, digest=store.put_bytes(blob), size=len(blob))


def info(name: str, kind: bytes = tarfile.REGTYPE, link: str = "",
         size: int = 0) -> tarfile.TarInfo:
    ti = tarfile.TarInfo(name)
    ti.type, ti.linkname, ti.size = kind, link, size
    return ti


@pytest.mark.parametrize("members", [
    [(info("../evil", size=1), b"x")],
    [(info("a/../../evil", size=1), b"x")],
    [(info("link", tarfile.SYMTYPE, link=".."), None), (info("link/evil", size=1), b"x")],
    [(info("link", tarfile.SYMTYPE, link="/OUTSIDE"), None), (info("link/evil", size=1), b"x")],
    [(info("hl", tarfile.LNKTYPE, link="../outside/secret"), None)],
    [(info("link", tarfile.SYMTYPE, link="/OUTSIDE"), None),
     (info("hl", tarfile.LNKTYPE, link="link/secret"), None)],
    [(info("file", size=1), b"x"), (info("file/evil", size=1), b"x")],
    # A directory written into (so the extractor holds it open), then replaced by a
    # symlink out, then written through: the open directory must not be reused.
    [(info("d", tarfile.DIRTYPE), None), (info("d/x", size=1), b"x"),
     (info("d", tarfile.SYMTYPE, link="/OUTSIDE"), None), (info("d/evil", size=1), b"x")],
    [(info("d/e", tarfile.DIRTYPE), None), (info("d/e/x", size=1), b"x"),
     (info("d", tarfile.SYMTYPE, link="/OUTSIDE"), None), (info("d/e/evil", size=1), b"x")],
], ids=["dotdot", "inner-dotdot", "symlink-parent", "symlink-abs", "hardlink-out",
        "hardlink-via-symlink", "file-as-dir", "open-dir-replaced", "open-parent-replaced"])
def test_hostile_layers_never_write_outside(
        tmp_path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_text("s")
    store = Store(tmp_path / "store")
    members = [(ti if ti.linkname != "/OUTSIDE" else info(ti.name, ti.type, link=str(outside)),
                data) for ti, data in members]
    layer = hostile(store, members)
    with pytest.raises(DfcError):
        flatten(store, [layer], tmp_path / "flat")
    with pytest.raises(DfcError):
        snapshot_dirs(store, [layer], ["sha256:" + "0" * 64])
    assert sorted(os.listdir(outside)) == ["secret"]
    assert os.stat(outside / "secret").st_nlink == 1
    assert not (tmp_path / "evil").exists() and not (tmp_path / "store" / "evil").exists()
    assert os.listdir(store.root / "snapshots") == []


def test_absolute_names_land_inside(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    layer = hostile(store, [(info("/abs/file", size=2), b"hi"), (info("./rel", size=0), b"")])
    flatten(store, [layer], tmp_path / "flat")
    assert (tmp_path / "flat" / "abs" / "file").read_text() == "hi"
    assert (tmp_path / "flat" / "rel").exists()


def test_wrong_diff_id_is_refused(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    layers = two_layers(store)
    with pytest.raises(DfcError, match="diff_id"):
        snapshot_dirs(store, [layers[0].descriptor], [layers[1].diff_id])
    assert os.listdir(store.root / "snapshots") == []
