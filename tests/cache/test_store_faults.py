"""The store under a disk that refuses writes: a read-only mount, a store owned by another
user, a full disk. What the user sees is one line and docker's exit code (1; 125 from
run/create), never exit 70; reading commands still work; after a full disk nothing
half-written is visible, `system check` is clean and the next command succeeds."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from dfc.cache.store import Store

from ..conftest import AS_NOBODY, BusyboxImage, busybox_store_copy, debris, small_disk  # noqa: TID252 - tests/ is no package (importlib mode)

# slow: each test runs the console script many times
pytestmark = pytest.mark.slow

# the store's writing commands, each with the exit code docker gives for its failures
WRITERS: list[tuple[tuple[str, ...], int]] = [
    (("build", "-t", "c2", "{ctx}"), 1),
    (("build", "--no-cache", "-t", "c3", "{ctx}"), 1),
    (("tag", "busybox", "other:1"), 1),
    (("rmi", "child"), 1),
    (("image", "prune", "-a", "-f"), 1),
    (("builder", "prune", "-a", "-f"), 1),
    (("import", "{rootfs}", "imported:1"), 1),
    (("load", "-i", "{archive}"), 1),
    (("run", "--rm", "busybox", "true"), 125),
    (("create", "busybox", "true"), 125),
]
READERS: list[tuple[str, ...]] = [
    ("images",), ("inspect", "busybox"), ("history", "child"), ("system", "df"),
    ("ps", "-a"), ("save", "-o", "{out}", "child"), ("system", "check"),
]


def dfc(dfc_cmd: list[str], root: Path, *args: str, user: bool = False
        ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*(AS_NOBODY if user else dfc_cmd), *args], capture_output=True,
                          text=True, env={**os.environ, "DFC_ROOT": str(root)}, timeout=300)


def ok(dfc_cmd: list[str], root: Path, *args: str) -> str:
    proc = dfc(dfc_cmd, root, *args)
    assert proc.returncode == 0, (args, proc.stderr)
    return proc.stdout


@pytest.fixture
def inputs(busybox_image: BusyboxImage, tmp_path: Path, dfc_cmd: list[str]
           ) -> dict[str, str]:
    """A build context, a rootfs tarball and an image archive, outside the store."""
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text("FROM busybox\nRUN echo hi > /hi\n")
    archive = tmp_path / "busybox.tar"
    ok(dfc_cmd, busybox_image.store.root, "save", "-o", str(archive), "busybox")
    rootfs = tmp_path / "rootfs.tar"
    subprocess.run(["tar", "-cf", str(rootfs), "-C", str(ctx), "."], check=True)
    return {"ctx": str(ctx), "rootfs": str(rootfs), "archive": str(archive),
            "out": str(tmp_path / "saved.tar")}


def filled(args: tuple[str, ...], inputs: dict[str, str]) -> list[str]:
    return [a.format(**inputs) for a in args]


def state(root: Path) -> tuple[bytes, list[str]]:
    """What a reader can see: the index and the blob names."""
    return ((root / "index.json").read_bytes(),
            sorted(os.listdir(root / "blobs" / "sha256")))


@contextmanager
def read_only(folder: Path) -> Iterator[None]:
    subprocess.run(["mount", "--bind", str(folder), str(folder)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True)
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def child_store(fresh_store: Store, dfc_cmd: list[str], inputs: dict[str, str]) -> Path:
    ok(dfc_cmd, fresh_store.root, "build", "-q", "-t", "child", inputs["ctx"])
    return fresh_store.root


def test_a_read_only_store_refuses_writes_in_one_line_and_still_reads(
        fresh_store: Store, dfc_cmd: list[str], inputs: dict[str, str]) -> None:
    root = child_store(fresh_store, dfc_cmd, inputs)
    before = state(root)
    with read_only(root):
        for args, code in WRITERS:
            proc = dfc(dfc_cmd, root, *filled(args, inputs))
            assert proc.returncode == code, (args, proc.stderr)
            last = proc.stderr.strip().splitlines()[-1]
            assert last.startswith("error: ") and last.endswith(": read-only file system"), \
                (args, proc.stderr)
            assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
        for args in READERS:
            ok(dfc_cmd, root, *filled(args, inputs))
        assert "child" in ok(dfc_cmd, root, "images")
    assert state(root) == before
    ok(dfc_cmd, root, "tag", "child", "now:writable")


def test_another_users_store_refuses_writes_and_still_reads(
        fresh_store: Store, dfc_cmd: list[str], inputs: dict[str, str],
        tmp_path: Path) -> None:
    """Run as `nobody` on root's store (0755): EACCES on every write, reads work."""
    if shutil.which("setpriv") is None:
        pytest.fail("needs util-linux's setpriv")
    root = child_store(fresh_store, dfc_cmd, inputs)
    for folder in [tmp_path, *tmp_path.parents]:  # nobody must reach the store and inputs
        os.chmod(folder, os.stat(folder).st_mode | 0o005)
    before = state(root)
    for args, _ in WRITERS[:8]:  # run/create need root for namespaces anyway
        proc = dfc(dfc_cmd, root, *filled(args, inputs), user=True)
        assert proc.returncode == 1, (args, proc.stderr)
        assert proc.stderr.strip().splitlines()[-1].startswith("error: permission denied"), \
            (args, proc.stderr)
    for args in (("images",), ("inspect", "busybox"), ("history", "child")):
        assert dfc(dfc_cmd, root, *args, user=True).returncode == 0, args
    assert state(root) == before


def test_a_full_disk_fails_each_write_in_one_line_and_leaves_the_store_clean(
        busybox_image: BusyboxImage, fresh_store: Store, dfc_cmd: list[str],
        tmp_path: Path) -> None:
    """16 MiB for a 3 MiB store: a RUN layer of 8 MiB of random bytes (the step fits, its
    layer blob does not), a load and an import of 14 MiB each run out of space."""
    work = tmp_path / "inputs"
    (work / "ctx").mkdir(parents=True)
    (work / "ctx" / "Dockerfile").write_text(
        "FROM busybox\nRUN dd if=/dev/urandom of=/big bs=1M count=8\n")
    (work / "files").mkdir()
    (work / "files" / "big").write_bytes(os.urandom(14 << 20))
    subprocess.run(["tar", "-cf", str(work / "big.tar"), "-C", str(work / "files"), "."],
                   check=True)
    ok(dfc_cmd, fresh_store.root, "import", str(work / "big.tar"), "big:1")
    ok(dfc_cmd, fresh_store.root, "save", "-o", str(work / "bigimg.tar"), "big:1")
    writes = [("build", "-t", "built:1", str(work / "ctx")),
              ("load", "-i", str(work / "bigimg.tar")),
              ("import", str(work / "big.tar"), "imported:1")]
    with small_disk(tmp_path / "disk", 16) as grow:
        root = busybox_store_copy(busybox_image, tmp_path / "disk" / "store").root
        before = state(root)
        for args in writes:
            proc = dfc(dfc_cmd, root, *args)
            assert proc.returncode == 1, (args, proc.stderr)
            last = proc.stderr.strip().splitlines()[-1]
            assert last.startswith("error: ") and last.endswith("no space left on device"), \
                (args, proc.stderr)
            assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
            assert state(root) == before, args
            assert debris(root) == set(), args
            assert ok(dfc_cmd, root, "system", "check").startswith("ok: ")
        grow(128)
        for args in writes:
            ok(dfc_cmd, root, *args)
        names = ok(dfc_cmd, root, "images", "--format", "{{.Repository}}:{{.Tag}}").split()
        assert sorted(names) == ["big:1", "built:1", "busybox:latest", "imported:1"]
        assert ok(dfc_cmd, root, "system", "check").startswith("ok: ")
        assert debris(root) == set()


def test_a_full_disk_fails_a_commit_in_one_line_and_leaves_the_store_clean(
        busybox_image: BusyboxImage, dfc_cmd: list[str], tmp_path: Path) -> None:
    """16 MiB for a 3 MiB store and a container that wrote 9 MiB of random bytes: its
    writable layer fits, the committed layer blob does not."""
    with small_disk(tmp_path / "disk", 16) as grow:
        root = busybox_store_copy(busybox_image, tmp_path / "disk" / "store").root
        ok(dfc_cmd, root, "run", "--name", "filler", "busybox",
           "dd", "if=/dev/urandom", "of=/big", "bs=1M", "count=9")
        before = state(root)
        proc = dfc(dfc_cmd, root, "commit", "filler", "committed:1")
        assert proc.returncode == 1, proc.stderr
        last = proc.stderr.strip().splitlines()[-1]
        assert last.startswith("error: ") and last.endswith("no space left on device"), \
            proc.stderr
        assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
        assert state(root) == before
        assert debris(root) == set()
        assert ok(dfc_cmd, root, "system", "check").startswith("ok: ")
        grow(128)
        image_id = ok(dfc_cmd, root, "commit", "filler", "committed:1").strip()
        assert image_id.startswith("sha256:")
        assert ok(dfc_cmd, root, "run", "--rm", "committed:1", "wc", "-c", "/big").split()[0] \
            == str(9 << 20)
        ok(dfc_cmd, root, "rm", "filler")
        assert ok(dfc_cmd, root, "system", "check").startswith("ok: ")
        assert debris(root) == set()
