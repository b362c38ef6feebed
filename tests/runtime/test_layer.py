"""Layers as a reader sees them: exact tar entries, stable digests, one streaming pass."""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import lzma
import os
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from dfc.cache.store import Store
from dfc.errors import DfcError
from dfc.runtime.fs.layer import Entry, decompressed, write_layer, write_tree

EPOCH = 1_700_000_000
Listing = Callable[[Store, str], list[tuple[str, str, int, int, int, int, str]]]
Members = Callable[[Store, str], list[tarfile.TarInfo]]


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def make_tree(root: Path) -> None:
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "passwd").write_text("root:x:0:0::/root:/bin/sh\n")
    (root / "bin").mkdir()
    (root / "bin" / "tool").write_bytes(b"\x7fELF" + bytes(5000))
    os.chmod(root / "bin" / "tool", 0o4755)
    os.link(root / "bin" / "tool", root / "bin" / "a-tool")
    os.symlink("tool", root / "bin" / "t")
    (root / "tmp").mkdir()
    os.chmod(root / "tmp", 0o1777)
    os.mknod(root / "null", 0o666 | 0o20000, os.makedev(1, 3))
    os.chmod(root / "null", 0o666)
    os.mkfifo(root / "fifo", 0o600)
    os.chown(root / "etc" / "passwd", 4242, 4343)
    os.setxattr(root / "etc" / "passwd", "user.dfc", b"yes")
    os.setxattr(root / "etc" / "passwd", "trusted.overlay.origin", b"\x00\xfb")
    os.setxattr(root / "etc" / "passwd", "trusted.dfc", b"\xff\xfe")
    for path in (root / "etc" / "passwd", root / "bin" / "tool"):
        os.utime(path, (EPOCH + 999, EPOCH + 999))


def test_entries_give_exact_tar(tmp_path: Path, listing: Listing, members: Members) -> None:
    store = Store(tmp_path / "store")
    result = write_layer(store, [
        Entry(path="/usr/bin/app", kind="file", data=b"#!/bin/sh\n", mode=0o755, mtime=EPOCH + 5),
        Entry(path="./usr/", kind="dir", mode=0o700, uid=1, gid=2, mtime=10),
        Entry(path="etc/.wh.motd", kind="file"),
        Entry(path="etc/conf", kind="file", data=b"x", uid=1000, gid=1000, mtime=20,
              xattrs={"user.a": b"1"}),
        Entry(path="etc/.wh..wh..opq", kind="file"),
        Entry(path="dev/console", kind="char", mode=0o600, devmajor=5, devminor=1),
    ], epoch=EPOCH)
    assert result is not None
    assert listing(store, result.descriptor.digest) == [
        ("dev", "d", 0o755, 0, 0, EPOCH, ""),
        ("dev/console", "c", 0o600, 0, 0, 0, ""),
        ("etc", "d", 0o755, 0, 0, EPOCH, ""),
        ("etc/.wh..wh..opq", "-", 0o644, 0, 0, 0, ""),
        ("etc/.wh.motd", "-", 0o644, 0, 0, 0, ""),
        ("etc/conf", "-", 0o644, 1000, 1000, 20, ""),
        ("usr", "d", 0o700, 1, 2, 10, ""),
        ("usr/bin", "d", 0o755, 0, 0, EPOCH, ""),
        ("usr/bin/app", "-", 0o755, 0, 0, EPOCH, ""),
    ]
    conf = next(m for m in members(store, result.descriptor.digest) if m.name == "etc/conf")
    assert conf.pax_headers == {"SCHILY.xattr.user.a": "1"}
    assert (conf.uname, conf.gname) == ("", "")


def test_digests_describe_the_blob(tmp_path: Path) -> None:
    store = Store(tmp_path)
    result = write_layer(store, [Entry(path="f", kind="file", data=b"hello")])
    assert result is not None
    blob = store.blob_path(result.descriptor.digest).read_bytes()
    assert blob[:10] == bytes.fromhex("1f8b08000000000000ff")  # mtime 0, no name
    assert result.descriptor.media_type == "application/vnd.oci.image.layer.v1.tar+gzip"
    assert result.descriptor.size == len(blob)
    tar = gzip.decompress(blob)
    assert result.diff_id == sha(tar)
    assert result.tar_size == len(tar) == 10240


def test_tree_layer(tmp_path: Path, listing: Listing, members: Members) -> None:
    make_tree(tmp_path / "root")
    store = Store(tmp_path / "store")
    result = write_tree(store, str(tmp_path / "root"), epoch=EPOCH)
    assert result is not None
    entries = listing(store, result.descriptor.digest)
    assert [e[:5] + e[6:] for e in entries] == [
        ("bin", "d", 0o755, 0, 0, ""),
        ("bin/a-tool", "-", 0o4755, 0, 0, ""),
        ("bin/t", "l", 0o777, 0, 0, "tool"),
        ("bin/tool", "h", 0o4755, 0, 0, "bin/a-tool"),
        ("etc", "d", 0o755, 0, 0, ""),
        ("etc/passwd", "-", 0o644, 4242, 4343, ""),
        ("fifo", "p", 0o600, 0, 0, ""),
        ("null", "c", 0o666, 0, 0, ""),
        ("tmp", "d", 0o1777, 0, 0, ""),
    ]
    assert {e[5] for e in entries} == {EPOCH}  # everything on disk is newer: clamped
    by_name = {m.name: m for m in members(store, result.descriptor.digest)}
    assert (by_name["null"].devmajor, by_name["null"].devminor) == (1, 3)
    xattrs = by_name["etc/passwd"].pax_headers
    assert {k: v.encode("utf-8", "surrogateescape") for k, v in xattrs.items()
            if k.startswith("SCHILY.xattr.")} == {
        "SCHILY.xattr.trusted.dfc": b"\xff\xfe", "SCHILY.xattr.user.dfc": b"yes"}


def test_reproducible_across_runs_and_copies(tmp_path: Path) -> None:
    make_tree(tmp_path / "a")
    make_tree(tmp_path / "b")
    one = write_tree(Store(tmp_path / "s1"), str(tmp_path / "a"), epoch=EPOCH)
    two = write_tree(Store(tmp_path / "s2"), str(tmp_path / "b"), epoch=EPOCH)
    assert one == two
    other = write_tree(Store(tmp_path / "s3"), str(tmp_path / "a"), epoch=EPOCH - 1)
    assert other is not None and one is not None and other.diff_id != one.diff_id


def test_empty_change_set_makes_no_layer(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    (tmp_path / "empty").mkdir()
    assert write_layer(store, []) is None
    assert write_tree(store, str(tmp_path / "empty")) is None
    assert os.listdir(store.root / "blobs" / "sha256") == []


def test_bad_entries_are_refused(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with pytest.raises(DfcError, match="duplicate"):
        write_layer(store, [Entry(path="a", kind="dir"), Entry(path="a/", kind="dir")])
    with pytest.raises(DfcError, match="unsafe"):
        write_layer(store, [Entry(path="a/../../b", kind="file")])
    assert os.listdir(store.root / "ingest") == []


@pytest.mark.parametrize("compress", [lambda b: b, gzip.compress, bz2.compress, lzma.compress])
def test_decompressed_detects_format(compress: object) -> None:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        tar.addfile(tarfile.TarInfo("x"))
    packed = compress(raw.getvalue())  # type: ignore[operator]
    assert decompressed(io.BytesIO(packed)).read() == raw.getvalue()
