"""`docker import` of a rootfs: the result runs, real tools read it, it is reproducible."""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import subprocess
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dfc.cache.oci import Manifest
from dfc.cache.store import Store
from dfc.platform import host_platform
from dfc.runtime.images.config import ContainerConfig, ImageConfig
from dfc.runtime.images.importer import import_rootfs

EPOCH = 1_700_000_000


def small_rootfs_tar(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "hostname").write_text("box\n")
    (root / "bin").mkdir()
    (root / "bin" / "sh").symlink_to("busybox")
    out = tmp_path / "rootfs.tar"
    with tarfile.open(out, "w") as tar:
        tar.add(root, arcname=".")
    return out


def test_busybox_image_config(busybox_image: Any) -> None:
    store, ref = busybox_image
    record = store.resolve(ref)
    assert ref == "docker.io/library/busybox:latest"
    assert record.config is not None
    config = store.read_json(record.config, ImageConfig)
    manifest = store.read_json(record.manifest.digest, Manifest)
    assert (config.os, config.architecture) == ("linux", host_platform().architecture)
    assert config.created == "2023-11-14T22:13:20Z"
    assert len(config.rootfs.diff_ids) == len(manifest.layers) == 1
    [history] = config.history
    assert history.comment is not None and history.comment.startswith("Imported from /")
    assert not history.empty_layer
    assert store.check().ok


@pytest.mark.interop
def test_skopeo_inspects_busybox(busybox_image: Any) -> None:
    store, ref = busybox_image
    out = subprocess.run(["skopeo", "inspect", f"oci:{store.root}:{ref}"],
                         check=True, capture_output=True, text=True).stdout
    info = json.loads(out)
    assert info["Digest"] == store.resolve(ref).manifest.digest
    assert (info["Os"], info["Architecture"]) == ("linux", host_platform().architecture)
    assert len(info["Layers"]) == 1


@pytest.mark.interop
def test_umoci_unpacks_a_runnable_busybox(busybox_image: Any, tmp_path: Path) -> None:
    store, ref = busybox_image
    bundle = tmp_path / "bundle"
    subprocess.run(["umoci", "unpack", "--image", f"{store.root}:{ref}", str(bundle)],
                   check=True, capture_output=True)
    rootfs = bundle / "rootfs"
    assert (rootfs / "bin" / "sh").readlink() == Path("busybox")
    assert (rootfs / "tmp").stat().st_mode & 0o7777 == 0o1777
    out = subprocess.run(["chroot", str(rootfs), "/bin/sh", "-c", "echo ok; id -un"],
                         check=True, capture_output=True, text=True).stdout
    assert out == "ok\nroot\n"


@pytest.mark.parametrize("compress", [gzip.compress, bz2.compress, lzma.compress])
def test_compressed_inputs_give_the_same_layer(
        tmp_path: Path, compress: Callable[[bytes], bytes]) -> None:
    plain = small_rootfs_tar(tmp_path)
    packed = tmp_path / "packed"
    packed.write_bytes(compress(plain.read_bytes()))
    store = Store(tmp_path / "store")
    one = import_rootfs(store, plain, epoch=EPOCH)
    two = import_rootfs(store, packed, epoch=EPOCH, message="same")
    diff_ids = {store.read_json(i.config, ImageConfig).rootfs.diff_ids for i in (one, two)}
    assert len(diff_ids) == 1


def test_import_from_a_pipe_with_changes(tmp_path: Path, listing: Any) -> None:
    tar = small_rootfs_tar(tmp_path)
    store = Store(tmp_path / "store")
    with subprocess.Popen(["cat", str(tar)], stdout=subprocess.PIPE) as proc:
        assert proc.stdout is not None
        imported = import_rootfs(store, proc.stdout, "me/app:1", epoch=EPOCH,
                                 changes=ContainerConfig(cmd=("/bin/sh",), env=("A=1",)),
                                 message="from a pipe")
    assert imported.name == "docker.io/me/app:1"
    config = store.read_json(imported.config, ImageConfig)
    assert config.config == ContainerConfig(cmd=("/bin/sh",), env=("A=1",))
    assert config.history[0].comment == "from a pipe"
    layer = store.read_json(imported.manifest.digest, Manifest).layers[0]
    assert [row[:2] for row in listing(store, layer.digest)] == [
        ("bin", "d"), ("bin/sh", "l"), ("etc", "d"), ("etc/hostname", "-")]


def test_reimport_is_reproducible(tmp_path: Path) -> None:
    tar = small_rootfs_tar(tmp_path)
    one = import_rootfs(Store(tmp_path / "a"), tar, "x", epoch=EPOCH)
    two = import_rootfs(Store(tmp_path / "b"), tar, "x", epoch=EPOCH)
    assert one == two
    assert not list((tmp_path / "a" / "ingest").iterdir())


def _tree_rows(root: Path) -> list[tuple[str, int, int, int, int, str, str, list[str]]]:
    """Every entry under `root`: path, mode, owner, group, mtime, link, content, xattrs."""
    import os

    rows = []
    for path in sorted(root.rglob("*")):
        st = path.lstat()
        link = os.readlink(path) if path.is_symlink() else ""
        body = path.read_bytes().hex() if path.is_file() and not path.is_symlink() else ""
        attrs = sorted(os.listxattr(path, follow_symlinks=False))
        rows.append((str(path.relative_to(root)), st.st_mode, st.st_uid, st.st_gid,
                     int(st.st_mtime), link, body, attrs))
    return rows


def test_import_leaves_the_layer_unpacked_as_unpacking_it_would(tmp_path: Path) -> None:
    """docker import leaves the new layer unpacked; dfc keeps the tree it made the layer
    from as the layer's snapshot, which must be exactly what unpacking the blob gives."""
    import os

    from dfc.runtime.fs.snapshots import extract_layer

    root = tmp_path / "tree"
    (root / "usr" / "bin").mkdir(parents=True)
    (root / "usr" / "bin" / "tool").write_bytes(b"#!/bin/sh\necho hi\n")
    os.chmod(root / "usr" / "bin" / "tool", 0o4755)
    (root / "usr" / "bin" / "alias").hardlink_to(root / "usr" / "bin" / "tool")
    (root / "etc").mkdir()
    (root / "etc" / "shadow").write_text("root:*:1::::::\n")
    os.chmod(root / "etc" / "shadow", 0o640)
    os.chown(root / "etc" / "shadow", 0, 42)
    (root / "srv").mkdir(mode=0o700)
    os.chown(root / "srv", 1000, 1000)
    (root / "bin").symlink_to("usr/bin")
    os.setxattr(root / "usr" / "bin" / "tool", "user.origin", b"import-test")
    os.utime(root / "etc", (EPOCH, EPOCH))
    tar_path = tmp_path / "rootfs.tar"
    with tarfile.open(tar_path, "w", format=tarfile.PAX_FORMAT) as tar:
        tar.add(root, arcname=".")
    store = Store(tmp_path / "store")
    imported = import_rootfs(store, tar_path, "imp:1")
    config = store.read_json(imported.config, ImageConfig)
    [diff_id] = config.rootfs.diff_ids
    snapshot = store.root / "snapshots" / diff_id.removeprefix("sha256:")
    assert snapshot.is_dir()
    [layer] = store.read_json(imported.manifest.digest, Manifest).layers
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    with store.open_blob(layer.digest) as f:
        assert extract_layer(f, fresh, mode="overlay", empty=True) == diff_id
    assert _tree_rows(snapshot) == _tree_rows(fresh)
    assert oct(snapshot.stat().st_mode & 0o7777) == "0o755"
    assert not list((store.root / "ingest").iterdir())  # nothing left behind


def test_reproducible_import_leaves_no_snapshot(tmp_path: Path) -> None:
    """With SOURCE_DATE_EPOCH the layer's mtimes are clamped, so the tree is not what the
    layer unpacks to: it is not kept."""
    store = Store(tmp_path / "store")
    import_rootfs(store, small_rootfs_tar(tmp_path), "imp:1", epoch=EPOCH)
    assert not (store.root / "snapshots").is_dir() or \
        not list((store.root / "snapshots").iterdir())
