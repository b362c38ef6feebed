"""The layer tar reader: every header form a layer may use unpacks as GNU tar unpacks it,
the diff_id covers every decompressed byte, and damage is one clear error with no snapshot
left behind."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import re
import stat
import subprocess
import tarfile
from pathlib import Path

import pytest

from dfc.cache.oci import MEDIA_LAYER_GZIP, Descriptor
from dfc.cache.store import Store
from dfc.errors import DfcError
from dfc.runtime.fs.snapshots import extract_layer, snapshot_dirs
from dfc.runtime.fs.tarstream import TarStream

LONG_DIR = "/".join(["d" * 60] * 5)  # 304 characters: no ustar prefix split fits
LONG_TARGET = "t" * 150


def member(name: str, kind: bytes = tarfile.REGTYPE, data: bytes | None = None, *,
           link: str = "", mode: int = 0o644, uid: int = 0, gid: int = 0,
           mtime: float = 1_700_000_000,
           pax: dict[str, str] | None = None) -> tuple[tarfile.TarInfo, bytes | None]:
    ti = tarfile.TarInfo(name)
    ti.type, ti.linkname, ti.mode, ti.uid, ti.gid, ti.mtime = kind, link, mode, uid, gid, mtime
    ti.size = len(data) if data is not None else 0
    ti.pax_headers = pax or {}
    return ti, data


def make_tar(members: list[tuple[tarfile.TarInfo, bytes | None]], fmt: int) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=fmt) as tar:
        for ti, data in members:
            tar.addfile(ti, io.BytesIO(data) if data is not None else None)
    return raw.getvalue()


def features() -> list[tuple[tarfile.TarInfo, bytes | None]]:
    return [
        member("dir", tarfile.DIRTYPE, mode=0o2775, uid=5, gid=6),
        member("dir/link", tarfile.SYMTYPE, link=LONG_TARGET, mode=0o777),
        member("dir/setuid", data=b"#!/bin/sh\n", mode=0o4755, uid=1, gid=2, mtime=86_400),
        member("dir/big", data=os.urandom(3 * 1024 * 1024 + 17)),
        member("dir/empty", data=b""),
        member("dir/fifo", tarfile.FIFOTYPE, mode=0o600),
        member("dir/null", tarfile.CHRTYPE, mode=0o666),
        # in archive order, so GNU tar (which sets a directory's times when the archive
        # leaves it) and dfc (which sets them at the end) agree
        *(member(LONG_DIR[:n], tarfile.DIRTYPE) for n in range(60, len(LONG_DIR) + 1, 61)),
        member(f"{LONG_DIR}/file", data=b"long name\n", mode=0o640, uid=3_000_000, gid=7),
        member(f"{LONG_DIR}/hard", tarfile.LNKTYPE, link=f"{LONG_DIR}/file"),
    ]


def listing(root: Path) -> list[str]:
    out = subprocess.run(["find", ".", "-mindepth", "1", "-printf",
                          "%p %y %m %U %G %s %T@ %l %n\\n"],
                         cwd=root, capture_output=True, text=True, check=True).stdout
    return sorted(out.splitlines())


@pytest.mark.parametrize("fmt", [tarfile.PAX_FORMAT, tarfile.GNU_FORMAT],
                         ids=["pax", "gnu"])
def test_unpacks_as_gnu_tar_does(tmp_path: Path, fmt: int) -> None:
    blob = gzip.compress(make_tar(features(), fmt))
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    ours.mkdir()
    theirs.mkdir()
    digest = extract_layer(io.BytesIO(blob), ours, mode="overlay", empty=True)
    (tmp_path / "layer.tgz").write_bytes(blob)
    subprocess.run(["tar", "-xzf", str(tmp_path / "layer.tgz"), "-C", str(theirs)], check=True)
    assert listing(ours) == listing(theirs)
    assert (ours / LONG_DIR / "file").read_bytes() == b"long name\n"
    assert os.stat(ours / LONG_DIR / "file").st_uid == 3_000_000  # PAX record / base-256
    assert os.readlink(ours / "dir" / "link") == LONG_TARGET
    assert digest == "sha256:" + hashlib.sha256(gzip.decompress(blob)).hexdigest()


def test_pax_records_give_names_xattrs_and_fractional_times(tmp_path: Path) -> None:
    value = b"\xff\x00raw bytes"  # not UTF-8: must come back byte for byte
    pax = {"SCHILY.xattr.user.note": value.decode("utf-8", "surrogateescape"),
           "SCHILY.xattr.trusted.overlay.opaque": "y", "mtime": "1700000000.25",
           "path": "renamed/by-pax"}
    tar = make_tar([member("renamed", tarfile.DIRTYPE),
                    member("ignored-name", data=b"x", pax=pax)], tarfile.PAX_FORMAT)
    extract_layer(io.BytesIO(tar), tmp_path, mode="apply")
    target = tmp_path / "renamed" / "by-pax"
    assert os.getxattr(target, "user.note") == value
    assert "trusted.overlay.opaque" not in os.listxattr(target)  # overlay's own: dropped
    assert os.stat(target).st_mtime_ns == 1_700_000_000_250_000_000
    assert not (tmp_path / "ignored-name").exists()


def test_global_pax_headers_apply_to_every_later_member(tmp_path: Path) -> None:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT,
                      pax_headers={"uid": "4242"}) as tar:
        for ti, data in [member("a", data=b"a"), member("b", data=b"b")]:
            tar.addfile(ti, io.BytesIO(data or b""))
    extract_layer(io.BytesIO(raw.getvalue()), tmp_path, mode="apply")
    assert [os.stat(tmp_path / n).st_uid for n in "ab"] == [4242, 4242]


def test_members_read_as_tarfile_reads_them() -> None:
    tar = make_tar(features(), tarfile.PAX_FORMAT)

    def rows(items: list[tarfile.TarInfo]) -> list[tuple[object, ...]]:
        return [(m.name.rstrip("/"), m.type, m.linkname, m.mode, m.uid, m.gid, m.mtime,
                 m.size if m.isreg() else 0, m.devmajor, m.devminor) for m in items]

    with tarfile.open(fileobj=io.BytesIO(tar), mode="r|") as reference:
        expected = rows(list(reference))
    stream = TarStream(io.BytesIO(tar))
    try:
        assert rows(list(stream)) == expected
        assert stream.digest() == "sha256:" + hashlib.sha256(tar).hexdigest()
    finally:
        stream.close()


@pytest.mark.parametrize("options", [
    ["--format=gnu"], ["--format=posix", "--sparse-version=1.0"],
    ["--format=posix", "--sparse-version=0.1"], ["--format=posix", "--sparse-version=0.0"],
], ids=["gnu", "pax-1.0", "pax-0.1", "pax-0.0"])
def test_sparse_files_keep_their_bytes_and_holes(tmp_path: Path, options: list[str]) -> None:
    src = tmp_path / "src"
    src.mkdir()
    with open(src / "sparse", "wb") as f:
        for offset in (0, 700_000, 5_000_000):
            f.seek(offset)
            f.write(os.urandom(10_000))
        f.truncate(8_000_000)
    blob = tmp_path / "sparse.tgz"
    subprocess.run(["tar", "--sparse", *options, "-czf", str(blob), "-C", str(src), "sparse"],
                   check=True)
    dest = tmp_path / "dest"
    dest.mkdir()
    with open(blob, "rb") as f:
        extract_layer(f, dest, mode="overlay", empty=True)
    assert (dest / "sparse").read_bytes() == (src / "sparse").read_bytes()
    assert os.stat(dest / "sparse").st_blocks * 512 < 1_000_000  # holes stay holes
    assert sorted(os.listdir(dest)) == ["sparse"]


def test_whiteouts_and_opaque_dirs_with_long_names(tmp_path: Path) -> None:
    lower = make_tar([member(f"{LONG_DIR}/", tarfile.DIRTYPE),
                      member(f"{LONG_DIR}/gone", data=b"1"),
                      member(f"{LONG_DIR}/kept", data=b"2"),
                      member("opq/", tarfile.DIRTYPE), member("opq/old", data=b"3")],
                     tarfile.PAX_FORMAT)
    upper = make_tar([member(f"{LONG_DIR}/.wh.gone"), member("opq/.wh..wh..opq"),
                      member("opq/new", data=b"4")], tarfile.PAX_FORMAT)
    flat = tmp_path / "flat"
    flat.mkdir()
    extract_layer(io.BytesIO(lower), flat, mode="apply")
    extract_layer(io.BytesIO(upper), flat, mode="apply")
    assert sorted(os.listdir(flat / LONG_DIR)) == ["kept"]
    assert sorted(os.listdir(flat / "opq")) == ["new"]
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    extract_layer(io.BytesIO(upper), overlay, mode="overlay", empty=True)
    gone = os.lstat(overlay / LONG_DIR / "gone")
    assert stat.S_ISCHR(gone.st_mode) and gone.st_rdev == 0
    assert os.getxattr(overlay / "opq", "trusted.overlay.opaque") == b"y"


def layer_blob(store: Store, blob: bytes) -> Descriptor:
    return Descriptor(media_type=MEDIA_LAYER_GZIP, digest=store.put_bytes(blob), size=len(blob))


def damaged(kind: str) -> bytes:
    tar = make_tar([member(f"f{i}", data=os.urandom(50_000)) for i in range(40)],
                   tarfile.PAX_FORMAT)
    if kind == "truncated-gzip":
        return gzip.compress(tar)[:-5000]
    if kind == "corrupt-gzip":
        blob = bytearray(gzip.compress(tar))
        blob[len(blob) // 2:len(blob) // 2 + 64] = bytes(64)
        return bytes(blob)
    if kind == "truncated-tar":
        return gzip.compress(tar[:len(tar) // 2 + 100])
    bad = bytearray(tar)  # "bad-checksum": a later header's name changed after the fact
    header = tar.index(b"f20\0")
    bad[header] = ord("g")
    return gzip.compress(bytes(bad))


@pytest.mark.parametrize("kind", ["truncated-gzip", "corrupt-gzip", "truncated-tar",
                                  "bad-checksum"])
def test_damage_is_one_clear_error_and_no_snapshot(tmp_path: Path, kind: str) -> None:
    store = Store(tmp_path / "store")
    blob = damaged(kind)
    clear = re.compile(r"layer is (corrupt|truncated|not a valid tar)")
    with pytest.raises(DfcError) as snapshot_error:
        snapshot_dirs(store, [layer_blob(store, blob)], ["sha256:" + "0" * 64])
    assert clear.match(snapshot_error.value.message), snapshot_error.value.message
    assert os.listdir(store.root / "snapshots") == []
    with pytest.raises(DfcError) as extract_error:
        extract_layer(io.BytesIO(blob), tmp_path, mode="apply")
    assert extract_error.value.message == snapshot_error.value.message


def test_a_layer_cut_at_a_member_boundary_reads_as_tar_reads_it(tmp_path: Path) -> None:
    tar = make_tar([member("a", data=b"a" * 600), member("b", data=b"b")], tarfile.USTAR_FORMAT)
    cut = tar[:512 * 3]  # header and data of "a", no end-of-archive blocks
    assert extract_layer(io.BytesIO(cut), tmp_path, mode="apply") == (
        "sha256:" + hashlib.sha256(cut).hexdigest())
    assert os.listdir(tmp_path) == ["a"]


def test_a_signed_header_checksum_is_accepted(tmp_path: Path) -> None:
    header = bytearray(make_tar([member("caf\u00e9", data=b"x")], tarfile.USTAR_FORMAT))
    signed = sum(b - 256 if b > 127 else b for b in header[:148] + b" " * 8 + header[156:512])
    assert signed != sum(header[:148] + b" " * 8 + header[156:512])  # the name has high bytes
    header[148:156] = b"%06o\0 " % signed
    extract_layer(io.BytesIO(bytes(header)), tmp_path, mode="apply")
    assert (tmp_path / "caf\u00e9").read_bytes() == b"x"


def test_a_malformed_sparse_map_is_one_clear_error(tmp_path: Path) -> None:
    pax = {"GNU.sparse.major": "1", "GNU.sparse.minor": "0", "GNU.sparse.realsize": "10"}
    tar = make_tar([member("s", data=b"zz\n" + bytes(509), pax=pax)], tarfile.PAX_FORMAT)
    with pytest.raises(DfcError) as error:
        extract_layer(io.BytesIO(tar), tmp_path, mode="apply")
    assert error.value.message == "layer is not a valid tar: the sparse map of 's' is malformed"
