"""Builds that try to reach the host: each is refused or contained, and the host is
unchanged. (The sandbox's own isolation tests are tests/runtime/test_sandbox_isolation.py.)"""

from __future__ import annotations

import io
import os
import tarfile
import uuid
from pathlib import Path

import pytest

from dfc.build import BuildRequest, build
from dfc.cache.store import Store
from dfc.errors import DfcError
from dfc.runtime import events
from dfc.runtime.fs.snapshots import flatten


def built_files(store: Store, tag: str, dest: Path) -> Path:
    from dfc.runtime.images.config import Manifest

    record = store.resolve(tag)
    manifest = store.read_json(record.manifest.digest, Manifest)
    flatten(store, manifest.layers, dest)
    return dest


def run(store: Store, context: Path, tag: str = "attack") -> list[events.AnyEvent]:
    recorded: list[events.AnyEvent] = []
    build(BuildRequest(context=str(context), tags=(tag,)), store, recorded.append)
    return recorded


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A host file next to the context that no build may read."""
    secret = tmp_path / "host-secret.txt"
    secret.write_text(f"host secret {uuid.uuid4().hex}\n")
    return secret


@pytest.fixture
def context(tmp_path: Path) -> Path:
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    return ctx


def test_copy_of_parent_paths_stays_in_the_context(fresh_store: Store, context: Path,
                                                   outside: Path) -> None:
    (context / "Dockerfile").write_text(f"FROM busybox\nCOPY ../{outside.name} /x\n")
    with pytest.raises(DfcError, match=f'"/{outside.name}": not found'):
        run(fresh_store, context)


@pytest.mark.parametrize("link", ["absolute", "relative"])
def test_symlinks_out_of_the_context_are_resolved_inside_it(
        fresh_store: Store, context: Path, outside: Path, link: str, tmp_path: Path) -> None:
    target = str(outside) if link == "absolute" else f"../{outside.name}"
    (context / "escape").symlink_to(target)
    (context / "Dockerfile").write_text("FROM busybox\nCOPY escape /x\n")
    with pytest.raises(DfcError, match="not found"):
        run(fresh_store, context)
    # Inside a copied folder a symlink is copied as a symlink, never followed.
    (context / "dir").mkdir()
    (context / "dir" / "link").symlink_to(target)
    (context / "Dockerfile").write_text("FROM busybox\nCOPY dir /d\n")
    run(fresh_store, context)
    root = built_files(fresh_store, "attack", tmp_path / "flat")
    assert os.readlink(root / "d" / "link") == target
    assert outside.read_text() not in (root / "d").joinpath("link").as_posix()


def archive(members: list[tuple[str, bytes, str]]) -> bytes:
    """A tar of (name, data, kind) where kind is file, symlink:TARGET or hardlink:TARGET."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        for name, data, kind in members:
            info = tarfile.TarInfo(name)
            if kind.startswith("symlink:"):
                info.type, info.linkname = tarfile.SYMTYPE, kind.split(":", 1)[1]
                tar.addfile(info)
            elif kind.startswith("hardlink:"):
                info.type, info.linkname = tarfile.LNKTYPE, kind.split(":", 1)[1]
                tar.addfile(info)
            else:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return raw.getvalue()


@pytest.mark.parametrize("members", [
    [("../../escaped-by-dotdot", b"x", "file")],
    [("link", b"", "symlink:/tmp"), ("link/escaped-through-link", b"x", "file")],
    [("hard", b"", f"hardlink:{'../' * 8}etc/passwd")],
], ids=["dotdot", "symlink-then-file", "hardlink-out"])
def test_add_archives_never_write_outside_the_image(
        fresh_store: Store, context: Path, members: list[tuple[str, bytes, str]]) -> None:
    (context / "evil.tar").write_bytes(archive(members))
    (context / "Dockerfile").write_text("FROM busybox\nADD evil.tar /opt/\n")
    before = set(os.listdir("/tmp"))
    with pytest.raises(DfcError):
        run(fresh_store, context)
    assert not {"escaped-by-dotdot", "escaped-through-link"} & set(os.listdir("/tmp"))
    assert set(os.listdir("/tmp")) - before <= {p for p in os.listdir("/tmp")
                                                  if p.startswith(("tmp", "pytest", "step-"))}
    assert fresh_store.check().ok


def test_copy_into_a_symlink_to_root_lands_inside_the_image(
        fresh_store: Store, context: Path, tmp_path: Path) -> None:
    marker = f"dfc-attack-{uuid.uuid4().hex}"
    (context / "payload").write_text("payload\n")
    (context / "Dockerfile").write_text(
        f"FROM busybox\nRUN ln -s / /escape\nCOPY payload /escape/tmp/{marker}\n")
    run(fresh_store, context)
    assert not Path(f"/tmp/{marker}").exists()
    root = built_files(fresh_store, "attack", tmp_path / "flat")
    assert (root / "tmp" / marker).read_text() == "payload\n"


def test_run_cannot_mount_read_disks_see_or_touch_the_host(
        fresh_store: Store, context: Path, tmp_path: Path) -> None:
    host_marker = tmp_path / f"host-{uuid.uuid4().hex}"
    host_marker.write_text("untouched\n")
    disk = os.stat("/").st_dev
    (context / "Dockerfile").write_text(
        "FROM busybox\n"
        "RUN ! mount -t tmpfs none /mnt\n"
        f"RUN mknod /tmp/disk b {os.major(disk)} {os.minor(disk)} && ! head -c1 /tmp/disk\n"
        "RUN test \"$(ls /proc | grep -c '^[0-9]')\" -le 4\n"
        f"RUN ! test -e /proc/1/root{host_marker} && ! test -e {host_marker}\n"
        f"RUN ! sh -c 'echo changed > /proc/1/root{host_marker}'\n")
    run(fresh_store, context)
    assert host_marker.read_text() == "untouched\n"
